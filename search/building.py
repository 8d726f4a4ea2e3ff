"""Writing a segment file (search/segment.py): each event's text read once, its terms
numbered, and the arrays laid out when Whoosh closes the segment (search/codec.py).

An event's text is read by :func:`analyse`: its words give each field's terms, each
section's term counts and the event's vocabulary, numbered by a :class:`Numbers`. A
segment builder numbers them itself, or takes what worker processes read, each in numbers
of its own, and renumbers them (search/writer.py).
"""

from __future__ import annotations

import itertools
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from eventsearch.ingest.model import Event
from eventsearch.search.analysis import WORD, terms_of, vocabulary_of
from eventsearch.search.highlight import pack_section
from eventsearch.search.segment import (
    MAGIC,
    NO_YEAR,
    TEXT_FIELDS,
    StoredEvent,
    StoredSection,
)

#: What is numbered while events are read: each text field's terms, and the words.
NAMESPACES = (*TEXT_FIELDS, "words")


class Numbers:
    """Numbers for strings, by namespace: 0, 1, 2... in the order of first use.

    A segment builder numbers its terms this way; a worker process that reads events for
    it numbers them in its own series, and says which strings it numbered since it last
    said, so that the builder can renumber them into its own (search/writer.py).
    """

    def __init__(self) -> None:
        self.maps = {ns: _numbering() for ns in NAMESPACES}
        self._said = dict.fromkeys(NAMESPACES, 0)

    def ids(self, namespace: str, keys) -> np.ndarray:
        return _ids(self.maps[namespace], keys)

    def news(self) -> dict[str, list[str]]:
        """The strings numbered since the last call, by namespace, in order."""
        found = {}
        for namespace, numbers in self.maps.items():
            said = self._said[namespace]
            if len(numbers) > said:
                # The newest keys, read from the end: a dictionary keeps insertion order.
                newest = itertools.islice(reversed(numbers), len(numbers) - said)
                found[namespace] = list(newest)[::-1]
                self._said[namespace] = len(numbers)
        return found


class Analysed(NamedTuple):
    """What a segment keeps of one event, read from its text. Picklable: the events of a
    large update are read in worker processes (search/writer.py)."""

    terms: tuple[np.ndarray, ...]  # each text field's terms, numbered, in TEXT_FIELDS order
    words: np.ndarray  # the vocabulary words of the event, numbered
    row: bytes  # the stored row, as JSON
    slug: str
    title: str
    content_hash: str
    year: int | None
    category: str | None
    figures: tuple[str, ...]
    #: Whose numbers these are (None: the builder's own), and what they numbered anew.
    source: str | None = None
    news: dict[str, list[str]] | None = None


def analyse(event: Event, numbers: Numbers, source: str | None = None) -> Analysed:
    """Read an event's text once: its words give each field's terms, each section's term
    counts and the vocabulary, numbered by ``numbers``."""
    written: set[str] = set()
    fields: dict[str, list[str]] = {}
    for field, text in (("title", event.title), ("figures_text", "\n".join(event.figures)),
                        ("summary", event.summary), ("impact", event.impact)):
        words = WORD.findall(text)
        written.update(words)
        fields[field] = terms_of(words)
    body: list[str] = []
    sections = []
    for section in event.sections:
        heading, words = terms_of(WORD.findall(section.heading)), WORD.findall(section.text)
        text_terms = terms_of(words)
        written.update(words)
        if section.heading != "Introduction":  # as field_texts() writes the body
            body.extend(heading)
        body.extend(text_terms)
        sections.append(StoredSection(section.heading, section.anchor, section.text,
                                      *pack_section(heading, text_terms)))
    fields["body"] = body
    row = json.dumps(StoredEvent.of(event, tuple(sections)).content(), ensure_ascii=False,
                     separators=(",", ":")).encode("utf-8")
    return Analysed(
        tuple(numbers.ids(f, fields[f]) for f in TEXT_FIELDS),
        numbers.ids("words", sorted(vocabulary_of(written))), row,
        event.slug, event.title, event.content_hash, event.year, event.category,
        tuple(event.figures), source, numbers.news() if source is not None else None)


class Stamped(NamedTuple):
    """A document as the writer gives it to the segment builder: the event (or what a
    worker process read of it), when it was first indexed and when its current content
    was (Unix time in seconds; search/writer.py decides them, a merge copies them)."""

    event: Event | Analysed
    added: float
    changed: float


