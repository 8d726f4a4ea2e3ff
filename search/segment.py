"""Our own segment file: an inverted index of each text field as arrays, and each event's
stored row, written (search/building.py) and read through Whoosh's ``Codec`` extension
point (search/codec.py).

Whoosh keeps what it is good at: the table of contents, generations, the write lock,
deletions and merges. What a query reads is ours, laid out for numpy: for each field, the
terms in order, and for each term its documents, term frequencies and positions as flat
arrays, read straight from a memory map without decoding. A segment never changes once
written, so nothing here is ever updated in place.

The file: ``EVSEG1\\n``, the length of a JSON header (8 bytes, little-endian), the header
(each array's name, dtype, length and offset, and the small tables), then the arrays,
each aligned to 8 bytes.
"""

from __future__ import annotations

import json
import mmap
import os
import weakref
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
from eventsearch.ingest.model import Event, RelatedLink, Section
from eventsearch.search.analysis import fold
from eventsearch.search.caches import LRU
from eventsearch.search.errors import IndexCorrupt
from eventsearch.search.highlight import section_terms

MAGIC = b"EVSEG1\n"
#: The searched text fields, in the order of their arrays.
TEXT_FIELDS = ("title", "figures_text", "summary", "body", "impact")
#: Read a part of a file without moving a shared position (None where there is none).
_pread = getattr(os, "pread", None)
#: A document without a year.
NO_YEAR = np.iinfo(np.int32).min


class StoredSection(NamedTuple):
    """A section as stored: what a hit shows and how its terms score it."""

    heading: str
    anchor: str
    text: str
    length: int  # indexed words of the text
    terms: str  # packed term counts (search/highlight.py section_terms)


class StoredLink(NamedTuple):
    title: str
    url: str
    slug: str
    year: int | None


class StoredEvent(NamedTuple):
    """An event as its segment stores it (a JSON array, in this order)."""

    slug: str
    url: str
    title: str
    year: int | None
    category: str | None
    summary: str
    sections: tuple[StoredSection, ...]
    figures: tuple[str, ...]
    impact: str
    related: tuple[StoredLink, ...]
    content_hash: str
    lang: str | None
    #: When the event was first indexed, and when its current content was (Unix time in
    #: seconds), set by the writer (search/writer.py). They live in the segment's arrays
    #: ``added`` and ``changed``, not in the JSON row (:meth:`content`).
    added: float = 0.0
    changed: float = 0.0

    @classmethod
    def of(cls, event: Event, sections: tuple[StoredSection, ...] | None = None
           ) -> StoredEvent:
        """The row of an event (``sections``: its stored sections, if already made)."""
        if sections is None:
            sections = tuple(StoredSection(s.heading, s.anchor, s.text,
                                           *section_terms(s.heading, s.text))
                             for s in event.sections)
        return cls(
            slug=event.slug, url=event.url, title=event.title, year=event.year,
            category=event.category, summary=event.summary, sections=sections,
            figures=tuple(event.figures), impact=event.impact,
            related=tuple(StoredLink(r.title, r.url, r.slug, r.year) for r in event.related),
            content_hash=event.content_hash, lang=event.lang,
        )

    def content(self) -> tuple:
        """The fields the JSON row holds: all but the times (the last two)."""
        return self[:-2]

    @classmethod
    def from_json(cls, data: list, added: float = 0.0, changed: float = 0.0) -> StoredEvent:
        """The row stored as ``data`` (:meth:`content`), indexed at these times."""
        (slug, url, title, year, category, summary, sections, figures, impact, related,
         content_hash, lang) = data
        return cls(slug, url, title, year, category, summary,
                   tuple(StoredSection(*s) for s in sections), tuple(figures), impact,
                   tuple(StoredLink(*r) for r in related), content_hash, lang, added,
                   changed)

    def event(self) -> Event:
        """The Event this row was made from."""
        return Event(
            slug=self.slug, url=self.url, title=self.title, year=self.year,
            category=self.category, summary=self.summary,
            sections=tuple(Section(s.heading, s.anchor, s.text) for s in self.sections),
            figures=self.figures, impact=self.impact,
            related=tuple(RelatedLink(*r) for r in self.related),
            content_hash=self.content_hash, lang=self.lang,
        )


