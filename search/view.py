"""A view: one generation of the index, opened whole, read by any number of threads.

When a commit shows, the index takes a new view: Whoosh's reader gives the generation's
segments and their deleted documents (and checks their files), each segment's own file
is mapped (search/segment.py), and nothing else of Whoosh is kept. A view never changes:
searches hold the one they started with, and a commit that deletes the files of a segment
merged away cannot take them from under it. Everything a view remembers (the facet table,
the vocabulary, where terms are, phrase matches) is bounded and safe to share.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from eventsearch.search.caches import LRU
from eventsearch.search.codec import segment_path
from eventsearch.search.facets import Table
from eventsearch.search.people import Aliases, People
from eventsearch.search.segment import SegmentData, StoredEvent
from eventsearch.search.vocabulary import Vocabulary

#: Where each (field, term) is in the segments of a view, remembered for this many terms.
CACHED_TERMS = 50_000
#: Phrase matches remembered per view.
CACHED_PHRASES = 512


@dataclass(frozen=True)
class SegmentView:
    """A segment as one view sees it."""

    id: str
    data: SegmentData
    offset: int  # its first document's number in the view
    deleted: np.ndarray  # its deleted documents (numbers within the segment)

    @property
    def count(self) -> int:
        return self.data.count


class View:
    """One generation of the index (see the module docstring)."""

    def __init__(self, identity: str, generation: int, segments: list[SegmentView]) -> None:
        self.identity = identity
        self.generation = generation
        self.segments = segments
        self.size = sum(s.count for s in segments)
        self.live = np.ones(self.size, dtype=bool)
        for segment in segments:
            self.live[segment.deleted + segment.offset] = False
        self.count = int(self.live.sum())
        self.starts = np.array([s.offset for s in segments], dtype=np.int64)
        self.terms: LRU[list[tuple[SegmentView, int]]] = LRU(CACHED_TERMS)
        self.phrases: LRU[tuple[np.ndarray, np.ndarray]] = LRU(CACHED_PHRASES)
        self._lock = threading.Lock()
        self._table: Table | None = None
        self._vocabulary: Vocabulary | None = None
        self._people: tuple[Aliases, People] | None = None
        self._lengths: dict[str, np.ndarray] = {}
        self._averages: dict[str, float] = {}

    @property
    def key(self) -> tuple[str, int, tuple[str, ...]]:
        """What tells this view from any other: the index's identity, the generation, and
        the segments (an index made anew starts its generations again)."""
        return self.identity, self.generation, tuple(s.id for s in self.segments)

    def table(self) -> Table:
        """The facet table of this view (made when first asked for)."""
        return self._once("_table", lambda: Table(self.segments, self.size, self.live))

    def vocabulary(self) -> Vocabulary:
        """The words of this view's live events, as written, with how many use each."""
        return self._once("_vocabulary", lambda: Vocabulary.of(self.segments))

    def people(self, aliases: Aliases) -> People:
        """The people of this view's live events, by ``aliases`` (made once per view and
        alias file: the index's copy of its file is read again only when it changes)."""
        found = self._people
        if found is None or found[0] is not aliases:
            table = self.table()  # outside the lock, which table() takes itself
            with self._lock:
                found = self._people
                if found is None or found[0] is not aliases:
                    found = self._people = (aliases, People(table, aliases))
        return found[1]

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        found = getattr(self, name)
        if found is None:
            with self._lock:
                found = getattr(self, name)
                if found is None:
                    found = make()
                    setattr(self, name, found)
        return found

    def locate(self, docnum: int) -> tuple[SegmentView, int]:
        """The segment of a document, and its number within it."""
        at = int(np.searchsorted(self.starts, docnum, side="right")) - 1
        segment = self.segments[at]
        return segment, docnum - segment.offset

    def row(self, docnum: int) -> StoredEvent:
        segment, local = self.locate(docnum)
        return segment.data.row(local)

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length of ``field`` (in index terms)."""
        found = self._lengths.get(field)
        if found is None:
            found = np.zeros(self.size, dtype=np.float64)
            for segment in self.segments:
                found[segment.offset:segment.offset + segment.count] = \
                    segment.data.fields[field].lengths
            self._lengths[field] = found
        return found

    def average_length(self, field: str) -> float:
        """The mean length of ``field`` over the live documents (1 if there are none)."""
        found = self._averages.get(field)
        if found is None:
            found = float(self.lengths(field)[self.live].mean()) if self.count else 1.0
            self._averages[field] = found or 1.0
        return self._averages[field]

    def locations(self, field: str, term: str) -> list[tuple[SegmentView, int]]:
        """Where ``term`` is in ``field``: (segment, the term's number in it), for the
        segments that have it."""
        def find() -> list[tuple[SegmentView, int]]:
            found = []
            for segment in self.segments:
                at = segment.data.fields[field].find(term)
                if at >= 0:
                    found.append((segment, at))
            return found

        return self.terms.get((field, term), find)


def open_view(reader, storage, identity: str, opened: dict[str, SegmentData],
              latest: int) -> View:
    """A view of the generation ``reader`` (a Whoosh reader) reads.

    :param opened: segment files already mapped, by segment id (segments never change);
        the ones this view maps are added to it.
    :param latest: the generation to say when the reader has none (an empty index).
    """
    segments = []
    for leaf, offset in reader.leaf_readers():
        segment = leaf.segment()
        if segment is None:  # an empty index's reader
            continue
        key = segment.segment_id()
        data = opened.get(key)
        if data is None:
            data = opened[key] = SegmentData(segment_path(storage, segment))
        deleted = np.fromiter(segment.deleted_docs(), dtype=np.int64) \
            if segment.has_deletions() else np.zeros(0, dtype=np.int64)
        segments.append(SegmentView(key, data, offset, np.sort(deleted)))
    generation = reader.generation()
    return View(identity, latest if generation is None else generation, segments)
