"""Scoring whole queries with arrays: Whoosh's postings, Whoosh's BM25F, numpy's arithmetic.

Whoosh scores a query by walking a tree of matchers one posting at a time, in Python: at
10,000 events a four-word query over five fields is a few hundred thousand method calls.
Here each term's postings are read once per segment (segments never change once written),
kept in a bounded cache, and a query is scored with vector arithmetic over every document
at once. The figures are Whoosh's own: the same BM25F formula on the same term
frequencies, field lengths, idf and average lengths, and the same sums for ``Or``,
``And``, ``Not`` and phrases (tests/test_engine.py checks them against Whoosh's scores).
Phrases are checked against Whoosh's positions, read a block at a time and cached as
arrays too. Query nodes this module does not know (prefixes, numeric ranges) are scored by
Whoosh.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain

import numpy as np
from eventsearch.search.highlight import idf
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

#: How many postings the cache keeps across all terms (8 bytes each, ~32 MB).
CACHE_POSTINGS = 4_000_000
#: Phrase matches remembered per index version.
CACHE_PHRASES = 256


class Blend(wq.Query):
    """Several wordings of one thing in one field, scored as one term, as Lucene's
    ``SynonymQuery`` scores synonyms (and, here, phrases too): a document's term frequency
    is the sum of each wording's occurrences times its weight, its document frequency the
    largest of the wordings'. A wording typed (weight 1) so always counts more than a
    synonym (a lower weight) that occurs as often, whatever the words' own rarity.

    A Whoosh query node (so that it can sit in Whoosh's ``Or`` and ``And``) that only
    :class:`Scorer` evaluates.
    """

    def __init__(self, fieldname: str, forms: tuple[tuple[tuple[str, ...], float], ...],
                 boost: float = 1.0) -> None:
        self.fieldname = fieldname
        self.forms = forms
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return (type(other) is Blend and (self.fieldname, self.forms, self.boost)
                == (other.fieldname, other.forms, other.boost))

    def __hash__(self) -> int:
        return hash((self.fieldname, self.forms, self.boost))

    def __repr__(self) -> str:
        return f"Blend({self.fieldname!r}, {self.forms!r}, boost={self.boost})"


@dataclass(frozen=True)
class Matches:
    """What a query node matches, over every document of the index: a mask and scores
    (zero where the mask is false)."""

    mask: np.ndarray
    scores: np.ndarray


class PostingCache:
    """Per segment and term: document numbers and term frequencies, least recently used
    dropped first once ``budget`` postings are held. Shared by every thread of an index."""

    def __init__(self, budget: int = CACHE_POSTINGS) -> None:
        self.budget = budget
        self.size = 0
        self._entries: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lengths: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def postings(self, leaf, segment: str, field: str, text: bytes):
        """(document numbers, term frequencies) of a term in one segment."""
        return self._get((segment, field, text),
                         lambda: _read_postings(leaf, field, text))

    def positions(self, leaf, segment: str, field: str, text: bytes,
                  format_) -> np.ndarray | None:
        """Where a term stands in one segment: ``document << 32 | position``, sorted
        (None when the segment is not in Whoosh's W3 format, whose blocks this reads)."""
        def load():
            ids, weights, keys = _read_positions(leaf, field, text, format_)
            if keys is not None:  # the postings come with them: keep them too
                self._get((segment, field, text), lambda: (ids, weights))
            return (keys,)

        return self._get((segment, field, text, "positions"), load)[0]

    def _get(self, key: tuple, load):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = load()
        with self._lock:
            if key not in self._entries:
                self._entries[key] = found
                self.size += _size(found)
                while self.size > self.budget and len(self._entries) > 1:
                    _, dropped = self._entries.popitem(last=False)
                    self.size -= _size(dropped)
        return found

    def lengths(self, leaf, segment: str, field: str) -> np.ndarray:
        """The (Whoosh-rounded) length of ``field`` in every document of a segment."""
        key = (segment, field)
        found = self._lengths.get(key)
        if found is None:
            found = _field_lengths(leaf, field)
            with self._lock:
                self._lengths[key] = found
        return found

    def forget(self, live_segments: set[str]) -> None:
        """Drop what belongs to segments that are no longer in the index."""
        with self._lock:
            for key in [k for k in self._entries if k[0] not in live_segments]:
                self.size -= _size(self._entries.pop(key))
            for key in [k for k in self._lengths if k[0] not in live_segments]:
                del self._lengths[key]


def segments(reader) -> list[tuple[object, int, str]]:
    """(segment reader, first document number, segment id) of each segment of the index."""
    found = []
    for leaf, offset in reader.leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is not None:
            found.append((leaf, offset, segment.segment_id()))
    return found


#: Whoosh's one-byte field lengths, decoded (``byte_to_length``; 0 for no length).
_LENGTHS = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=np.float64)


def _field_lengths(leaf, field: str) -> np.ndarray:
    """Every document's length of ``field`` in one segment, as Whoosh's scorer reads it
    (``doc_field_length``): the segment's one-byte length column, read in one go where it
    is Whoosh's W3 column, else document by document."""
    count = leaf.doc_count_all()
    try:
        column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
        if column is not None and column._fixedlen != 1:
            raise ValueError("not a one-byte column")
    except (AttributeError, ValueError):
        return np.array([leaf.doc_field_length(d, field, 0) or 0 for d in range(count)],
                        dtype=np.float64)
    codes = np.zeros(count, dtype=np.uint8)
    codes[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)[:count]
    return _LENGTHS[codes]


def _size(entry: tuple) -> int:
    """What a cache entry counts against the budget: its postings or positions."""
    return len(entry[0]) if entry[0] is not None else 0


def _read_positions(leaf, field: str, btext: bytes, format_):
    """A term's postings in one segment, with every position: (document numbers, term
    frequencies, sorted ``document << 32 | position`` keys). The keys are None when the
    matcher is not Whoosh's W3 leaf matcher, whose blocks this reads. Deleted documents
    are included, as in :func:`_read_postings`."""
    empty = np.zeros(0, dtype=np.int64)
    matcher = _leaf_matcher(leaf, field, btext)
    if matcher is None:
        return empty.astype(np.int32), empty.astype(np.float32), empty
    if not _reads_blocks(matcher) or format_.fixed_value_size() is not None:
        return None, None, None
    ids, weights, deltas = [], [], []
    for block_ids, block_weights, values in _blocks(matcher):
        ids.append(block_ids)
        weights.append(block_weights)
        deltas.extend(_decode_deltas(values, format_))
    if not ids:
        return empty.astype(np.int32), empty.astype(np.float32), empty
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    if not counts.all():
        raise ValueError(f"a posting of {field}:{btext!r} has no positions")
    flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
    # Each document's deltas summed up: a running sum, less the sum before the document.
    running = np.cumsum(flat)
    starts = np.cumsum(counts) - counts
    positions = running - np.repeat(running[starts] - flat[starts], counts)
    docs = np.concatenate(ids)
    keys = (np.repeat(docs, counts) << 32) | positions
    return docs.astype(np.int32), np.concatenate(weights), keys


def _reads_blocks(matcher) -> bool:
    """Whether this is Whoosh's W3 leaf matcher, whose blocks :func:`_blocks` reads."""
    return all(hasattr(matcher, a) for a in ("_read_data", "_data", "_byteids",
                                             "_next_block"))


def _blocks(matcher):
    """(document numbers, term frequencies, raw values) of each block of postings of
    Whoosh's W3 leaf matcher, decoded as its ``_read_ids`` and ``_read_weights`` do,
    with numpy instead of a Python loop per posting."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw_ids, raw_weights, values = matcher._data
        ids = np.array(raw_ids, dtype=np.int64)
        if not matcher._byteids:
            ids = np.cumsum(ids)  # stored as differences
        if raw_weights is None:
            weights = np.ones(len(ids), dtype=np.float32)
        elif isinstance(raw_weights, float):
            weights = np.full(len(ids), raw_weights, dtype=np.float32)
        else:
            weights = np.array(raw_weights, dtype=np.float32)
        yield ids, weights, values
        matcher._next_block()


def _decode_deltas(values, format_) -> list[list[int]]:
    """Position deltas from Whoosh's posting values, a block at a time.

    A value of Whoosh's Positions format is a 4-byte count, then a pickled list of
    position deltas. Their bodies joined into one pickled tuple load in one call, several
    times faster than one call each; anything unexpected falls back to Whoosh's own
    ``decode_positions``.
    """
    try:
        bodies = []
        for value in values:
            if value[4:6] != b"\x80\x02":
                raise ValueError("not a protocol 2 pickle")
            bodies.append(value[6:-1] if value.endswith(b".") else value[6:])
        lists = pickle.loads(b"\x80\x02(" + b"".join(bodies) + b"t.")
        if len(lists) != len(values) or set(map(type, lists)) - {list}:
            raise ValueError("not one list per value")
        return list(lists)
    except (ValueError, pickle.UnpicklingError):  # not the layout this expects: Whoosh's way
        found = []
        for value in values:
            positions = format_.decode_positions(value)
            found.append([b - a for a, b in zip([0, *positions], positions, strict=False)])
        return found


def _leaf_matcher(leaf, field: str, btext: bytes):
    """The segment's own matcher for a term, without Whoosh's filter of deleted documents
    (the caller masks them), or None when the segment does not have the term."""
    try:
        matcher = leaf.postings(field, btext)
    except TermNotFound:
        return None
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _read_postings(leaf, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings in one segment, deleted documents included (the caller masks
    them): block by block where the matcher is Whoosh's own W3 leaf matcher."""
    empty = (np.zeros(0, np.int32), np.zeros(0, np.float32))
    matcher = _leaf_matcher(leaf, field, btext)
    if matcher is None:
        return empty
    if _reads_blocks(matcher):
        blocks = list(_blocks(matcher))
        if not blocks:
            return empty
        return (np.concatenate([ids for ids, _, _ in blocks]).astype(np.int32),
                np.concatenate([weights for _, weights, _ in blocks]))
    ids: list = []
    weights: list = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    if not ids:
        return empty
    return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)