def field_texts(event: Event) -> dict[str, str]:
    """The text of each searched field of an event."""
    body = "\n\n".join(f"{s.heading}\n{s.text}" if s.heading != "Introduction" else s.text
                       for s in event.sections)
    return {"title": event.title, "figures_text": "\n".join(event.figures),
            "summary": event.summary, "body": body, "impact": event.impact}


# -- reading --------------------------------------------------------------------------------


class Postings(NamedTuple):
    """A term's postings in one segment: its documents (numbers within the segment, in
    order) and how often it occurs in each."""

    docs: np.ndarray
    freqs: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.freqs.nbytes


#: Postings read from segment files, kept for the next queries (by any view or thread) up
#: to this many bytes in all: the common terms of recent queries stay in memory, and a
#: serving process's memory does not grow with the index.
POSTINGS_CACHE_BYTES = 64 * 2**20
POSTINGS = LRU[Postings](POSTINGS_CACHE_BYTES, weigh=lambda p: p.nbytes)


class FieldData:
    """One field of a segment: its terms, postings, positions and lengths."""

    def __init__(self, segment: SegmentData, name: str) -> None:
        self.name = name
        prefix = f"{name}."
        self._term_offsets = segment.array(prefix + "term_offsets")
        self._terms = segment.array(prefix + "terms")
        self.post_starts = segment.array(prefix + "post_starts")
        self.pos_starts = segment.array(prefix + "pos_starts")
        self.lengths = segment.array(prefix + "lengths")
        self._segment = weakref.proxy(segment)  # no cycle: the file closes with it
        self.count = len(self.post_starts) - 1
        self.total_length = segment.header["fields"][name]["length"]

    def term(self, index: int) -> str:
        start, end = self._term_offsets[index], self._term_offsets[index + 1]
        return self._terms[start:end].tobytes().decode("utf-8")

    def find(self, term: str) -> int:
        """The number of ``term`` in this field, or -1."""
        at = bisect_left(_Terms(self), term)
        return at if at < self.count and self.term(at) == term else -1

    def starting(self, prefix: str) -> range:
        """The numbers of the terms that start with ``prefix``."""
        terms = _Terms(self)
        first = bisect_left(terms, prefix)
        last = bisect_left(terms, prefix + "\U0010ffff", lo=first)
        return range(first, last)

    def postings(self, index: int) -> Postings:
        """The postings of the term numbered ``index`` (read once, then from the cache)."""
        def read() -> Postings:
            start, end = int(self.post_starts[index]), int(self.post_starts[index + 1])
            return Postings(self._segment.read(f"{self.name}.docs", start, end),
                            self._segment.read(f"{self.name}.freqs", start, end))

        return POSTINGS.get((self._segment.path, self.name, index), read)

    def positions_in(self, index: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of every occurrence of the term numbered ``index`` in the
        documents ``docs``, in order."""
        postings = self.postings(index)
        selected = np.isin(postings.docs, docs)
        freqs = postings.freqs.astype(np.int64)
        starts = np.cumsum(freqs) - freqs
        counts = freqs[selected]
        before = np.cumsum(counts) - counts
        at = np.repeat(starts[selected] - before, counts) + np.arange(int(counts.sum()))
        positions = self._segment.read(f"{self.name}.positions", int(self.pos_starts[index]),
                                       int(self.pos_starts[index + 1]))
        return np.repeat(postings.docs[selected], counts), positions[at]

    def document_frequency(self, index: int) -> int:
        return int(self.post_starts[index + 1] - self.post_starts[index])


class _Terms:
    """A field's terms as a sequence, for bisect."""

    def __init__(self, field: FieldData) -> None:
        self.field = field

    def __len__(self) -> int:
        return self.field.count

    def __getitem__(self, index: int) -> str:
        return self.field.term(index)


_OFFSETS = {"slugs": "slug_offsets", "titles": "title_offsets", "hashes": "hash_offsets",
            "words": "word_offsets"}


class SegmentData:
    """One segment's file, opened once, read by any number of threads.

    What every query reads a little of (each document's lengths, years, categories and
    people; the term dictionaries) is read through a memory map. What a query reads only
    a part of (postings, positions, stored rows) is read with ``pread`` when needed: the
    pages of a map that a process has touched count in its memory (RSS) for as long as it
    lives, and at 100,000 events they would be most of the index.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        # Open while this object lives (a merge may delete the file; it stays readable).
        self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        weakref.finalize(self, os.close, self._fd)
        try:
            self._map = mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            raise IndexCorrupt(f"{self.path.name} is empty") from None
        try:
            self.header = self._read_header()
        except IndexCorrupt:
            self._map.close()
            raise
        self.count: int = self.header["count"]
        self.fields = {name: FieldData(self, name) for name in TEXT_FIELDS}
        self.years = self.array("years")
        self.category_codes = self.array("category_codes")
        self.categories: list[str] = self.header["categories"]
        self.figures: list[str] = self.header["figures"]
        self.figure_starts = self.array("figure_starts")
        self.figure_codes = self.array("figure_codes")
        self._row_offsets = self.array("row_offsets")
        #: When each document's event was first indexed, and its content last changed.
        self.added = self.array("added")
        self.changed = self.array("changed")
        self._strings: dict[str, list[str]] = {}

    def _read_header(self) -> dict:
        data = self._map
        if data[:len(MAGIC)] != MAGIC:
            raise IndexCorrupt(f"{self.path.name} is not an eventsearch segment")
        size = int.from_bytes(data[len(MAGIC):len(MAGIC) + 8], "little")
        try:
            header = json.loads(data[len(MAGIC) + 8:len(MAGIC) + 8 + size])
        except ValueError:
            raise IndexCorrupt(f"{self.path.name} has a damaged header") from None
        start = len(MAGIC) + 8 + size
        header["data_start"] = start + (-start % 8)
        end = header["data_start"] + max(
            (offset + np.dtype(kind).itemsize * length
             for kind, length, offset in header["arrays"].values()), default=0)
        if end > len(data):
            raise IndexCorrupt(f"{self.path.name} is {len(data):,} bytes, shorter than its "
                               f"arrays ({end:,})")
        return header

    def array(self, name: str) -> np.ndarray:
        """A whole array, through the memory map."""
        kind, length, offset = self.header["arrays"][name]
        return np.frombuffer(self._map, dtype=kind, count=length,
                             offset=self.header["data_start"] + offset)

    def read(self, name: str, start: int, end: int) -> np.ndarray:
        """Items ``start`` to ``end`` of an array, read from the file (a copy)."""
        kind, length, offset = self.header["arrays"][name]
        dtype = np.dtype(kind)
        if not 0 <= start <= end <= length:
            raise IndexError(f"{name}[{start}:{end}] of {length} items")
        at = self.header["data_start"] + offset + start * dtype.itemsize
        size = (end - start) * dtype.itemsize
        if _pread is None:  # no pread (Windows): a copy out of the map
            data = bytes(self._map[at:at + size])
        else:
            data = _pread(self._fd, size, at)
        if len(data) != size:
            raise IndexCorrupt(f"{self.path.name}: {name} ends early")
        return np.frombuffer(data, dtype=dtype)

    def row(self, docnum: int) -> StoredEvent:
        start, end = int(self._row_offsets[docnum]), int(self._row_offsets[docnum + 1])
        return StoredEvent.from_json(json.loads(self.read("rows", start, end).tobytes()),
                                     float(self.added[docnum]), float(self.changed[docnum]))

    def rows(self) -> Iterator[StoredEvent]:
        for docnum in range(self.count):
            yield self.row(docnum)

    def strings(self, name: str) -> list[str]:
        """A list of strings the segment keeps per document or per word: ``slugs``,
        ``titles``, ``hashes`` (of each document's content) or ``words``. Read once: every
        view of the index that has this segment shares them (do not change the list)."""
        found = self._strings.get(name)
        if found is None:
            offsets = self.array(_OFFSETS[name]).tolist()
            data = self.array(name).tobytes()
            found = self._strings[name] = [data[offsets[i]:offsets[i + 1]].decode("utf-8")
                                           for i in range(len(offsets) - 1)]
        return found

    def word_counts(self, deleted: np.ndarray | None = None) -> np.ndarray:
        """How many live documents use each word (``deleted``: the deleted documents)."""
        counts = self.array("word_df").astype(np.int64)
        if deleted is not None and len(deleted):
            starts = self.array("doc_word_starts")
            gone = np.concatenate([self.read("doc_words", int(starts[d]), int(starts[d + 1]))
                                   for d in deleted])
            counts -= np.bincount(gone, minlength=len(counts))
        return counts


def fold_name(name: str) -> str:
    """A person's name or a category as compared: folded, one space between words."""
    return fold(" ".join(name.split()))
