"""Choose the field weights by measurement: nDCG@10 on tests/relevance for a grid of weights.

Usage: python bench/tune_weights.py
Prints the mean nDCG@10 of the best weight sets (title, figures and summary at least the
body's weight, impact at most), best last. The weights in
search/schema.py FIELD_BOOSTS are set from this (docs/relevance.md).
"""

from __future__ import annotations

import itertools
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import load_directory  # noqa: E402
from eventsearch.search import create_index  # noqa: E402
from eventsearch.search.schema import FIELD_BOOSTS  # noqa: E402

from tests.relevance.evaluate import evaluate  # noqa: E402

GRID = {
    "title": (1.0, 1.25, 1.5, 2.0, 3.0),
    "figures_text": (1.0, 1.25, 1.5, 2.0),
    "summary": (1.0, 1.1, 1.25, 1.5),
    "body": (1.0,),
    "impact": (0.5, 0.8, 1.0),
}


def ordered(weights: dict[str, float]) -> bool:
    """The product's rule: no field that describes the event weighs less than the body
    (title, key figures, summary), and the lasting impact weighs no more."""
    body = weights["body"]
    return (min(weights["title"], weights["figures_text"], weights["summary"]) >= body
            >= weights["impact"])


def main() -> None:
    events = load_directory(ROOT / "corpus").events
    with tempfile.TemporaryDirectory() as folder:
        index = create_index(folder)
        index.update(events)
        index.use_synonyms(ROOT / "corpus" / "synonyms.txt")  # as `eventsearch index` gives it
        results = []
        for values in itertools.product(*GRID.values()):
            weights = dict(zip(GRID, values, strict=True))
            if not ordered(weights):
                continue
            FIELD_BOOSTS.update(weights)
            score = statistics.mean(evaluate(index).values())
            results.append((score, weights))
        results.sort(key=lambda r: r[0])
        for score, weights in results[-15:]:
            print(f"{score:.4f}  {weights}")
        worst = results[0]
        print(f"worst: {worst[0]:.4f}  {worst[1]}")


if __name__ == "__main__":
    main()
