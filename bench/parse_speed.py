"""Time parse_event over every page of a folder (the bundled corpus by default).

Usage: python bench/parse_speed.py [--rounds N] [--against FILE] [FOLDER]

Prints pages per second, the median of N rounds. With ``--against`` (another version of
ingest/parse.py, e.g. from ``git show main:ingest/parse.py > /tmp/parse_main.py``) both are
timed in the same run, round by round, so their ratio compares like with like.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import NotAnEvent, ParseError, find_pages  # noqa: E402
from eventsearch.ingest import parse as parse_module  # noqa: E402


def one_round(parse, pages: list[tuple[bytes, str]]) -> float:
    start = time.perf_counter()
    for data, url in pages:
        try:
            parse(data, url)
        except (NotAnEvent, ParseError):
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "corpus"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", help="another parse.py to time beside this one")
    args = parser.parse_args()
    pages = [(p.read_bytes(), p.resolve().as_uri()) for p in find_pages(args.folder)]
    parsers = {"this": parse_module.parse_event}
    if args.against:
        spec = importlib.util.spec_from_file_location("parse_against", args.against)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        parsers[args.against] = module.parse_event
    runs: dict[str, list[float]] = {name: [] for name in parsers}
    for _ in range(args.rounds):
        for name, parse in parsers.items():
            runs[name].append(one_round(parse, pages))
    print(f"{len(pages)} pages from {args.folder}, median of {args.rounds} rounds")
    base = len(pages) / statistics.median(runs["this"])
    for name, times in runs.items():
        rate = len(pages) / statistics.median(times)
        print(f"{name:30} {rate:8.1f} pages/s   {rate / base:5.2f} x this")


if __name__ == "__main__":
    main()
