"""Serving under load while the index is re-indexed again and again: a real server on
127.0.0.1, clients in threads, commits that fold segments under their feet. Counted:
errors (any 5xx or broken connection), stale answers, duplicate hits."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter

import pytest
import requests
import waitress

from search import create_index
from web import create_app

QUERIES = ["network", "Mistral efficiency", "chess", "", "language model", "1980s neural",
           '"deep learning"', "figure:lecun"]


@pytest.mark.slow
def test_no_error_stale_or_duplicate_answer_while_reindexing(index_dir, corpus_events):
    events = list(corpus_events)
    index = create_index(index_dir)
    index.update(events)
    app = create_app({"INDEX": str(index_dir)})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    stop = threading.Event()
    errors: list[str] = []
    duplicates: list[str] = []
    totals: Counter = Counter()
    answered = Counter()

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
                errors.append(f"{query!r}: {type(exc).__name__}")
                continue
            answered[response.status_code] += 1
            if response.status_code != 200:
                errors.append(f"{response.url}: HTTP {response.status_code}")
                continue
            if "/api/search" in response.url:
                body = response.json()
                slugs = [hit["slug"] for hit in body["hits"]]
                if len(slugs) != len(set(slugs)):
                    duplicates.append(f"{query!r}: {slugs}")
                if query == "":
                    totals[body["total"]] += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for thread in clients:
        thread.start()
    stale = []
    try:
        target = events[10]
        for round_number in range(12):
            # A few events changed per round: each commit writes a tiny segment and folds
            # the last one, deleting its files while requests hold the old generation.
            for at in (10, 20 + round_number % 5, 40 + round_number % 7):
                event = events[at]
                events[at] = dataclasses.replace(
                    event, content_hash="", impact=f"{event.impact} zebrafish{round_number}")
            shown = events if round_number % 2 else events[:-1]
            index.update(shown)
            # A request made after the commit sees it, at once.
            found = requests.get(f"{base}/api/search",
                                 params={"q": f"zebrafish{round_number}"}, timeout=30).json()
            if target.slug not in [hit["slug"] for hit in found["hits"]]:
                stale.append(round_number)
            stop.wait(0.3)
    finally:
        stop.set()
        for thread in clients:
            thread.join(60)
        server.close()
    assert errors == []
    assert duplicates == []
    assert stale == []
    assert set(totals) <= {len(corpus_events), len(corpus_events) - 1}
    assert sum(answered.values()) > 200, answered
