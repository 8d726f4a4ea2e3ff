"""Ranking quality on the bundled corpus, judged by reading it (judgments.json)."""

from __future__ import annotations

import statistics

from tests.relevance.evaluate import evaluate, load_judgments

#: The mean nDCG@10 reached when the weights were chosen (docs/relevance.md). Raise it when
#: ranking improves; never lower it to make a change pass.
NDCG_FLOOR = 0.93


def test_judgments_cover_enough_queries(corpus_events):
    slugs = {e.slug for e in corpus_events}
    judgments = load_judgments()
    assert len(judgments) >= 30
    for query, grades in judgments:
        assert grades and set(grades) <= slugs, query
        assert set(grades.values()) <= {1, 2, 3}, query


def test_mean_ndcg_at_10_stays_above_the_floor(corpus_index):
    scores = evaluate(corpus_index)
    mean = statistics.mean(scores.values())
    worst = sorted(scores.items(), key=lambda kv: kv[1])[:5]
    assert mean >= NDCG_FLOOR, f"nDCG@10 {mean:.4f} < {NDCG_FLOOR}; worst: {worst}"


def test_mistral_efficiency_puts_both_stories_in_the_top_three(corpus_index):
    top = [hit.slug for hit in corpus_index.search("Mistral efficiency").hits[:3]]
    assert {"mistral-7b", "open-source-models-close-the-gap"} <= set(top)
