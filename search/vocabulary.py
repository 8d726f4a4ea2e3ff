"""The corpus's words as written, each with the number of events that use it: what spelling
corrections and completions choose from.

Each segment file keeps its distinct words, how many of its documents use each, and each
document's words (search/segment.py), so a view's vocabulary is its segments' counts
added up, less the words of its deleted documents: no text is read again.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from functools import cached_property
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

if TYPE_CHECKING:
    from eventsearch.search.view import SegmentView


class Vocabulary:
    """Words and how many events use each, for one version of the index."""

    def __init__(self, counts: Counter) -> None:
        self.counts = counts

    @classmethod
    def of(cls, segments: list[SegmentView]) -> Vocabulary:
        """The vocabulary of the live documents of these segments."""
        total: Counter = Counter()
        for segment in segments:
            words = segment.data.strings("words")
            counts = segment.data.word_counts(segment.deleted)
            total.update(dict(zip(words, counts.tolist(), strict=True)))
        return cls(+total)

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
        found: list[str] = []
        for word in self.words[bisect_left(self.words, stub):]:
            if not word.startswith(stub) or len(found) >= limit:
                break
            found.append(word)
        return found
