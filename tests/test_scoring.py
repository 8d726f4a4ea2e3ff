"""The scorer (search/scoring.py) against a plain reference: BM25F computed straight from the
events' text, on an index of several segments with deleted events; and proof that queries
read our segment files only, never Whoosh's postings."""

from __future__ import annotations

import math
import os
from collections import Counter

import pytest
from eventsearch.search import create_index
from eventsearch.search.analysis import index_terms, query_terms
from eventsearch.search.schema import FIELD_BOOSTS
from eventsearch.search.scoring import FIELD_B, K1, B
from eventsearch.search.segment import field_texts


@pytest.fixture(scope="module")
def segmented(tmp_path_factory, corpus_events):
    """An index of three segments, with events deleted from two of them."""
    index = create_index(tmp_path_factory.mktemp("segmented") / "index")
    index.update(corpus_events[:30], merge=False)
    index.update(corpus_events[:60], merge=False)
    index.update(corpus_events, merge=False)
    gone = {corpus_events[3].slug, corpus_events[40].slug, corpus_events[41].slug}
    index.update([e for e in corpus_events if e.slug not in gone], merge=False)
    view = index.view()
    assert len(view.segments) >= 3 and sum(len(s.deleted) for s in view.segments) >= 3
    return index, [e for e in corpus_events if e.slug not in gone]


class Reference:
    """BM25F over the live events' text, written out plainly."""

    def __init__(self, events) -> None:
        self.events = events
        self.terms = {e.slug: {f: index_terms(t) for f, t in field_texts(e).items()}
                      for e in events}
        self.average = {f: sum(len(t[f]) for t in self.terms.values()) / len(events)
                        for f in FIELD_BOOSTS}

    def bm25(self, slug: str, field: str, tf: float, df: int) -> float:
        if not tf or not df:
            return 0.0
        idf = math.log(1 + (len(self.events) - df + 0.5) / (df + 0.5))
        b = FIELD_B.get(field, B)
        norm = K1 * ((1 - b) + b * len(self.terms[slug][field]) / self.average[field])
        return idf * tf * (K1 + 1) / (tf + norm)

    def occurrences(self, slug: str, field: str, phrase: tuple[str, ...]) -> int:
        words = self.terms[slug][field]
        return sum(1 for i in range(len(words) - len(phrase) + 1)
                   if tuple(words[i:i + len(phrase)]) == phrase)

    def word(self, term: str, fields=tuple(FIELD_BOOSTS)) -> dict[str, float]:
        scores: Counter = Counter()
        for field in fields:
            df = sum(1 for s in self.terms if term in self.terms[s][field])
            for slug in self.terms:
                tf = self.terms[slug][field].count(term)
                if tf:
                    scores[slug] += FIELD_BOOSTS[field] * self.bm25(slug, field, tf, df)
        return dict(scores)

    def phrase(self, words: tuple[str, ...]) -> dict[str, float]:
        scores: Counter = Counter()
        for field in FIELD_BOOSTS:
            for slug in self.terms:
                if self.occurrences(slug, field, words):
                    for word in words:
                        df = sum(1 for s in self.terms if word in self.terms[s][field])
                        tf = self.terms[slug][field].count(word)
                        scores[slug] += FIELD_BOOSTS[field] * self.bm25(slug, field, tf, df)
        return dict(scores)


def scored(index, query: str) -> dict[str, float]:
    return dict(index.ranked(query, limit=1000))


def close(found: dict[str, float], expected: dict[str, float]) -> None:
    assert set(found) == set(expected)
    for slug, score in expected.items():
        assert found[slug] == pytest.approx(score, rel=1e-9), slug


@pytest.mark.parametrize("word", ["network", "chess", "mistral", "turing", "efficiency"])
def test_a_word_scores_bm25f_over_every_field(segmented, word):
    index, events = segmented
    [term] = query_terms(word)
    close(scored(index, f"={word}"), Reference(events).word(term))


def test_words_add_up_and_a_field_restricts(segmented):
    index, events = segmented
    reference = Reference(events)
    expected = Counter(reference.word("chess"))
    expected.update(reference.word("kasparov"))
    close(scored(index, "=chess OR =kasparov"), dict(expected))
    close(scored(index, "title:=network"), reference.word("network", fields=("title",)))


def test_a_phrase_scores_the_sum_of_its_words_where_it_stands(segmented):
    index, events = segmented
    words = tuple(query_terms("neural network"))
    found = scored(index, '="neural networks"')
    close(found, Reference(events).phrase(words))
    assert found


def test_not_scores_one_for_every_event_without_the_word(segmented):
    index, events = segmented
    reference = Reference(events)
    chess = reference.word("chess")
    expected = {slug: score + 1 for slug, score in chess.items()
                if "kasparov" not in str(reference.terms[slug])}
    close(scored(index, "=chess -=kasparov"), expected)


def test_queries_read_our_segment_files_never_whoosh_postings(tmp_path, corpus_events):
    """Once a view is taken, Whoosh's postings and term files can go unreadable: every
    search is answered from the segment files (search/segment.py) alone."""
    index = create_index(tmp_path / "index")
    index.update(corpus_events)
    queries = ["Mistral efficiency", '"attention is all you need"', "transfor*",
               "chess -kasparov", "year:1980s network", "figure:lecun"]
    before = [(q, index.search(q, per_page=20)) for q in queries]
    for path in tmp_path.joinpath("index").iterdir():
        if path.suffix in (".pst", ".trm"):
            os.truncate(path, 0)
    for query, results in before:
        again = index.search(query, per_page=20)
        assert [h.slug for h in again.hits] == [h.slug for h in results.hits], query
        assert again.facets == results.facets
