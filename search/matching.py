"""What a query matches in one view, and in which order.

Events with all the words come first, then events with some of them: each query is
compiled twice, strict (all the words) and loose (some), and scored once (the loose form's
scores; the strict form only says which matches come first). A bare year or decade among
the words filters first, and counts as a word if the filter leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from eventsearch.search import query as q
from eventsearch.search.compiler import Compiled, Compiler
from eventsearch.search.results import Expansion
from eventsearch.search.scoring import Scorer
from eventsearch.search.synonyms import NO_SYNONYMS, Synonyms, expand
from eventsearch.search.view import View


@dataclass
class Found:
    """What a query found: its compiled form, the matching documents, every document's
    score, and which matches have all the words (ranked before the rest)."""

    compiled: Compiled
    mask: np.ndarray
    scores: np.ndarray
    preferred: np.ndarray
    #: What scored it (to take scores apart: search/explain.py), and the filters applied.
    scorer: Scorer | None = None
    filters: tuple = ()

    @classmethod
    def nothing(cls, compiled: Compiled, size: int) -> Found:
        none = np.zeros(size, dtype=bool)
        return cls(compiled, none, np.zeros(size), none)

    @property
    def docs(self) -> np.ndarray:
        return np.flatnonzero(self.mask)

    @property
    def total(self) -> int:
        return int(np.count_nonzero(self.mask))

    @property
    def all_words(self) -> int:
        return int(np.count_nonzero(self.preferred & self.mask))

    def with_all_words(self) -> Found:
        """Only the matches that have all the words."""
        return replace(self, mask=self.mask & self.preferred)

    def order(self) -> np.ndarray:
        """Matches by relevance: all the words first, then by score, then index order."""
        docs = self.docs
        return docs[np.lexsort((docs, -self.scores[docs], ~self.preferred[docs]))]

    def by_year(self, years: np.ndarray, newest_first: bool) -> np.ndarray:
        """Matches by year (a missing year before any), then index order."""
        docs = self.docs
        ordered = docs[np.lexsort((docs, years[docs]))]
        return ordered[::-1] if newest_first else ordered

    def by_added(self, added: np.ndarray) -> np.ndarray:
        """Matches newest indexed first (``added``: when each document's event was first
        indexed); those of one update in reverse index order."""
        docs = self.docs
        return docs[np.lexsort((docs, added[docs]))][::-1]


def match(view: View, parsed: q.ParsedQuery, filters: list,
          synonyms: Synonyms = NO_SYNONYMS) -> Found:
    """Everything the query matches in ``view``, scored (search/scoring.py).

    Words and phrases that have synonyms also match them (search/synonyms.py).
    """
    expansions: list[Expansion] = []
    text = expand(parsed.text, synonyms, expansions)
    spelling: dict[str, list[str]] = {}
    has_years = any(w.implicit_year for w in parsed.words)
    table = view.table()
    found = Found.nothing(Compiled(None), view.size)
    scorer = Scorer(view)
    for years_as_words in (False, True) if has_years else (False,):
        strict = Compiler(view, any_word=False, years_as_words=years_as_words,
                          spelling=spelling, synonyms=synonyms)
        strict_plan = strict.compile(text)
        applied = (*filters, *parsed.filters, *strict.year_filters)
        allowed = table.allowed(list(applied))
        if strict_plan is None:
            return Found(Compiled(None), allowed, np.zeros(view.size), allowed,
                         filters=applied)
        loose = Compiler(view, any_word=True, years_as_words=years_as_words,
                         spelling=spelling, synonyms=synonyms)
        loose_plan = loose.compile(text)
        # The same tree as strict_plan, which is not None: only how And combines differs.
        assert loose_plan is not None
        compiled = Compiled(loose_plan, loose.weights, loose.corrections, tuple(expansions))
        if not allowed.any():
            found = Found.nothing(compiled, view.size)
            continue
        matches = scorer.evaluate(loose_plan)
        mask = matches.mask & allowed
        if loose_plan == strict_plan:
            preferred = mask
        else:
            preferred = scorer.evaluate(strict_plan).mask & mask
        found = Found(compiled, mask, matches.scores, preferred, scorer, applied)
        if mask.any():
            break
    return found
