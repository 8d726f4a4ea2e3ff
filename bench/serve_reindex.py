"""Serve under load while re-indexing again and again, and count what went wrong.

Usage: python bench/serve_reindex.py [--clients 8] [--rounds 40] [--pause 3]

A real waitress server on 127.0.0.1 serves an index of the bundled corpus; client threads
search it (the JSON API, the results page, an event page) without pause, while the main
thread re-indexes every ``--pause`` seconds, a few events changed each time, so that every
commit folds the previous tiny segment and deletes its files under the readers. Counted:
errors (any 5xx or broken connection), stale answers (a search made after a commit that
does not see it), duplicate hits. tests/test_serving_while_reindexing.py runs a short
version; the figures of long runs are in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

import requests
import waitress

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import load_directory  # noqa: E402
from eventsearch.search import create_index  # noqa: E402
from eventsearch.web import create_app  # noqa: E402

QUERIES = ["network", "Mistral efficiency", "chess", "", "language model", "1980s neural",
           '"deep learning"', "figure:lecun", "RLHF"]


@dataclasses.dataclass
class Outcome:
    requests: int = 0
    commits: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    stale: list[int] = dataclasses.field(default_factory=list)
    duplicates: list[str] = dataclasses.field(default_factory=list)
    totals: Counter = dataclasses.field(default_factory=Counter)


def run(index_dir: Path, events: list, *, clients: int, rounds: int,
        pause: float) -> Outcome:
    """Serve the index at ``index_dir`` (made from ``events``) to ``clients`` threads
    while committing ``rounds`` updates ``pause`` seconds apart."""
    events = list(events)
    index = create_index(index_dir)
    index.update(events)
    app = create_app({"INDEX": str(index_dir)})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    stop = threading.Event()
    outcome = Outcome()
    lock = threading.Lock()

    def client(number: int) -> None:
        session = requests.Session()
        turn = number
        while not stop.is_set():
            query = QUERIES[turn % len(QUERIES)]
            turn += 1
            try:
                if turn % 5 == 0:
                    response = session.get(f"{base}/search", params={"q": query}, timeout=30)
                elif turn % 7 == 0:
                    response = session.get(f"{base}/api/events/mistral-7b", timeout=30)
                else:
                    response = session.get(f"{base}/api/search",
                                           params={"q": query, "per_page": 100}, timeout=30)
            except requests.RequestException as exc:
                with lock:
                    outcome.errors.append(f"{query!r}: {type(exc).__name__}")
                continue
            with lock:
                outcome.requests += 1
                if response.status_code != 200:
                    outcome.errors.append(f"{response.url}: HTTP {response.status_code}")
                    continue
                if "/api/search" in response.url:
                    body = response.json()
                    slugs = [hit["slug"] for hit in body["hits"]]
                    if len(slugs) != len(set(slugs)):
                        outcome.duplicates.append(f"{query!r}: {slugs}")
                    if query == "":
                        outcome.totals[body["total"]] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    try:
        target = events[10]
        for round_number in range(rounds):
            for at in (10, 20 + round_number % 5, 40 + round_number % 7):
                event = events[at]
                events[at] = dataclasses.replace(
                    event, content_hash="", impact=f"{event.impact} zebrafish{round_number}")
            index.update(events if round_number % 2 else events[:-1])
            outcome.commits += 1
            found = requests.get(f"{base}/api/search",
                                 params={"q": f"zebrafish{round_number}"}, timeout=30).json()
            if target.slug not in [hit["slug"] for hit in found["hits"]]:
                outcome.stale.append(round_number)
            stop.wait(pause)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
        server.close()
        index.close()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    events = list(load_directory(ROOT / "corpus").events)
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="serve-reindex-") as tmp:
            found = run(Path(tmp) / "index", events, clients=args.clients,
                        rounds=args.rounds, pause=args.pause)
        print(f"run {number}: {found.requests} requests, {found.commits} commits, "
              f"{len(found.errors)} errors, {len(found.stale)} stale, "
              f"{len(found.duplicates)} duplicates; totals seen {dict(found.totals)}")
        for error in found.errors[:5]:
            print(f"  error: {error}")


if __name__ == "__main__":
    main()
