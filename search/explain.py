"""Why a hit scored what it did: its score taken apart into the plan's terms (search/plan.py),
each with BM25F's parts in one field, computed as search/scoring.py computes the score.

A hit's score is the sum of its parts: each term (a word, a synonym blend or a spelling
correction blend) in each field where the event has it, plus 1 for each ``-word`` or filter
term that the query's plan scores. Filters of the search (year, category, figure) and a
bare year typed among the words restrict what matches without adding to any score; they
are listed as such.
"""

from __future__ import annotations

import numpy as np
from eventsearch.search import plan, scoring
from eventsearch.search import query as q
from eventsearch.search.highlight import idf
from eventsearch.search.matching import Found
from eventsearch.search.results import Explanation, TermKind, TermScore
from eventsearch.search.scoring import Scorer


def explanation(found: Found, doc: int) -> Explanation:
    """Why document ``doc`` (a view number) of ``found`` scored what it did."""
    plan_ = found.compiled.plan
    parts = () if plan_ is None or found.scorer is None else explain(found.scorer, plan_, doc)
    return Explanation(
        score=float(found.scores[doc]),
        all_words=bool(found.preferred[doc]),
        parts=parts,
        filters=tuple(_label(f) for f in found.filters),
        corrections=tuple(found.compiled.corrections.items()),
        expansions=found.compiled.expansions,
    )


def explain(scorer: Scorer, node: plan.Node, doc: int) -> tuple[TermScore, ...]:
    """The parts of document ``doc``'s score under ``node``, as ``scorer`` scores it."""
    return tuple(_Explainer(scorer, doc).parts(node, 1.0))


def _label(found_filter: object) -> str:
    """A filter as the query language writes it."""
    if isinstance(found_filter, q.YearRange):
        start, end = found_filter.start, found_filter.end
        if start == end:
            return f"year:{start}"
        return f"year:{'' if start is None else start}..{'' if end is None else end}"
    if isinstance(found_filter, q.Category):
        return f'category:"{found_filter.name}"'
    if isinstance(found_filter, q.Figure):
        return f'figure:"{found_filter.name}"'
    return str(found_filter)


class _Explainer:
    def __init__(self, scorer: Scorer, doc: int) -> None:
        self.scorer = scorer
        self.doc = doc

    def matches(self, node: plan.Node) -> bool:
        return bool(self.scorer.matches(node).mask[self.doc])

    def parts(self, node: plan.Node, boost: float) -> list[TermScore]:
        """The parts ``node`` adds to the document's score, each times ``boost``."""
        if not self.matches(node):
            return []
        if isinstance(node, plan.Term):
            return [self.term(node.field, ((node.term,), 1.0), boost * node.boost, "word")]
        if isinstance(node, (plan.Or, plan.And)):
            return [part for child in node.children
                    for part in self.parts(child, boost * node.boost)]
        if isinstance(node, plan.Phrase):
            if len(node.terms) == 1:
                return [self.term(node.field, ((node.terms[0],), 1.0), boost * node.boost,
                                  "word")]
            return [self.term(node.field, ((word,), 1.0), boost * node.boost, "phrase",
                              within=node.terms)
                    for word in node.terms]
        if isinstance(node, plan.Blend):
            return [self.blend(node, boost * node.boost)]
        if isinstance(node, plan.Not):
            return [self.flat("not", _words(node.child), boost)]
        if isinstance(node, plan.Match):
            return [self.flat("filter", node.label, boost)]
        return []

    def term(self, field: str, form: tuple[tuple[str, ...], float], boost: float,
             kind: TermKind, within: tuple[str, ...] = ()) -> TermScore:
        """One word in one field: its BM25 parts."""
        docs, counts = self.scorer.occurrences(field, form[0])
        return self._bm25(field, kind, (form,), self._tf(docs, counts),
                          self.scorer.live_count(docs), boost, within)

    def blend(self, node: plan.Blend, boost: float) -> TermScore:
        """Several wordings as one term: the weighted sum of their counts, the largest
        document frequency (plan.Blend)."""
        tf, df = 0.0, 0
        for terms, weight in node.forms:
            docs, counts = self.scorer.occurrences(node.field, terms)
            tf += weight * self._tf(docs, counts)
            df = max(df, self.scorer.live_count(docs))
        return self._bm25(node.field, "blend", node.forms, tf, df, boost, ())

    def flat(self, kind: TermKind, label: str, boost: float) -> TermScore:
        """A part that scores 1 where it matches (an excluded word's absence, a filter
        among the words), times the boosts above it."""
        return TermScore(kind=kind, field="", terms=((label,),), weights=(1.0,), tf=0.0,
                         field_length=0.0, average_length=0.0, document_frequency=0,
                         idf=0.0, k1=scoring.K1, b=0.0, boost=boost, score=boost)

    def _tf(self, docs: np.ndarray, counts: np.ndarray) -> float:
        at = np.flatnonzero(docs == self.doc)
        return float(counts[at[0]]) if len(at) else 0.0

    def _bm25(self, field: str, kind: TermKind, forms, tf: float, df: int, boost: float,
              within: tuple[str, ...]) -> TermScore:
        view = self.scorer.view
        b = scoring.FIELD_B.get(field, scoring.B)
        lengths = view.lengths(field)[[self.doc]]
        average = view.average_length(field)
        # The same arithmetic on the same types as the scorer's, so the parts add up to
        # the score to the last bit but for the order of the additions.
        score = float(scoring.bm25(np.array([tf]), lengths, average, view.count, df, b)[0]
                      * boost) if tf and df else 0.0
        return TermScore(kind=kind, field=field, terms=tuple(terms for terms, _ in forms),
                         weights=tuple(w for _, w in forms), tf=tf,
                         field_length=float(lengths[0]), average_length=float(average),
                         document_frequency=df, idf=idf(view.count, df) if df else 0.0,
                         k1=scoring.K1, b=b, boost=boost, score=score, phrase=within)


def _words(node: plan.Node) -> str:
    """The words of an excluded part of the query, for its label."""
    if isinstance(node, plan.Term):
        return node.term
    if isinstance(node, (plan.Phrase,)):
        return " ".join(node.terms)
    if isinstance(node, plan.Blend):
        return " ".join(node.forms[0][0])
    if isinstance(node, (plan.Or, plan.And)):
        return " ".join(dict.fromkeys(_words(c) for c in node.children))
    return ""
