"""Scoring a plan (search/plan.py) over one view, with arrays: BM25F over our segment files.

Every term's postings are arrays in a memory map (search/segment.py), so a query is vector
arithmetic over every document at once, with nothing decoded: for each field a term is in,
BM25 of its term frequencies, the field's lengths and the term's idf, times the field's
weight; ``Or`` and ``And`` add their parts up, ``Not`` and filters score 1, a phrase scores
the sum of its words, and a blend of synonyms scores as one term (plan.Blend).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from eventsearch.search import plan
from eventsearch.search.highlight import idf
from eventsearch.search.segment import FieldData
from eventsearch.search.view import View

#: BM25's term-frequency saturation, and its length normalisation by field (names are
#: shorter than narratives and gain less from a second mention), chosen on the classic
#: collections and the corpus (docs/relevance-ir.md, docs/relevance.md).
K1 = 1.0
B = 0.5
FIELD_B = {"title": 0.5, "figures_text": 0.3}


@dataclass(frozen=True)
class Matches:
    """What a plan node matches, over every document of the view: a mask and scores
    (zero where the mask is false)."""

    mask: np.ndarray
    scores: np.ndarray


class Scorer:
    """Scores plans over one view. Made per search; remembers each term's scores so that a
    query's strict and loose forms share the work."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.size = view.size
        self.live = view.live
        self._terms: dict[tuple[str, str], Matches] = {}

    def evaluate(self, node: plan.Node) -> Matches:
        """What ``node`` matches among live documents, and their scores."""
        found = self._evaluate(node)
        mask = found.mask & self.live
        return Matches(mask, np.where(mask, found.scores, 0.0))

    def _evaluate(self, node: plan.Node) -> Matches:
        if isinstance(node, plan.Term):
            return _boosted(self.term(node.field, node.term), node.boost)
        if isinstance(node, plan.Or):
            parts = [self._evaluate(child) for child in node.children]
            if not parts:
                return self._none()
            mask = np.logical_or.reduce([p.mask for p in parts])
            return _boosted(Matches(mask, _total(parts)), node.boost)
        if isinstance(node, plan.And):
            parts = [self._evaluate(child) for child in node.children]
            if not parts:
                return self._none()
            mask = np.logical_and.reduce([p.mask for p in parts])
            return _boosted(Matches(mask, np.where(mask, _total(parts), 0.0)), node.boost)
        if isinstance(node, plan.Not):
            mask = ~self._evaluate(node.child).mask & self.live
            return Matches(mask, mask.astype(np.float64))
        if isinstance(node, plan.Phrase):
            return self.phrase(node)
        if isinstance(node, plan.Blend):
            return self.blend(node)
        if isinstance(node, plan.Match):
            return Matches(node.mask, node.mask.astype(np.float64))
        return self._none()

    def term(self, field: str, term: str) -> Matches:
        """One term's matches and BM25 scores in one field (unweighted)."""
        key = (field, term)
        found = self._terms.get(key)
        if found is None:
            docs, tf = self.occurrences(field, (term,))
            found = self._terms[key] = self._bm25(field, docs, tf, self.live_count(docs))
        return found

    def phrase(self, node: plan.Phrase) -> Matches:
        """A phrase: where its words stand next to each other, in order; it scores the sum
        of its words' scores in that field."""
        if len(node.terms) == 1:
            return _boosted(self.term(node.field, node.terms[0]), node.boost)
        docs, _ = self.occurrences(node.field, node.terms)
        if not len(docs):
            return self._none()
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        parts = [self.term(node.field, word) for word in node.terms]
        return _boosted(Matches(mask, np.where(mask, _total(parts), 0.0)), node.boost)

    def blend(self, node: plan.Blend) -> Matches:
        """Several wordings scored as one term (see plan.Blend)."""
        tf = np.zeros(self.size, dtype=np.float64)
        df = 0
        for terms, weight in node.forms:
            docs, counts = self.occurrences(node.field, terms)
            tf[docs] += weight * counts
            df = max(df, self.live_count(docs))
        docs = np.flatnonzero(tf)
        return _boosted(self._bm25(node.field, docs, tf[docs], df), node.boost)

    def occurrences(self, field: str, terms: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(documents, how often) a word or a phrase occurs in ``field``: documents by
        their number in the view, deleted ones included (the caller masks them)."""
        locations = [self.view.locations(field, term) for term in terms]
        if not all(locations):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(terms) == 1:
            docs, counts = [], []
            for segment, at in locations[0]:
                postings = segment.data.fields[field].postings(at)
                docs.append(postings.docs.astype(np.int64) + segment.offset)
                counts.append(postings.freqs)
            return np.concatenate(docs), np.concatenate(counts).astype(np.float64)
        return self.view.phrases.get((field, terms), lambda: self._phrase(field, terms))

    def _phrase(self, field: str, terms: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Where the words of a phrase stand next to each other, in order, and how often,
        from the positions of the documents that have every word."""
        found, counts = [], []
        for segment in self.view.segments:
            data = segment.data.fields[field]
            numbers = [data.find(term) for term in terms]
            if min(numbers) < 0:
                continue
            postings = [data.postings(at) for at in numbers]
            common = postings[0].docs
            for other in postings[1:]:
                common = np.intersect1d(common, other.docs, assume_unique=True)
            if not len(common):
                continue
            at = _keys(data, numbers[0], common)  # where the first word stands
            for distance, number in enumerate(numbers[1:], 1):
                keys = _keys(data, number, common)
                wanted = at + distance
                index = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
                at = at[keys[index] == wanted]
                if not len(at):
                    break
            if len(at):
                docs, times = np.unique(at >> 32, return_counts=True)
                found.append(docs + segment.offset)
                counts.append(times)
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(found), np.concatenate(counts).astype(np.float64)

    def _bm25(self, field: str, docs: np.ndarray, tf: np.ndarray, df: int) -> Matches:
        """BM25 of term frequencies ``tf`` in documents ``docs`` of ``field``."""
        mask = np.zeros(self.size, dtype=bool)
        scores = np.zeros(self.size, dtype=np.float64)
        if not len(docs) or not df:
            return Matches(mask, scores)
        mask[docs] = True
        scores[docs] = bm25(tf, self.view.lengths(field)[docs],
                            self.view.average_length(field), self.view.count, df,
                            FIELD_B.get(field, B))
        return Matches(mask, scores)

    def live_count(self, docs: np.ndarray) -> int:
        """How many of ``docs`` (view numbers) are not deleted."""
        return int(np.count_nonzero(self.live[docs]))

    def matches(self, node: plan.Node) -> Matches:
        """What ``node`` matches, deleted documents included, and their scores: the
        parts of :meth:`evaluate` (search/explain.py takes scores apart with it)."""
        return self._evaluate(node)

    def _none(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float64))


def bm25(tf: np.ndarray, lengths: np.ndarray, average_length: float, count: int, df: int,
         b: float) -> np.ndarray:
    """BM25 of term frequencies ``tf`` in documents of field lengths ``lengths``, for a term
    in ``df`` of ``count`` documents."""
    norm = K1 * ((1 - b) + b * lengths / average_length)
    return idf(count, df) * (tf * (K1 + 1)) / (tf + norm)


def _keys(data: FieldData, number: int, docs: np.ndarray) -> np.ndarray:
    """``document << 32 | position`` of the occurrences of a field's term (by number) in
    ``docs``, sorted."""
    found, positions = data.positions_in(number, docs)
    return (found.astype(np.int64) << 32) | positions.astype(np.int64)


def _boosted(found: Matches, boost: float) -> Matches:
    if boost == 1.0:
        return found
    return Matches(found.mask, found.scores * boost)


def _total(parts: list[Matches]) -> np.ndarray:
    total = parts[0].scores
    for part in parts[1:]:
        total = total + part.scores
    return total