class Statistics:
    """Per index version: document frequencies, idf and average field lengths, asked of
    Whoosh once and remembered (on an index of several segments Whoosh looks each one up
    in every segment's term table). Each call takes the caller's own searcher or reader,
    of this version."""

    def __init__(self) -> None:
        self._found: dict[tuple, float] = {}

    def doc_frequency(self, reader, field: str, text) -> int:
        # The compiler asks with text, the scorer with bytes: one entry for both.
        key = ("df", field, _as_text(text))
        if key not in self._found:
            self._found[key] = reader.doc_frequency(field, text)
        return self._found[key]

    def idf(self, searcher, weighting, field: str, text: str) -> float:
        key = ("idf", field, text)
        if key not in self._found:
            self._found[key] = weighting.idf(searcher, field, text)
        return self._found[key]

    def avg_field_length(self, searcher, field: str) -> float:
        key = ("avgfl", field)
        if key not in self._found:
            self._found[key] = searcher.avg_field_length(field) or 1
        return self._found[key]


def _as_text(term):
    if isinstance(term, bytes):
        try:
            return term.decode("utf-8")
        except UnicodeDecodeError:  # a numeric field's bytes
            return term
    return term


class Scorer:
    """Scores compiled Whoosh queries over one searcher's view of the index.

    Made per search; remembers each term's scores so that a query's strict and loose
    forms share the work.
    """

    def __init__(self, searcher, cache: PostingCache, weighting, live: np.ndarray,
                 phrases: dict, stats: Statistics | None = None) -> None:
        self.stats = Statistics() if stats is None else stats
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache = cache
        self.weighting = weighting
        self.live = live
        self.size = len(live)
        self.phrases = phrases
        self.leaves = segments(self.reader)
        self._terms: dict[tuple[str, str], Matches] = {}

    def evaluate(self, node) -> Matches:
        """What ``node`` matches among live documents, with Whoosh's scores."""
        found = self._evaluate(node)
        return Matches(found.mask & self.live, np.where(self.live, found.scores, 0.0))

    def _evaluate(self, node) -> Matches:
        if node is wq.NullQuery or node is None:
            return self._none()
        if isinstance(node, wq.Term):
            found = self.term(node.fieldname, node.text)
            return self._boosted(found, node.boost)
        if isinstance(node, wq.Or):
            parts = [self._evaluate(child) for child in node.subqueries]
            if not parts:
                return self._none()
            mask = np.logical_or.reduce([p.mask for p in parts])
            return self._boosted(Matches(mask, _total(parts)), node.boost)
        if isinstance(node, wq.And):
            parts = [self._evaluate(child) for child in node.subqueries]
            if not parts:
                return self._none()
            mask = np.logical_and.reduce([p.mask for p in parts])
            return self._boosted(Matches(mask, np.where(mask, _total(parts), 0.0)),
                                 node.boost)
        if isinstance(node, wq.Not):
            # Whoosh's InverseMatcher: every other live document, each scoring 1.
            mask = ~self._evaluate(node.query).mask & self.live
            return Matches(mask, mask.astype(np.float64))
        if isinstance(node, wq.Phrase):
            return self.phrase(node)
        if isinstance(node, Blend):
            return self.blend(node)
        return self._by_whoosh(node)

    def term(self, field: str, text: str) -> Matches:
        """One term's matches and BM25F scores (unboosted), as Whoosh's scorer gives them."""
        key = (field, text)
        found = self._terms.get(key)
        if found is not None:
            return found
        mask = np.zeros(self.size, dtype=bool)
        scores = np.zeros(self.size, dtype=np.float64)
        fieldobj = self.searcher.schema[field] if field in self.searcher.schema else None
        btext = b""
        if fieldobj is not None:
            btext = fieldobj.to_bytes(text) if isinstance(text, str) else text
        # A term no document has (most words in most fields): no postings to look for.
        if fieldobj is not None and self.stats.doc_frequency(self.reader, field, btext):
            if fieldobj.scorable:
                idf, avgfl, B, K1 = self._bm25_params(field, btext)
            for leaf, offset, segment in self.leaves:
                ids, weights = self.cache.postings(leaf, segment, field, btext)
                if not len(ids):
                    continue
                tf = weights.astype(np.float64)
                if fieldobj.scorable:
                    fl = self.cache.lengths(leaf, segment, field)[ids]
                    # whoosh.scoring.bm25, operation for operation
                    part = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
                else:
                    part = tf  # Whoosh's WeightScorer
                mask[ids + offset] = True
                scores[ids + offset] = part
        found = self._terms[key] = Matches(mask, scores)
        return found

    def _bm25_params(self, field: str, btext: bytes) -> tuple[float, float, float, float]:
        weighting = self.weighting
        text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
        idf = self.stats.idf(self.searcher, weighting, field, text)
        avgfl = self.stats.avg_field_length(self.searcher, field)
        B = weighting._field_B.get(field, weighting.B)
        return idf, avgfl, B, weighting.K1

    def phrase(self, node: wq.Phrase) -> Matches:
        """A phrase: Whoosh finds where the words stand in order; the score is the sum of
        the words' scores in that field, as Whoosh's span matcher sums them."""
        self._read_positions_first(node)
        parts = [self.term(node.fieldname, word) for word in node.words]
        candidates = np.logical_and.reduce([p.mask for p in parts]) & self.live
        if not candidates.any():
            return self._none()
        docs, _ = self._phrase_counts(node, candidates)
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        scores = np.where(mask, _total(parts), 0.0)
        return self._boosted(Matches(mask, scores), node.boost)

    def _read_positions_first(self, node: wq.Phrase) -> None:
        """Read the phrase's words with their positions, which brings their postings too:
        one pass over Whoosh's blocks instead of two."""
        fieldobj = self.searcher.schema[node.fieldname]
        words = [fieldobj.to_bytes(w) if isinstance(w, str) else w for w in node.words]
        if not all(self.stats.doc_frequency(self.reader, node.fieldname, w) for w in words):
            return  # a word no document has in this field: the phrase matches nothing
        for btext in words:
            for leaf, _, segment in self.leaves:
                self.cache.positions(leaf, segment, node.fieldname, btext, fieldobj.format)

    def _phrase_counts(self, node: wq.Phrase,
                       candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The documents where the phrase stands and how often, remembered per version."""
        key = (node.fieldname, tuple(node.words))
        found = self.phrases.get(key)
        if found is None:
            found = self._phrase_docs(node, candidates)
            self.phrases[key] = found
            while len(self.phrases) > CACHE_PHRASES:
                self.phrases.pop(next(iter(self.phrases)), None)
        return found

    def _phrase_docs(self, node: wq.Phrase,
                     candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidates (documents with every word of the phrase) where the words stand
        next to each other, in order, by Whoosh's positions (kept in the cache), with how
        often they do."""
        field = node.fieldname
        fieldobj = self.searcher.schema[field]
        words = [fieldobj.to_bytes(w) if isinstance(w, str) else w for w in node.words]
        found, counts = [], []
        for leaf, offset, segment in self.leaves:
            local = candidates[offset:offset + leaf.doc_count_all()]
            if not local.any():
                continue
            keys = [self.cache.positions(leaf, segment, field, word, fieldobj.format)
                    for word in words]
            if any(k is None for k in keys):  # not Whoosh's W3 format: ask Whoosh
                docs = np.fromiter(self.searcher.docs_for_query(node), dtype=np.int64)
                return docs, np.ones(len(docs), dtype=np.float64)
            at = keys[0][local[keys[0] >> 32]]  # the first word, in candidates only
            for distance, following in enumerate(keys[1:], 1):
                if not len(at) or not len(following):
                    at = at[:0]
                    break
                wanted = at + distance
                index = np.minimum(np.searchsorted(following, wanted), len(following) - 1)
                at = at[following[index] == wanted]
            docs, times = np.unique(at >> 32, return_counts=True)
            found.append(docs + offset)
            counts.append(times)
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(found), np.concatenate(counts).astype(np.float64)

    def blend(self, node: Blend) -> Matches:
        """Several wordings of one thing in one field, scored as one term (see
        :class:`Blend`)."""
        field = node.fieldname
        if field not in self.searcher.schema:
            return self._none()
        tf = np.zeros(self.size, dtype=np.float64)
        df = 0
        for terms, weight in node.forms:
            docs, times = self._occurrences(field, terms)
            np.add.at(tf, docs, weight * times)
            df = max(df, len(docs))
        mask = (tf > 0) & self.live
        if not mask.any():
            return self._none()
        weighting = self.weighting
        B = weighting._field_B.get(field, weighting.B)
        K1 = weighting.K1
        avgfl = self.stats.avg_field_length(self.searcher, field)
        fl = self._field_lengths(field)
        score = idf(self.reader.doc_count_all(), df) * (
            (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        return self._boosted(Matches(mask, np.where(mask, score, 0.0)), node.boost)

    def _occurrences(self, field: str, terms: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(documents, how often) a word or a phrase occurs in ``field``, live or not."""
        if len(terms) == 1:
            btext = self.searcher.schema[field].to_bytes(terms[0])
            counts = np.zeros(self.size, dtype=np.float64)
            if self.stats.doc_frequency(self.reader, field, btext):
                for leaf, offset, segment in self.leaves:
                    ids, weights = self.cache.postings(leaf, segment, field, btext)
                    counts[ids + offset] = weights
            docs = np.flatnonzero(counts)
            return docs, counts[docs]
        phrase = wq.Phrase(field, list(terms))
        self._read_positions_first(phrase)
        parts = [self.term(field, word) for word in terms]
        candidates = np.logical_and.reduce([p.mask for p in parts]) & self.live
        if not candidates.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return self._phrase_counts(phrase, candidates)

    def _field_lengths(self, field: str) -> np.ndarray:
        """Every document's (Whoosh-rounded) length of ``field``, over all segments."""
        lengths = np.zeros(self.size, dtype=np.float64)
        for leaf, offset, segment in self.leaves:
            found = self.cache.lengths(leaf, segment, field)
            lengths[offset:offset + len(found)] = found
        return lengths

    def _by_whoosh(self, node) -> Matches:
        mask = np.zeros(self.size, dtype=bool)
        scores = np.zeros(self.size, dtype=np.float64)
        results = self.searcher.search(node, limit=None)
        for score, docnum in results.top_n:
            mask[docnum] = True
            scores[docnum] = score
        return Matches(mask, scores)

    def _none(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float64))

    @staticmethod
    def _boosted(found: Matches, boost: float) -> Matches:
        if boost == 1.0:
            return found
        return Matches(found.mask, found.scores * boost)


def _total(parts: list[Matches]) -> np.ndarray:
    total = parts[0].scores
    for part in parts[1:]:
        total = total + part.scores
    return total
