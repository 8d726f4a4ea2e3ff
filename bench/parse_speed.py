"""Time parse_event over the whole corpus with each BeautifulSoup tree builder.

Usage: python bench/parse_speed.py [--rounds N] [FOLDER]
Prints pages per second for lxml, html.parser and html5lib (where installed), in one run,
so the ratios compare like with like.
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

import ingest.parse as parse_module  # noqa: E402
from ingest import NotAnEvent, ParseError, find_pages  # noqa: E402

BUILDERS = {"lxml": "lxml", "html.parser": None, "html5lib": "html5lib"}


def time_builder(builder: str, pages: list[tuple[bytes, str]], rounds: int) -> float:
    parse_module.PARSER = builder
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        for data, url in pages:
            try:
                parse_module.parse_event(data, url)
            except (NotAnEvent, ParseError):
                pass
        runs.append(time.perf_counter() - start)
    return len(pages) / statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "corpus"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pages = [(p.read_bytes(), p.resolve().as_uri()) for p in find_pages(args.folder)]
    print(f"{len(pages)} pages from {args.folder}, median of {args.rounds} rounds")
    results = {}
    for name, module in BUILDERS.items():
        if module and importlib.util.find_spec(module) is None:
            print(f"{name:12} not installed")
            continue
        results[name] = time_builder(name, pages, args.rounds)
    fastest = max(results.values())
    for name, rate in results.items():
        print(f"{name:12} {rate:8.1f} pages/s   {rate / fastest:5.2f} x fastest")


if __name__ == "__main__":
    main()
