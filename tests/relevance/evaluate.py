"""nDCG@10 of the product's ranking over the graded judgments in judgments.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

JUDGMENTS = Path(__file__).resolve().parent / "judgments.json"


def load_judgments() -> list[tuple[str, dict[str, int]]]:
    data = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
    return [(q["query"], q["judgments"]) for q in data["queries"]]


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain at k, with gain 2^grade - 1."""
    def dcg(grades_in_order):
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades_in_order[:k]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(slug, 0) for slug in ranked]) / ideal if ideal else 0.0


def evaluate(index, k: int = 10) -> dict[str, float]:
    """nDCG@k per query, ranking each query through EventIndex.search."""
    return {
        query: ndcg_at([hit.slug for hit in index.search(query, per_page=k).hits], grades, k)
        for query, grades in load_judgments()
    }