class SegmentBuilder:
    """Collects the events of a segment being written, then writes its file."""

    def __init__(self) -> None:
        self.count = 0
        self.numbers = Numbers()
        self._renumber: dict[tuple[str, str], _Renumbering] = {}
        #: Whose numbers each document's terms and words are in: -1 for this builder's,
        #: else the position of a worker's series in ``_sources``.
        self._source_of: list[int] = []
        self._sources: dict[str, int] = {}
        self._tokens: dict[str, list[np.ndarray]] = {f: [] for f in TEXT_FIELDS}
        self._rows: list[bytes] = []
        self._slugs: list[bytes] = []
        self._titles: list[bytes] = []
        self._hashes: list[bytes] = []
        self._added: list[float] = []
        self._changed: list[float] = []
        self._years: list[int] = []
        self._categories: defaultdict[str, int] = _numbering()
        self._category_codes: list[int] = []
        self._figures: defaultdict[str, int] = _numbering()
        self._figure_codes: list[np.ndarray] = []
        self._doc_words: list[np.ndarray] = []

    def add(self, docnum: int, stamped: Stamped) -> None:
        """Add the next document (``docnum`` must be the number of documents so far): an
        event, or what :func:`analyse` made of one in a worker process, with its times."""
        if docnum != self.count:
            raise ValueError(f"document {docnum} added as number {self.count}")
        if not isinstance(stamped, Stamped):
            raise TypeError(f"a segment is given Stamped documents, not {type(stamped)}")
        event = stamped.event
        found = event if isinstance(event, Analysed) else analyse(event, self.numbers)
        self._source_of.append(-1 if found.source is None else self._learn(found))
        for field, terms in zip(TEXT_FIELDS, found.terms, strict=True):
            self._tokens[field].append(terms)
        self._doc_words.append(found.words)
        self._rows.append(found.row)
        self._slugs.append(found.slug.encode("utf-8"))
        self._titles.append(found.title.encode("utf-8"))
        self._hashes.append(found.content_hash.encode("ascii"))
        self._added.append(stamped.added)
        self._changed.append(stamped.changed)
        self._years.append(NO_YEAR if found.year is None else found.year)
        self._category_codes.append(
            -1 if not found.category else self._categories[found.category])
        self._figure_codes.append(_ids(self._figures, found.figures))
        self.count += 1

    def _learn(self, found: Analysed) -> int:
        """Number in this builder's series what a worker numbered anew; the position of
        the worker's series. Its terms are renumbered all at once when written."""
        series = found.source
        assert series is not None  # add() learns only what a worker read
        source = self._sources.setdefault(series, len(self._sources))
        for namespace, strings in (found.news or {}).items():
            self._renumber.setdefault((series, namespace), _Renumbering()).extend(
                self.numbers.ids(namespace, strings))
        return source

    def _ours(self, namespace: str, parts: list[np.ndarray]) -> np.ndarray:
        """The documents' terms (or words) of ``namespace`` joined, in this builder's
        numbers."""
        joined = _joined(parts, np.int32)
        if not self._sources or not len(joined):
            return joined
        source = np.repeat(np.array(self._source_of, dtype=np.int32),
                           np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)))
        for name, number in self._sources.items():
            theirs = source == number
            renumbering = self._renumber.get((name, namespace))
            if renumbering is not None and theirs.any():
                joined[theirs] = renumbering.take(joined[theirs])
        return joined

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the segment's file at ``path``."""
        arrays: dict[str, np.ndarray] = {}
        header: dict[str, Any] = {"count": self.count, "fields": {}}
        for field in TEXT_FIELDS:
            header["fields"][field] = self._postings(field, arrays)
        arrays["years"] = np.array(self._years, dtype=np.int32)
        arrays["category_codes"] = np.array(self._category_codes, dtype=np.int32)
        header["categories"] = list(self._categories)
        header["figures"] = list(self._figures)
        arrays["figure_starts"] = _starts(len(codes) for codes in self._figure_codes)
        arrays["figure_codes"] = _joined(self._figure_codes, np.int32)
        arrays["row_offsets"], arrays["rows"] = _blob(self._rows)
        arrays["added"] = np.array(self._added, dtype=np.float64)
        arrays["changed"] = np.array(self._changed, dtype=np.float64)
        arrays["slug_offsets"], arrays["slugs"] = _blob(self._slugs)
        arrays["title_offsets"], arrays["titles"] = _blob(self._titles)
        arrays["hash_offsets"], arrays["hashes"] = _blob(self._hashes)
        # Words as written, sorted, with how many documents use each; and each document's.
        order = list(self.numbers.maps["words"])
        ranked = np.argsort(np.array(order, dtype=object)).astype(np.int32)
        rank = np.empty(len(order), dtype=np.int32)
        rank[ranked] = np.arange(len(order), dtype=np.int32)
        doc_words = rank[self._ours("words", self._doc_words)] if order else \
            np.zeros(0, dtype=np.int32)
        arrays["word_offsets"], arrays["words"] = _blob(
            order[i].encode("utf-8") for i in ranked)
        arrays["word_df"] = np.bincount(doc_words, minlength=len(order)).astype(np.int32)
        arrays["doc_word_starts"] = _starts(len(w) for w in self._doc_words)
        arrays["doc_words"] = doc_words
        _write(path, header, arrays)

    def _postings(self, field: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        """The inverted index of one field, as arrays; its totals in the header."""
        names = list(self.numbers.maps[field])
        docs = self._tokens[field]
        lengths = np.fromiter((len(d) for d in docs), dtype=np.uint32, count=len(docs))
        tokens = self._ours(field, docs)
        # Term ids in alphabetical order of their terms.
        alphabetical = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[alphabetical] = np.arange(len(names), dtype=np.int32)
        tokens = rank[tokens] if len(names) else tokens
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
        starts = np.cumsum(lengths, dtype=np.int64) - lengths
        position = (np.arange(len(tokens), dtype=np.int64) - np.repeat(starts, lengths)
                    ).astype(np.uint32)
        # Grouped by term; within a term by document, then position, as they were added.
        order = np.argsort(tokens, kind="stable")
        terms_sorted, docs_sorted = tokens[order], doc_of[order]
        new_posting = np.ones(len(order), dtype=bool)
        new_posting[1:] = (terms_sorted[1:] != terms_sorted[:-1]) | (
            docs_sorted[1:] != docs_sorted[:-1])
        first = np.flatnonzero(new_posting)
        posting_terms = terms_sorted[first]
        freqs = np.diff(np.append(first, len(order))).astype(np.uint32)
        term_starts = np.searchsorted(posting_terms, np.arange(len(names) + 1))
        prefix = f"{field}."
        arrays[prefix + "term_offsets"], arrays[prefix + "terms"] = _blob(
            names[i].encode("utf-8") for i in alphabetical)
        arrays[prefix + "post_starts"] = term_starts.astype(np.int64)
        arrays[prefix + "pos_starts"] = np.searchsorted(
            terms_sorted, np.arange(len(names) + 1)).astype(np.int64)
        arrays[prefix + "docs"] = docs_sorted[first].astype(np.int32)
        arrays[prefix + "freqs"] = freqs
        arrays[prefix + "positions"] = position[order]
        arrays[prefix + "lengths"] = lengths
        return {"terms": len(names), "postings": len(first), "length": int(lengths.sum())}


def _numbering() -> defaultdict[str, int]:
    """A dictionary that numbers each new key it is asked for: 0, 1, 2..."""
    return defaultdict(itertools.count().__next__)


class _Renumbering:
    """A worker's numbers to a builder's: a growing array."""

    def __init__(self) -> None:
        self._ours = np.zeros(1024, dtype=np.int32)
        self._size = 0

    def extend(self, ours: np.ndarray) -> None:
        end = self._size + len(ours)
        if end > len(self._ours):
            self._ours = np.resize(self._ours, max(end, 2 * len(self._ours)))
        self._ours[self._size:end] = ours
        self._size = end

    def take(self, theirs: np.ndarray) -> np.ndarray:
        return self._ours[theirs]


def _ids(numbers: defaultdict[str, int], keys) -> np.ndarray:
    """The numbers of ``keys``, new keys numbered as they come."""
    return np.fromiter(map(numbers.__getitem__, keys), dtype=np.int32, count=len(keys))


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else \
        np.zeros(0, dtype=dtype)


def _starts(sizes: Iterable[int]) -> np.ndarray:
    found = np.fromiter(sizes, dtype=np.int64)
    return np.concatenate(([0], np.cumsum(found))).astype(np.int64)


def _blob(items: Iterable[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Byte strings as (offsets, one array of their bytes)."""
    items = list(items)
    offsets = _starts(len(item) for item in items)
    return offsets, np.frombuffer(b"".join(items), dtype=np.uint8)


def _write(path: str | os.PathLike[str], header: dict, arrays: dict[str, np.ndarray]) -> None:
    layout = {}
    offset = 0
    for name, array in arrays.items():
        layout[name] = [array.dtype.str, int(array.size), offset]
        offset += -(-array.nbytes // 8) * 8
    header["arrays"] = layout
    encoded = json.dumps(header, ensure_ascii=False).encode("utf-8")
    start = len(MAGIC) + 8 + len(encoded)
    start += -start % 8
    with open(path, "wb") as handle:
        handle.write(MAGIC)
        handle.write(len(encoded).to_bytes(8, "little"))
        handle.write(encoded)
        handle.write(b"\0" * (start - len(MAGIC) - 8 - len(encoded)))
        for array in arrays.values():
            data = np.ascontiguousarray(array).tobytes()
            handle.write(data)
            handle.write(b"\0" * (-len(data) % 8))
