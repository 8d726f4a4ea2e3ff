"""Repeated updates: how many segments, how big, how fast queries stay, under each merge
policy, in one run.

Usage: python bench/churn.py [--events 10000] [--batch 120] [--rounds 24] [--queries 100]

Each round replaces ``--batch`` events with edited copies (the next ones in a rotation),
as an editor re-indexing a folder of changed pages would, and then times the same seeded
queries. The figures go to docs/reliability.md ("Repeated updates").
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import load_directory  # noqa: E402
from eventsearch.search import create_index  # noqa: E402
from eventsearch.search.merging import merge_policy, tiny_limit  # noqa: E402
from whoosh.reading import SegmentReader  # noqa: E402
from whoosh.writing import MERGE_SMALL  # noqa: E402

from bench.common import percentile, say  # noqa: E402
from bench.generate import generate_corpus  # noqa: E402
from bench.perf import make_queries  # noqa: E402


def whoosh_policy(writer, found_segments):
    """The policy before search/merging.py: tiny segments folded in, then Whoosh's
    MERGE_SMALL."""
    tiny = [s for s in found_segments
            if s.doc_count_all() <= tiny_limit(sum(x.doc_count_all() for x in found_segments))]
    for segment in tiny if len(found_segments) > 1 else ():
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    rest = [s for s in found_segments if s not in tiny] if len(found_segments) > 1 else \
        found_segments
    return MERGE_SMALL(writer, rest)


POLICIES = {"whoosh (before)": whoosh_policy, "eventsearch": merge_policy}


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def query_times(index, queries) -> list[float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query.text, **query.filters)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(policy_name: str, events, queries, batch: int, rounds: int, work: Path) -> list[dict]:
    folder = work / policy_name.split()[0]
    index = create_index(folder)
    before = POLICIES[policy_name] is whoosh_policy
    if before:
        index.commit_policy = whoosh_policy
    index.update(events)
    fresh = size_of(folder)
    query_times(index, queries)  # warm the caches once
    rows = []
    current = list(events)
    for round_number in range(rounds + 1):
        if round_number:
            start = (round_number - 1) * batch % len(current)
            for at in range(start, start + batch):
                at %= len(current)
                event = current[at]
                current[at] = dataclasses.replace(
                    event, content_hash="", impact=f"{event.impact} churn{round_number}")
            began = time.perf_counter()
            report = index.update(current, merge=not before)
            update_s = time.perf_counter() - began - report.merge_s
            merge_s = report.merge_s
        else:
            update_s = merge_s = 0.0
        times = query_times(index, queries)
        stats = index.stats()
        rows.append({"round": round_number, "segments": stats.segments,
                     "size": size_of(folder) / fresh, "update_s": update_s,
                     "merge_s": merge_s,
                     "p50": statistics.median(times), "p95": percentile(times, 95)})
        say(f"{policy_name:16} round {round_number:3}: {stats.segments:2} segments, "
            f"{rows[-1]['size']:.2f}x the fresh size, update {update_s:.2f} s "
            f"+ merge {merge_s:.2f} s, "
            f"query p50 {rows[-1]['p50']:.1f} ms, p95 {rows[-1]['p95']:.1f} ms")
    index.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--policy", choices=sorted(POLICIES), action="append",
                        help="Run only this policy (repeatable; default: all).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="churn-") as tmp:
        work = Path(tmp)
        say(f"generating and parsing {args.events:,} events")
        generate_corpus(work / "pages", args.events, seed=args.seed)
        events = list(load_directory(work / "pages", workers=2).events)
        queries = make_queries(events, args.queries, seed=args.seed)
        results = {name: run(name, events, queries, args.batch, args.rounds, work)
                   for name in args.policy or POLICIES}
    say("")
    say("| policy | most segments | largest size (x fresh) | last size | query p50 first / "
        "worst / last (ms) | update (visible) s median / max | merge after s median / max |")
    say("|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        updates = [r["update_s"] for r in rows[1:]]
        merges = [r["merge_s"] for r in rows[1:]]
        say(f"| {name} | {max(r['segments'] for r in rows)} | "
            f"{max(r['size'] for r in rows):.2f} | {rows[-1]['size']:.2f} | "
            f"{rows[0]['p50']:.1f} / {max(r['p50'] for r in rows):.1f} / "
            f"{rows[-1]['p50']:.1f} | {statistics.median(updates):.2f} / "
            f"{max(updates):.2f} | {statistics.median(merges):.2f} / {max(merges):.2f} |")


if __name__ == "__main__":
    main()
