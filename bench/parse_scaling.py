"""Parse time per MB for pages of 0.5, 1, 2 and 5 MB in four shapes; flat means linear.

Usage: python bench/parse_scaling.py [--sizes 0.5,1,2,5] [--shapes paragraphs,...]

The shapes were quadratic in the old parser (docs/ingest.md): many sibling paragraphs,
list items or table rows, and deeply nested divs. Each page is parsed once, with no time
limit, and the seconds per MB of HTML are printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import ParseError, parse_event  # noqa: E402

SHAPES = {
    "paragraphs": ("<h1>T</h1>", "<p>w</p>", ""),
    "list items": ("<h1>T</h1><ul>", "<li>w</li>", "</ul>"),
    "nested divs": ("<h1>T</h1>", "<div>w", "</div>"),
    "table": ("<h1>T</h1><table>", "<tr><td>a</td><td>b</td></tr>", "</table>"),
}


def page(shape: str, megabytes: float) -> str:
    head, unit, tail = SHAPES[shape]
    if shape == "nested divs":
        count = (int(megabytes * 1_000_000) - len(head)) // (len(unit) + len(tail))
        return head + unit * count + tail * count
    count = (int(megabytes * 1_000_000) - len(head) - len(tail)) // len(unit)
    return head + unit * count + tail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,1,2,5")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    print("| shape | " + " | ".join(f"{s:g} MB" for s in sizes) + " |  (seconds per MB)")
    print("|---" * (len(sizes) + 1) + "|")
    for shape in args.shapes.split(","):
        cells = []
        for size in sizes:
            html = page(shape, size)
            start = time.perf_counter()
            try:
                parse_event(html, "file:///shape.html", time_limit=None)
            except ParseError as exc:
                print(f"{shape} {size:g} MB: {exc}", file=sys.stderr)
            elapsed = time.perf_counter() - start
            cells.append(f"{elapsed / (len(html.encode()) / 1_000_000):.2f}")
        print(f"| {shape} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
