"""Facets, filters and orderings: arrays over the document numbers of one view.

Each segment file holds its documents' years, categories and people as arrays
(search/segment.py); a view's table is them joined end to end, with the categories and
people renumbered across segments. No stored row is read, for a query or to build it.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property

import numpy as np
from eventsearch.search import query as q
from eventsearch.search.analysis import fold
from eventsearch.search.results import FacetCount, Facets
from eventsearch.search.segment import NO_YEAR

#: How many people the person facet lists at most.
FIGURE_FACETS = 20


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0, np.float64)


class Table:
    """Years, categories, people and indexing times of every document of a view, and the
    slugs, titles and content hashes (read from the segment files when first asked for)."""

    def __init__(self, segments, size: int, live: np.ndarray) -> None:
        self.segments = segments
        self.size = size
        self.live = live
        self.years = np.concatenate([s.data.years for s in segments]).astype(np.int64) \
            if segments else np.zeros(0, dtype=np.int64)
        self.has_year = self.years != NO_YEAR
        #: When each document's event was first indexed, and its content last changed.
        self.added = _joined([s.data.added for s in segments])
        self.changed = _joined([s.data.changed for s in segments])
        self.category_list: list[str] = []
        self.figure_list: list[str] = []
        category_codes: dict[str, int] = {}
        figure_codes: dict[str, int] = {}
        categories, figure_docs, figures = [], [], []
        for segment in segments:
            data = segment.data
            remap = np.array([category_codes.setdefault(c, len(category_codes))
                              for c in data.categories] + [-1], dtype=np.int32)
            categories.append(remap[data.category_codes])  # -1 stays -1 (the last)
            remap = np.array([figure_codes.setdefault(f, len(figure_codes))
                              for f in data.figures], dtype=np.int64)
            counts = np.diff(data.figure_starts)
            figure_docs.append(np.repeat(np.arange(data.count, dtype=np.int64), counts)
                               + segment.offset)
            figures.append(remap[data.figure_codes] if len(remap) else
                           np.zeros(0, dtype=np.int64))
        self.categories = np.concatenate(categories) if categories else \
            np.zeros(0, dtype=np.int32)
        self.category_list = list(category_codes)
        self.figure_list = list(figure_codes)
        self.figure_code = figure_codes
        self.figure_docs = np.concatenate(figure_docs) if figure_docs else \
            np.zeros(0, dtype=np.int64)
        self.figure_codes = np.concatenate(figures) if figures else np.zeros(0, np.int64)
        # Each figure's place in alphabetical order, to break ties among facet counts.
        self.figure_rank = np.zeros(len(self.figure_list), dtype=np.int64)
        self.figure_rank[sorted(range(len(self.figure_list)),
                                key=self.figure_list.__getitem__)] = np.arange(
            len(self.figure_list))
        self.category_names = {fold(c): c for c in self.category_list}
        self.figure_names = {fold(" ".join(n.split())): n for n in self.figure_list}

    # -- what the segment files keep per document, read when first needed ---------------

    def _strings(self, name: str) -> list[str]:
        found: list[str] = []
        for segment in self.segments:
            found.extend(segment.data.strings(name))
        return found

    @cached_property
    def slugs(self) -> list[str]:
        return self._strings("slugs")

    @cached_property
    def titles(self) -> list[str]:
        return self._strings("titles")

    @cached_property
    def hashes(self) -> list[str]:
        return self._strings("hashes")

    @cached_property
    def slug_index(self) -> dict[str, int]:
        """The document number of each live event's slug."""
        slugs = self.slugs
        return {slugs[d]: int(d) for d in self.live_docs()}

    def live_docs(self) -> np.ndarray:
        return np.flatnonzero(self.live)

    # -- filters ---------------------------------------------------------------------------

    def years_between(self, start: int | None, end: int | None) -> np.ndarray:
        mask = self.has_year.copy()
        if start is not None:
            mask &= self.years >= start
        if end is not None:
            mask &= self.years <= end
        return mask

    def figures_matching(self, name: str) -> list[str]:
        """The full name, or every name holding all these words (``lecun``)."""
        key = fold(" ".join(name.split()))
        if key in self.figure_names:
            return [self.figure_names[key]]
        words = key.split()
        return sorted(shown for folded, shown in self.figure_names.items()
                      if words and all(w in folded.split() for w in words))

    def with_figures(self, names: list[str]) -> np.ndarray:
        codes = [self.figure_code[n] for n in names if n in self.figure_code]
        mask = np.zeros(self.size, dtype=bool)
        mask[self.figure_docs[np.isin(self.figure_codes, codes)]] = True
        return mask

    def with_category(self, name: str) -> np.ndarray:
        shown = self.category_names.get(fold(name.strip()))
        if shown is None:
            return np.zeros(self.size, dtype=bool)
        return self.categories == self.category_list.index(shown)

    def mask_for(self, node) -> np.ndarray:
        """The documents a filter (year range, category, figure) lets through."""
        if isinstance(node, q.YearRange):
            return self.years_between(node.start, node.end)
        if isinstance(node, q.Category):
            return self.with_category(node.name)
        if isinstance(node, q.Figures):
            return self.with_figures(list(node.names))
        return self.with_figures(self.figures_matching(node.name))

    def allowed(self, filters: list) -> np.ndarray:
        """The live documents every filter lets through."""
        allowed = self.live
        for node in filters:
            allowed = allowed & self.mask_for(node)
        return allowed

    # -- facets ----------------------------------------------------------------------------

    def facets(self, matched: np.ndarray) -> Facets:
        """Counts by category, decade, year and figure over every match (a mask)."""
        categories = np.bincount(self.categories[matched & (self.categories >= 0)],
                                 minlength=len(self.category_list))
        dated = matched & self.has_year
        years = Counter(dict(zip(*np.unique(self.years[dated], return_counts=True),
                                 strict=True)))
        decades: Counter = Counter()
        for year, count in years.items():
            decades[int(year) // 10 * 10] += int(count)
        figures = np.bincount(self.figure_codes[matched[self.figure_docs]],
                              minlength=len(self.figure_list)) if len(self.figure_docs) \
            else np.zeros(0, dtype=np.int64)
        shown = np.flatnonzero(figures)
        shown = shown[np.lexsort((self.figure_rank[shown], -figures[shown]))][:FIGURE_FACETS]
        return Facets(
            category=tuple(FacetCount(self.category_list[c], int(categories[c]))
                           for c in sorted(np.flatnonzero(categories),
                                           key=lambda c: (-categories[c],
                                                          self.category_list[c]))),
            decade=tuple(FacetCount(d, n) for d, n in sorted(decades.items())),
            figure=tuple(FacetCount(self.figure_list[f], int(figures[f])) for f in shown),
            year=tuple(FacetCount(int(y), int(n)) for y, n in sorted(years.items())),
        )

    def categories_count(self) -> Counter:
        """How many live events each category has."""
        counts = np.bincount(self.categories[self.live & (self.categories >= 0)],
                             minlength=len(self.category_list))
        return Counter({self.category_list[c]: int(n) for c, n in enumerate(counts) if n})
