"""The corpus's words as written, each with the number of events that use it: what spelling
corrections and completions choose from.

Each event's distinct words are kept in a column of the index (``words``), not as postings:
as postings they were half of everything written, and half the time of a full build
(docs/performance.md). The counts of a segment are saved next to it by the writer and
kept in memory while the segment lives: segments never change once written, only which
of their events are deleted, and the words of deleted events are taken off.
"""

from __future__ import annotations

import os
import pickle
import threading
from bisect import bisect_left
from collections import Counter
from functools import cached_property
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

#: The column that holds each document's distinct words, space-separated (schema.py).
WORDS_COLUMN = "words"


class Vocabulary:
    """Words and how many events use each, for one version of the index."""

    def __init__(self, counts: Counter) -> None:
        self.counts = counts

    @cached_property
    def words(self) -> list[str]:
        return sorted(self.counts)

    @cached_property
    def _by_initial(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for word in self.words:
            found.setdefault(word[0], []).append(word)
        return found

    def __len__(self) -> int:
        return len(self.counts)

    def frequency(self, word: str) -> int:
        """How many events use ``word`` (folded, as written)."""
        return self.counts.get(word, 0)

    def within(self, word: str, maxdist: int) -> list[str]:
        """Words at most ``maxdist`` edits (Levenshtein) from ``word`` that share its first
        letter, ``word`` itself excluded."""
        if not word:
            return []
        choices = self._by_initial.get(word[0], [])
        found = extract(word, choices, scorer=Levenshtein.distance, score_cutoff=maxdist,
                        limit=None)
        return [choice for choice, _, _ in found if choice != word]

    def starting(self, stub: str, limit: int = 200) -> list[str]:
        """Up to ``limit`` words that start with ``stub``, in alphabetical order."""
        found = []
        for word in self.words[bisect_left(self.words, stub):]:
            if not word.startswith(stub) or len(found) >= limit:
                break
            found.append(word)
        return found


class WordCounts:
    """Per segment: how many of its documents use each word. Shared by the threads of an
    index, kept while the segment is part of the index.

    The writer saves each new segment's counts next to it (``words_SEGMENT.pickle``, see
    :meth:`save`), so that a new process need not count them again: counting 10,000
    events' words takes about a second, loading them a few milliseconds. A segment without
    the file (a writer killed after its commit) is counted from its column instead.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._segments: dict[str, Counter] = {}
        self._lock = threading.Lock()

    def _file(self, segment: str) -> Path | None:
        return self.folder / f"words_{segment}.pickle" if self.folder is not None else None

    def save(self, segments) -> None:
        """Save the counts of every segment that has no file yet, and remove the files of
        segments no longer in the index. Called by the writer after each commit."""
        if self.folder is None:
            return
        live = set()
        for leaf, _, segment in segments:
            live.add(segment)
            path = self._file(segment)
            if path.exists():
                continue
            counts = self._counts(leaf, segment)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                pickle.dump(dict(counts), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        for path in self.folder.glob("words_*.pickle"):
            if path.stem.removeprefix("words_") not in live:
                path.unlink(missing_ok=True)

    def vocabulary(self, segments) -> Vocabulary:
        """The vocabulary of the live documents of ``segments`` ((reader, offset, id))."""
        total: Counter = Counter()
        for leaf, _, segment in segments:
            total.update(self._counts(leaf, segment))
            if leaf.has_deletions():
                live = set(leaf.all_doc_ids())
                column = leaf.column_reader(WORDS_COLUMN)
                for docnum in range(leaf.doc_count_all()):
                    if docnum not in live:
                        total.subtract(_words(column[docnum]))
        return Vocabulary(+total)

    def _counts(self, leaf, segment: str) -> Counter:
        counts = self._segments.get(segment)
        if counts is None:
            counts = self._load(segment)
        if counts is None:
            counts = Counter()
            if leaf.has_column(WORDS_COLUMN):
                column = leaf.column_reader(WORDS_COLUMN)
                for docnum in range(leaf.doc_count_all()):
                    counts.update(_words(column[docnum]))
            with self._lock:
                self._segments[segment] = counts
        return counts

    def _load(self, segment: str) -> Counter | None:
        path = self._file(segment)
        try:
            with open(path, "rb") as handle:
                counts = Counter(pickle.load(handle))
        except (TypeError, OSError, pickle.UnpicklingError, EOFError, ValueError):
            return None  # no folder, no file, or a damaged one: count from the column
        with self._lock:
            self._segments[segment] = counts
        return counts

    def forget(self, live_segments: set[str]) -> None:
        with self._lock:
            for segment in [s for s in self._segments if s not in live_segments]:
                del self._segments[segment]


def _words(value) -> list[str]:
    if not value:
        return []
    return (value.decode("utf-8") if isinstance(value, bytes) else value).split()
