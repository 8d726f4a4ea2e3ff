"""Choose how much a synonym counts by measurement: nDCG@10 on tests/relevance with
synonyms off, and on at a grid of weights.

Usage: python bench/tune_synonyms.py
Prints the mean nDCG@10 of the queries that have a synonym (an acronym or its
expansion), of the others, and of all. SYNONYM_BOOST in search/synonyms.py is set from
this (docs/relevance.md).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import eventsearch.search.index as search_index  # noqa: E402
from eventsearch.ingest import load_directory  # noqa: E402
from eventsearch.search import create_index  # noqa: E402
from eventsearch.search.synonyms import SYNONYM_BOOST  # noqa: E402

from tests.relevance.evaluate import load_judgments, ndcg_at  # noqa: E402

WEIGHTS = (0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def scores(index, synonyms: bool) -> dict[str, float]:
    return {query: ndcg_at([h.slug for h in index.search(query, per_page=10,
                                                          synonyms=synonyms).hits], grades)
            for query, grades in load_judgments()}


def main() -> None:
    events = load_directory(ROOT / "corpus").events
    with tempfile.TemporaryDirectory() as folder:
        index = create_index(folder)
        index.update(events)
        found = index.use_synonyms(ROOT / "corpus" / "synonyms.txt")
        expanded = {query for query, _ in load_judgments()
                    if index.search(query, per_page=1).expansions}
        print(f"{len(found)} synonym groups; {len(expanded)} of {len(load_judgments())} "
              f"judged queries have a synonym")
        print("| synonyms | queries with a synonym | the others | all |")
        print("|---|---|---|---|")
        rows = [("off", scores(index, synonyms=False))]
        for weight in WEIGHTS:
            search_index.SYNONYM_BOOST = weight
            rows.append((f"on, weight {weight}", scores(index, synonyms=True)))
        for label, found_scores in rows:
            with_synonym = [v for q, v in found_scores.items() if q in expanded]
            others = [v for q, v in found_scores.items() if q not in expanded]
            print(f"| {label} | {statistics.mean(with_synonym):.4f} | "
                  f"{statistics.mean(others):.4f} | "
                  f"{statistics.mean(found_scores.values()):.4f} |")
        print()
        print(f"Per query with a synonym (off / weight {SYNONYM_BOOST}):")
        off, on = rows[0][1], dict(rows)[f"on, weight {SYNONYM_BOOST}"]
        for query in sorted(expanded, key=lambda q: on[q] - off[q]):
            print(f"  {query!r}: {off[query]:.3f} -> {on[query]:.3f}")


if __name__ == "__main__":
    main()
