"""The event index: create, open, update incrementally, search, and the lookups around it."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import struct
import threading
import time
import uuid
import weakref
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from eventsearch.ingest import Event
from eventsearch.search import query as q
from eventsearch.search.analysis import fold, query_terms, stem, term_of
from eventsearch.search.codec import EventCodec
from eventsearch.search.engine import Blend, PostingCache, Scorer, Statistics, segments
from eventsearch.search.errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexOutdated,
    IndexWriteError,
    SynonymsError,
)
from eventsearch.search.highlight import best_passage, idf, mark_terms, score_sections
from eventsearch.search.merging import fold_tiny, merge_policy, segments_to_merge
from eventsearch.search.params import MAX_PAGE, MAX_PER_PAGE, check_count, check_sort, year_range
from eventsearch.search.results import (
    EventRef,
    Expansion,
    FacetCount,
    Facets,
    Hit,
    IndexStats,
    SearchResults,
    SectionHit,
    Suggestion,
    UpdateReport,
)
from eventsearch.search.schema import (
    FIELD_BOOSTS,
    SCHEMA_VERSION,
    TEXT_FIELDS,
    from_stored,
    make_schema,
    stored_section_terms,
    to_document,
)
from eventsearch.search.synonyms import NO_SYNONYMS, SYNONYM_BOOST, Synonyms, expand, load_synonyms
from eventsearch.search.vocabulary import Vocabulary, WordCounts
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.support.levenshtein import distance as edit_distance
from whoosh.writing import CLEAR

log = logging.getLogger(__name__)

META_FILE = "eventsearch.json"
#: The index's copy of its synonyms file (search/synonyms.py).
SYNONYMS_FILE = "synonyms.txt"
INDEX_NAME = "events"
#: How long a second writer waits for the first before giving up (seconds).
WRITE_LOCK_TIMEOUT = 10.0
#: Postings a writer sorts in memory before it spills them to disk (Whoosh's estimate,
#: in MB). A full build of 10,000 events fits (the process peaks at about 1.2 GB);
#: with 256 it spilled, and took 109 s instead of 71 (docs/performance.md).
WRITER_POOL_MB = 1024
FIGURE_FACETS = 20
#: Stored fields of this many recently shown documents are kept (a few KB each).
CACHED_DOCUMENTS = 2000


class LuceneBM25F(BM25F):
    """Whoosh's BM25F with Lucene's idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``.

    Whoosh's own idf scored about a fifth below plain BM25 on the classic collections
    (bench/ir.py); this one closes the gap.
    """

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        return idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            scorer.idf = self.idf(searcher, fieldname, text)
        return scorer


RANKING = LuceneBM25F(B=0.5, K1=1.0, title_B=0.5, figures_text_B=0.3)


def default_index_dir() -> Path:
    """Where the index lives unless told otherwise: ``$EVENTSEARCH_INDEX``, else
    ``$XDG_DATA_HOME/eventsearch/index`` (``~/.local/share/eventsearch/index``)."""
    if os.environ.get("EVENTSEARCH_INDEX"):
        return Path(os.environ["EVENTSEARCH_INDEX"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "eventsearch" / "index"


def create_index(path: str | os.PathLike) -> EventIndex:
    """Create an empty index at ``path`` (a folder, created if needed), replacing any there.

    :raises IndexWriteError: the folder cannot be made or written (a file is in the way,
        no permission, a full disk).
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ix = _storage(folder).create_index(make_schema(), indexname=INDEX_NAME)
        meta = _write_meta(folder)
    except FileExistsError:
        raise IndexWriteError(f"cannot make an index at {folder}: a file is in the way, "
                              "not a folder") from None
    except OSError as exc:
        raise IndexWriteError(f"cannot make an index at {folder}: "
                              f"{exc.strerror or exc}") from None
    return EventIndex(folder, ix, meta)


def open_index(path: str | os.PathLike) -> EventIndex:
    """Open the index at ``path``, and check that the files of its last commit are whole.

    :raises IndexNotFound: there is no index there.
    :raises IndexOutdated: the index was built with another schema version.
    :raises IndexCorrupt: a file of the index is missing, truncated or unreadable.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise IndexNotFound(folder, f"{folder} is a file, not an index folder")
    if not folder.is_dir():
        raise IndexNotFound(folder)
    meta = _read_meta(folder)
    if not any(folder.glob(f"_{INDEX_NAME}_*.toc")):
        raise IndexNotFound(folder)
    if meta.get("schema_version") != SCHEMA_VERSION:
        # Not read any further: its table of contents may name code this version lacks.
        raise IndexOutdated(folder, meta.get("schema_version"), SCHEMA_VERSION)
    with _reading(folder):
        ix = _storage(folder).open_index(INDEX_NAME)
    index = EventIndex(folder, ix, meta)
    index._searcher()
    return index


def _storage(folder: Path) -> FileStorage:
    return FileStorage(str(folder))


def _write_meta(folder: Path) -> dict:
    """Record the schema version and a new identity for the index made in ``folder``."""
    meta = {"schema_version": SCHEMA_VERSION, "index_id": uuid.uuid4().hex}
    tmp = folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / META_FILE)
    return meta


def _update_meta(folder: Path, **changes) -> None:
    """Change entries of the index's meta file, keeping its identity."""
    meta = {**_read_meta(folder), **changes}
    meta = {k: v for k, v in meta.items() if v is not None}
    tmp = folder / f".{META_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / META_FILE)


def _read_meta(folder: Path) -> dict:
    try:
        found = json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


#: What Whoosh raises on a table of contents it cannot read (tests/test_index_safety.py
#: damages one in each of these ways).
_UNREADABLE = (whoosh_index.IndexError, pickle.UnpicklingError, EOFError, struct.error,
               TypeError, ValueError, ImportError)


@contextmanager
def _reading(folder: Path):
    """Turn what Whoosh raises on a missing or damaged index into our errors."""
    try:
        yield
    except IndexCorrupt as exc:
        raise IndexCorrupt(exc.detail, folder) from None
    except whoosh_index.EmptyIndexError:
        raise IndexNotFound(folder) from None
    except FileNotFoundError as exc:
        if not folder.is_dir():
            raise IndexNotFound(folder) from None
        missing = Path(exc.filename).name if exc.filename else "a file"
        raise IndexCorrupt(f"{missing} is missing", folder) from None
    except _UNREADABLE as exc:
        raise IndexCorrupt(f"its table of contents cannot be read: {exc}", folder) from None


# -- the per-version table of facet values -------------------------------------------------


@dataclass
class _Table:
    """Per document: slug, title, year, category, figures, content hash; and the same as
    arrays over document numbers, for filters and facets. Built once per index version,
    from a column (no stored fields read)."""

    rows: dict[int, tuple]
    size: int = 0
    figure_names: dict[str, str] = field(default_factory=dict)
    category_names: dict[str, str] = field(default_factory=dict)
    #: Phrase matches found in this version (engine.Scorer fills it).
    phrases: dict = field(default_factory=dict)
    #: Document frequencies and the like, remembered for this version.
    stats: Statistics = field(default_factory=Statistics)
    #: The per-segment word counts of the index.
    word_counts: WordCounts | None = None
    _vocabulary: Vocabulary | None = None

    def __post_init__(self) -> None:
        size = self.size
        self.live = np.zeros(size, dtype=bool)
        self.years = np.zeros(size, dtype=np.int64)
        self.has_year = np.zeros(size, dtype=bool)
        self.categories = np.full(size, -1, dtype=np.int32)
        self.category_list: list[str] = []
        self.figure_list: list[str] = []
        figure_docs, figure_codes = [], []
        category_codes: dict[str, int] = {}
        figure_codes_by_name: dict[str, int] = {}
        dated, years, categorised, categories = [], [], [], []
        for docnum, (_, _, year, category, figures, _) in self.rows.items():
            if year is not None:
                dated.append(docnum)
                years.append(year)
            if category:
                categorised.append(docnum)
                categories.append(category_codes.setdefault(category, len(category_codes)))
            for name in figures:
                figure_docs.append(docnum)
                figure_codes.append(figure_codes_by_name.setdefault(
                    name, len(figure_codes_by_name)))
        self.live[list(self.rows)] = True
        self.years[dated] = years
        self.has_year[dated] = True
        self.categories[categorised] = categories
        self.category_list = list(category_codes)
        self.figure_list = list(figure_codes_by_name)
        self.category_names.update((fold(c), c) for c in self.category_list)
        self.figure_names.update((fold(n), n) for n in self.figure_list)
        self.figure_code = figure_codes_by_name
        self.figure_docs = np.array(figure_docs, dtype=np.int64)
        self.figure_codes = np.array(figure_codes, dtype=np.int64)
        # Each figure's place in alphabetical order, to break ties among facet counts.
        self.figure_rank = np.zeros(len(self.figure_list), dtype=np.int64)
        self.figure_rank[sorted(range(len(self.figure_list)),
                                key=self.figure_list.__getitem__)] = np.arange(
            len(self.figure_list))

    @classmethod
    def build(cls, reader, words: WordCounts) -> _Table:
        if not reader.doc_count():
            table = cls(rows={}, size=reader.doc_count_all())
        else:
            column = reader.column_reader("facet_row")
            table = cls(rows={docnum: column[docnum] for docnum in reader.all_doc_ids()},
                        size=reader.doc_count_all())
        table.word_counts = words
        return table

    def vocabulary(self, searcher) -> Vocabulary:
        """The words of this version's events as written (made when first asked for, from
        the segments of ``searcher``, a searcher of this version)."""
        if self._vocabulary is None:
            self._vocabulary = self.word_counts.vocabulary(segments(searcher.reader()))
        return self._vocabulary

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

    def mask_for(self, node) -> np.ndarray:
        """The live documents a filter (year range, category, figure) lets through."""
        if isinstance(node, q.YearRange):
            return self.years_between(node.start, node.end)
        if isinstance(node, q.Category):
            shown = self.category_names.get(fold(node.name.strip()))
            if shown is None:
                return np.zeros(self.size, dtype=bool)
            return self.categories == self.category_list.index(shown)
        return self.with_figures(self.figures_matching(node.name))


# -- compiling the query tree to Whoosh -----------------------------------------------------


@dataclass
class _Compiled:
    query: wq.Query | None
    weights: dict[str, float]
    corrections: dict[str, str]
    #: What was searched besides what was typed (synonyms).
    expansions: tuple[Expansion, ...] = ()


class _Compiler:
    """Turns a parsed query into a Whoosh query, correcting unknown words on the way."""

    def __init__(self, searcher, table: _Table, *, any_word: bool, years_as_words: bool,
                 spelling: dict[str, list[str]] | None = None,
                 synonyms: Synonyms = NO_SYNONYMS):
        self.searcher = searcher
        self.synonyms = synonyms
        self.spelling = {} if spelling is None else spelling
        self.reader = searcher.reader()
        self.table = table
        self.any_word = any_word
        self.years_as_words = years_as_words
        self.weights: dict[str, float] = {}
        self.corrections: dict[str, str] = {}
        self.year_filters: list[q.YearRange] = []
        self.doc_count = max(1, self.reader.doc_count_all())

    def compile(self, node, top: bool = True) -> wq.Query | None:
        if node is None:
            return None
        if isinstance(node, q.Synonym):
            return self.synonym(node, top)
        if isinstance(node, q.Word):
            if node.implicit_year and not self.years_as_words:
                if top:  # among the words of the query: a filter
                    self.year_filters.append(q.YearRange(*node.implicit_year))
                    return None
                # Inside OR or after -, a condition on the year like any other.
                return wq.NumericRange("year", *node.implicit_year)
            return self.word(node)
        if isinstance(node, q.Phrase):
            terms = list(node.terms) if node.terms is not None else query_terms(node.text)
            return self.phrase(terms, node.field)
        if isinstance(node, q.Prefix):
            return self.prefix(node)
        if isinstance(node, q.Not):
            child = self.compile_negated(node.child)
            return wq.Not(child) if child is not None else None
        if isinstance(node, q.YearRange):
            return wq.NumericRange("year", node.start, node.end)
        if isinstance(node, q.Category):
            name = self.table.category_names.get(fold(node.name.strip()), node.name)
            return wq.Term("category", name)
        if isinstance(node, q.Figure):
            wanted = self.table.figures_matching(node.name)
            if not wanted:
                return wq.NullQuery
            return wq.Or([wq.Term("figures", name) for name in wanted])
        children = [self.compile(child, top=top and isinstance(node, q.And))
                    for child in node.children]
        children = [c for c in children if c is not None]
        if not children:
            return None
        if isinstance(node, q.Or) or (self.any_word and top):
            positive = [c for c in children if not isinstance(c, wq.Not)]
            negative = [c for c in children if isinstance(c, wq.Not)]
            if negative and positive and not isinstance(node, q.Or):
                return wq.And([wq.Or(positive), *negative])
            return wq.Or(children)
        return wq.And(children)

    def compile_negated(self, node) -> wq.Query | None:
        weights = dict(self.weights)
        compiled = self.compile(node, top=False)
        self.weights = weights  # excluded words are never highlighted
        return compiled

    def fields(self, field: str | None) -> list[str]:
        if field in ("title", "summary", "body", "impact"):
            return [field]
        return list(TEXT_FIELDS)

    def word(self, node: q.Word) -> wq.Query | None:
        tokens = query_terms(node.text)
        if len(tokens) > 1:
            return self.phrase(tokens, node.field)
        if not tokens:
            return None
        token = tokens[0]
        fields = self.fields(node.field)
        variants = [token]
        if (not node.exact and not self.synonyms.knows(node.text)
                and not self.table.vocabulary(self.searcher).frequency(fold(node.text))):
            # Not a word of the corpus as written: suggest its close spellings, and search
            # them too when no word of the corpus has its stem.
            corrections = self.correct(node.text)
            if not self.known(token, fields):
                variants += corrections
        for variant in variants:
            self.weigh(variant)
        return wq.Or([wq.Term(f, v, boost=FIELD_BOOSTS[f]) for f in fields for v in variants])

    def synonym(self, node: q.Synonym, top: bool) -> wq.Query | None:
        """What was typed and its synonyms, scored as one term in each field (engine.Blend):
        the wording typed counts fully, a synonym by SYNONYM_BOOST. A run of words typed
        without quotes also matches its words anywhere, as any words do."""
        typed = node.original
        if isinstance(typed, q.And):
            field = typed.children[0].field
            terms = tuple(t for word in typed.children for t in query_terms(word.text))
        else:
            field = typed.field
            terms = _terms(typed)
        forms = {terms: 1.0} if terms else {}
        for alternative in node.alternatives:
            forms.setdefault(_terms(alternative), SYNONYM_BOOST)
        forms.pop((), None)
        if not forms:
            return None
        for form in forms:
            for term in form:
                self.weigh(term)
        blend = wq.Or([Blend(f, tuple(forms.items()), boost=FIELD_BOOSTS[f])
                       for f in self.fields(field)])
        if isinstance(typed, q.And):
            words = self.compile(typed, top=top)
            return wq.Or([words, blend]) if words is not None else blend
        return blend

    def phrase(self, tokens: list[str], field: str | None) -> wq.Query | None:
        if not tokens:
            return None
        for token in tokens:
            self.weigh(token)
        fields = self.fields(field)
        if len(tokens) == 1:
            return wq.Or([wq.Term(f, tokens[0], boost=FIELD_BOOSTS[f]) for f in fields])
        return wq.Or([wq.Phrase(f, tokens, boost=FIELD_BOOSTS[f]) for f in fields])

    def prefix(self, node: q.Prefix) -> wq.Query | None:
        folded = fold(node.text)
        stemmed = stem(folded)
        start = stemmed if folded.startswith(stemmed) else folded
        fields = self.fields(node.field)
        for f in fields:
            for term in self.reader.expand_prefix(f, start):
                self.weigh(term.decode("utf-8") if isinstance(term, bytes) else term)
                if len(self.weights) > 200:
                    break
        return wq.Or([wq.Prefix(f, start, boost=FIELD_BOOSTS[f]) for f in fields])

    def known(self, token: str, fields: list[str]) -> bool:
        return any(self.table.stats.doc_frequency(self.reader, f, token) for f in fields)

    def correct(self, word: str) -> list[str]:
        """Index terms of the closest known spellings of an unknown word, best first."""
        folded = fold(word)
        if len(folded) < 4 or not folded.isalpha():
            return []
        if folded in self.spelling:
            best = self.spelling[folded]
        else:
            best = self.spelling[folded] = self._closest(folded)
        if best:
            self.corrections[word] = best[0]
        return [t for t in (term_of(c) for c in best) if t]

    def _closest(self, folded: str) -> list[str]:
        maxdist = 1 if len(folded) < 8 else 2
        vocabulary = self.table.vocabulary(self.searcher)
        candidates = [(edit_distance(folded, candidate), -vocabulary.frequency(candidate),
                       candidate) for candidate in vocabulary.within(folded, maxdist)]
        candidates.sort()
        return [c for _, _, c in candidates[:3]]

    def weigh(self, term: str) -> None:
        if term not in self.weights:
            df = (self.table.stats.doc_frequency(self.reader, "body", term)
                  or self.table.stats.doc_frequency(self.reader, "title", term))
            self.weights[term] = idf(self.doc_count, df)


# -- the index ------------------------------------------------------------------------------


class EventIndex:
    """An index of events on disk: update it, search it, look events up.

    One instance may serve many threads: each thread keeps its own searcher and refreshes
    it before every search, so a commit by any process shows on the next search.
    """

    #: Which segments an update's commit merges: only tiny ones (search/merging.py).
    commit_policy = staticmethod(fold_tiny)
    #: Which segments :meth:`merge` merges (search/merging.py): a Whoosh ``mergetype``.
    merge_policy = staticmethod(merge_policy)

    def __init__(self, path: Path, ix, meta: dict) -> None:
        self.path = path
        self._ix = ix
        self._identity = meta.get("index_id", "")
        self._meta_key = _meta_key(path)
        self._local = threading.local()
        self._tables: dict[tuple, _Table] = {}
        self._tables_lock = threading.Lock()
        self._postings = PostingCache()
        self._open: dict = {}  # every thread's current searcher
        self._documents: OrderedDict[tuple[str, int], dict] = OrderedDict()
        self._documents_lock = threading.Lock()
        self._words = WordCounts(path)
        self._synonyms: tuple[tuple, Synonyms] | None = None
        # Segment files are separate files (compound=False): close them when the index is
        # collected. Not at exit: threads may still be searching (daemon threads of a
        # server), and the process's files close with it.
        self._finalizer = weakref.finalize(self, _close_searchers, self._open,
                                           self._tables_lock)
        self._finalizer.atexit = False

    def __repr__(self) -> str:
        return f"<EventIndex {self.path}>"

    # -- reading ---------------------------------------------------------------------

    def _searcher(self):
        """This thread's searcher of the latest commit (a new one after each commit).

        :raises IndexCorrupt: a file of the latest commit is missing or damaged.
        :raises IndexNotFound: the index folder is gone.
        :raises IndexOutdated: the folder now holds an index of another schema version.
        """
        identity = self._check_identity()
        old = getattr(self._local, "searcher", None)
        with _reading(self.path):
            if (old is not None and self._local.identity == identity
                    and old.reader().generation() == self._ix.latest_generation()):
                return old
            # Not Searcher.refresh(): it closes only one of the old segment readers (it
            # keys them by generation, which they all share) and leaves the rest open.
            searcher = self._ix.searcher(weighting=RANKING)
        self._local.searcher = searcher
        self._local.identity = identity
        with self._tables_lock:
            self._open[threading.current_thread()] = searcher
            # Searchers of threads that have ended are closed here: nobody else will.
            ended = [t for t in self._open if not t.is_alive()]
            done = [self._open.pop(t) for t in ended]
        for stale in [old, *done]:
            if stale is not None:
                stale.close()
        return searcher

    def _check_identity(self) -> str:
        """The identity of the index in the folder, reopened if it is not the one this
        object opened (the folder was deleted and the index made anew: its generations
        start again at 1, so they alone would not tell)."""
        key = _meta_key(self.path)
        if key == self._meta_key:
            return self._identity
        meta = _read_meta(self.path)
        if not meta:
            raise IndexNotFound(self.path)
        with self._tables_lock:
            if meta.get("index_id", "") != self._identity:
                if meta.get("schema_version") != SCHEMA_VERSION:
                    raise IndexOutdated(self.path, meta.get("schema_version"),
                                        SCHEMA_VERSION)
                with _reading(self.path):
                    self._ix = _storage(self.path).open_index(INDEX_NAME)
                log.info("the index at %s was made anew: reopened it", self.path)
                self._tables = {}
                self._postings = PostingCache()
                self._words = WordCounts(self.path)
                with self._documents_lock:
                    self._documents.clear()
                self._identity = meta.get("index_id", "")
            self._meta_key = key
        return self._identity

    def _table(self, searcher) -> _Table:
        reader = searcher.reader()
        live = {s for _, _, s in segments(reader)}
        # A generation number is not enough: an index made anew starts again at 1.
        key = (reader.generation(), tuple(sorted(live)))
        table = self._tables.get(key)
        if table is None:
            with self._tables_lock:
                table = self._tables.get(key)
                if table is None:
                    with _reading(self.path):
                        table = _Table.build(reader, self._words)
                    self._tables = {key: table}
                    self._postings.forget(live)
                    self._words.forget(live)
                    with self._documents_lock:
                        for stale in [k for k in self._documents if k[0] not in live]:
                            del self._documents[stale]
        return table

    @property
    def version(self) -> int:
        """The generation of the last commit: it grows with every commit."""
        with _reading(self.path):
            return self._ix.latest_generation()

    @property
    def revision(self) -> str:
        """A name for the index's current content, for caches and ETags: it changes with
        every commit, and when the index is made anew (whose generations start again)."""
        identity = self._check_identity()
        return f"{identity[:12]}-{self.version}"

    def close(self) -> None:
        """Close the files this index has open, for every thread (when done with it: a
        thread that searches again opens them again)."""
        _close_searchers(self._open, self._tables_lock)
        with self._tables_lock:
            self._tables = {}
            self._local = threading.local()

    def __len__(self) -> int:
        return self._searcher().doc_count()

    def get(self, slug: str) -> Event | None:
        """The indexed event with this slug, or None."""
        stored = self._searcher().document(slug=slug)
        return from_stored(stored) if stored else None

    def slugs(self) -> dict[str, str]:
        """Every indexed slug with its content hash."""
        return {row[0]: row[5] for row in self._table(self._searcher()).rows.values()}

    # -- synonyms --------------------------------------------------------------------

    def synonyms(self) -> Synonyms:
        """The synonyms searches use: the index's copy of its synonyms file (none if it
        has none). Read again whenever it changes, so a running site needs no restart.

        :raises IndexCorrupt: the copy cannot be read.
        """
        path = self.path / SYNONYMS_FILE
        try:
            stat = path.stat()
        except FileNotFoundError:
            return NO_SYNONYMS
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        loaded = self._synonyms
        if loaded is None or loaded[0] != key:
            try:
                found = load_synonyms(path)
            except SynonymsError as exc:
                raise IndexCorrupt(f"its synonyms cannot be read: {exc}", self.path) from None
            found = dataclasses.replace(found, source=_read_meta(self.path).get("synonyms"))
            loaded = self._synonyms = (key, found)
        return loaded[1]

    def use_synonyms(self, path: str | os.PathLike | None) -> Synonyms:
        """Search with the synonyms of the file at ``path`` from now on (None: with none).

        The file is checked, and its text copied into the index folder: the index keeps
        using it whatever happens to the file, until this is called again (``eventsearch
        index`` does, and picks up its changes). Running searchers see it on their next
        search.

        :raises SynonymsError: the file cannot be read, or a line of it is not a group.
        """
        target = self.path / SYNONYMS_FILE
        if path is None:
            target.unlink(missing_ok=True)
            _update_meta(self.path, synonyms=None)
            return NO_SYNONYMS
        source = Path(path).resolve()
        found = load_synonyms(source)
        text = source.read_text(encoding="utf-8")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            tmp = target.with_name(f".{SYNONYMS_FILE}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
        if _read_meta(self.path).get("synonyms") != str(source):
            _update_meta(self.path, synonyms=str(source))
        return dataclasses.replace(found, source=str(source))

    # -- searching -------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        year: int | tuple[int | None, int | None] | None = None,
        category: str | None = None,
        figure: str | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        synonyms: bool = True,
    ) -> SearchResults:
        """Search the index. The query text is never an error; the parameters may be.

        :param year: a year, or an inclusive ``(start, end)`` pair (either end may be None).
        :param sort: ``relevance``, ``year`` (oldest first) or ``-year`` (newest first).
        :param synonyms: also search the synonyms of the query's words (the index's
            synonyms file, :meth:`use_synonyms`); ``SearchResults.expansions`` says which.
        :raises QueryError: a parameter is out of range.
        """
        started = time.perf_counter()
        filters = _filters(year, category, figure)
        check_sort(sort)
        check_count("page", page, 1, MAX_PAGE)
        check_count("per_page", per_page, 1, MAX_PER_PAGE)
        parsed = q.parse_query(query if isinstance(query, str) else "")
        searcher = self._searcher()
        table = self._table(searcher)
        found = _match(searcher, table, parsed, filters, self._postings,
                       self.synonyms() if synonyms else NO_SYNONYMS)
        hits = self._hits(searcher, table, found, sort, page, per_page)
        suggestion = _suggestion(query, found.compiled.corrections)
        return SearchResults(
            query=query if isinstance(query, str) else "",
            total=found.total,
            all_words=found.all_words,
            page=page,
            per_page=per_page,
            hits=hits,
            facets=_facets(table, found.mask),
            suggestion=suggestion,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
            notes=tuple(parsed.notes),
            expansions=found.compiled.expansions,
            synonyms=bool(synonyms),
        )

    def ranked(self, query: str, limit: int = 1000) -> list[tuple[str, float]]:
        """(slug, score) of the best ``limit`` matches, ranked exactly as :meth:`search`
        ranks them, without snippets or facets (for evaluation: bench/ir.py)."""
        searcher = self._searcher()
        table = self._table(searcher)
        found = _match(searcher, table, q.parse_query(query), [], self._postings,
                       self.synonyms())
        if found.compiled.query is None:
            return []
        return [(table.rows[docnum][0], float(found.scores[docnum]))
                for docnum in found.order()[:limit]]

    def _hits(self, searcher, table: _Table, found: _Found, sort: str, page: int,
              per_page: int) -> tuple[Hit, ...]:
        offset = (page - 1) * per_page
        if offset >= found.total:
            return ()
        if found.compiled.query is None or sort != "relevance":
            # Newest first unless asked otherwise; an empty query browses newest first.
            order = found.by_year(table, newest_first=sort != "year")
        else:
            order = found.order()
        leaves = segments(searcher.reader())
        return tuple(self._hit(searcher, leaves, int(d), found.scores[d],
                               found.compiled.weights)
                     for d in order[offset:offset + per_page])

    def _stored(self, searcher, leaves, docnum: int) -> dict:
        """A document's stored fields, from the cache of recently shown documents: keyed by
        segment and the number within it, which never change."""
        starts = [offset for _, offset, _ in leaves]
        at = bisect_right(starts, docnum) - 1
        key = (leaves[at][2], docnum - starts[at]) if at >= 0 else None
        with self._documents_lock:
            stored = self._documents.get(key) if key is not None else None
            if stored is not None:
                self._documents.move_to_end(key)
                return stored
        stored = searcher.stored_fields(docnum)
        if key is not None:
            with self._documents_lock:
                self._documents[key] = stored
                while len(self._documents) > CACHED_DOCUMENTS:
                    self._documents.popitem(last=False)
        return stored

    def _hit(self, searcher, leaves, docnum: int, score: float,
             weights: dict[str, float]) -> Hit:
        stored = self._stored(searcher, leaves, docnum)
        event = from_stored(stored)
        sections = score_sections(event.sections, weights,
                                  terms=stored_section_terms(stored)) if weights else []
        snippet_score, snippet = best_passage(event.summary, weights)
        if sections and not snippet_score:
            # The summary does not match: show the best passage of the best section.
            snippet = sections[0][2]
        return Hit(
            slug=event.slug,
            title=event.title,
            year=event.year,
            category=event.category,
            figures=event.figures,
            score=round(float(score), 4),
            snippet=snippet,
            sections=tuple(SectionHit(s.heading, s.anchor, snip)
                           for _, s, snip in sections[:3]),
        )

    # -- lookups ---------------------------------------------------------------------

    def related(self, slug: str, limit: int = 5) -> tuple[EventRef, ...]:
        """The page's own related events first, then events similar in content."""
        searcher = self._searcher()
        table = self._table(searcher)
        docnum = searcher.document_number(slug=slug)
        if docnum is None:
            return ()
        by_slug = {row[0]: row for row in table.rows.values()}
        event = from_stored(searcher.stored_fields(docnum))
        refs: dict[str, EventRef] = {}
        for link in event.related:
            if link.slug in by_slug and link.slug != slug:
                refs.setdefault(link.slug, _ref(by_slug[link.slug]))
        if len(refs) < limit:
            text = " ".join((event.title, event.summary, event.body))
            similar = searcher.more_like(docnum, "body", text=text, top=limit + len(refs) + 1,
                                         numterms=12)
            for hit in similar:
                row = table.rows.get(hit.docnum)
                if row is not None and row[0] != slug:
                    refs.setdefault(row[0], _ref(row))
        return tuple(refs.values())[:limit]

    def highlighter(self, query: str) -> Callable[[str], str]:
        """A function that renders text as safe HTML with the query's words marked."""
        searcher = self._searcher()
        found = _match(searcher, self._table(searcher), q.parse_query(query), [],
                       self._postings, self.synonyms())
        terms = set(found.compiled.weights)
        return lambda text: mark_terms(text, terms)

    def suggest(self, prefix: str, limit: int = 8) -> tuple[Suggestion, ...]:
        """Completions of what is being typed: the query with its last word completed from
        the corpus's words, then titles and people's names that start with it (or have a
        word that does)."""
        typed = " ".join(q.clean_text(prefix).split())
        wanted = fold(typed)
        if not wanted or limit < 1:
            return ()
        searcher = self._searcher()
        completions = self._completions(searcher, typed, limit=3)
        table = self._table(searcher)
        ranked: list[tuple[int, str, Suggestion]] = []
        seen: set[str] = set()
        for slug, title, _, _, figures, _ in table.rows.values():
            for text, kind, ref in [(title, "title", slug), *((n, "figure", None)
                                                             for n in figures)]:
                folded = fold(text)
                if folded in seen:
                    continue
                if folded.startswith(wanted):
                    rank = 0 if kind == "title" else 1
                elif f" {wanted}" in f" {folded}":
                    rank = 2 if kind == "title" else 3
                else:
                    continue
                seen.add(folded)
                ranked.append((rank, folded, Suggestion(text, kind, ref)))
        ranked.sort(key=lambda item: (item[0], item[1]))
        found = [s for _, _, s in ranked]
        titled = {fold(s.text) for s in found}
        found += [c for c in completions if fold(c.text) not in titled]
        # Titles and names first, but always room for the best completion of the words.
        shown = found[:limit]
        if completions and not any(s.kind == "query" for s in shown):
            shown = [*shown[: limit - 1], completions[0]]
        return tuple(shown)

    def _completions(self, searcher, typed: str, limit: int) -> list[Suggestion]:
        """The typed query with its last word completed by the commonest corpus words."""
        head, _, last = typed.rpartition(" ")
        stub = fold(last)
        if len(stub) < 2 or not stub.isalnum():
            return []
        vocabulary = self._table(searcher).vocabulary(searcher)
        words = sorted((-vocabulary.frequency(word), word)
                       for word in vocabulary.starting(stub, limit=201) if word != stub)
        lead = f"{fold(head)} " if head else ""
        return [Suggestion(f"{lead}{word}", "query") for _, word in words[:limit]]

    def stats(self) -> IndexStats:
        """How many events, which years and categories, how big on disk."""
        searcher = self._searcher()
        table = self._table(searcher)
        years = [row[2] for row in table.rows.values() if row[2] is not None]
        files = [p for p in self.path.iterdir() if p.is_file()]
        categories = Counter(row[3] for row in table.rows.values() if row[3])
        return IndexStats(
            path=str(self.path),
            events=len(table.rows),
            schema_version=SCHEMA_VERSION,
            generation=searcher.reader().generation(),
            segments=len(segments(searcher.reader())),
            size_bytes=sum(p.stat().st_size for p in files),
            last_modified=max((p.stat().st_mtime for p in files), default=0.0),
            first_year=min(years, default=None),
            last_year=max(years, default=None),
            categories=tuple(FacetCount(c, n) for c, n in sorted(
                categories.items(), key=lambda kv: (-kv[1], kv[0]))),
            figures=len(table.figure_list),
        )

    # -- writing ---------------------------------------------------------------------

    def update(
        self,
        events: Iterable[Event],
        *,
        skipped: int = 0,
        keep: Iterable[str] = (),
        delete_missing: bool = True,
        delete: Iterable[str] = (),
        rebuild: bool = False,
        merge: bool = True,
        lock_timeout: float = WRITE_LOCK_TIMEOUT,
        progress: Callable[[Event], None] | None = None,
    ) -> UpdateReport:
        """Bring the index in line with ``events``, by content hash, in one commit.

        New slugs are added, changed ones replaced, unchanged ones left alone, and (with
        ``delete_missing``) indexed slugs absent from ``events`` deleted. Either the whole
        update is committed or none of it: readers never see half an update.

        :param skipped: pages the caller could not parse, counted in the report.
        :param keep: slugs never deleted by this update (pages that failed to load this
            time: a bad fetch must not lose an event).
        :param delete: slugs deleted even without ``delete_missing`` (unless among
            ``events`` or ``keep``): the events a source gave before and gives no more.
        :param rebuild: rewrite every event and drop everything else.
        :param merge: then merge segments if the merge policy says so (:meth:`merge`).
        :raises IndexLocked: another writer held the index for ``lock_timeout`` seconds.
        :raises IndexWriteError: the index could not be written (a full disk); it is left
            as it was at its last commit.
        """
        started = time.perf_counter()
        events = list(events)
        keep = set(keep)
        delete = set(delete)
        if not rebuild:
            actions, counts, notes = self._plan(events, keep, delete_missing, delete)
            if not actions:
                # Nothing to write: no lock taken, no files touched.
                for event in events if progress else ():
                    progress(event)
                return _report(counts, skipped, started, notes)
        writer = self._writer(lock_timeout)
        with _writing(writer, self.path):
            # Planned again under the lock: another writer may have committed meanwhile.
            actions, counts, notes = self._plan(events, keep, delete_missing, delete,
                                                rebuild=rebuild)
            for action, event in actions:
                if action == "add":
                    writer.add_document(**to_document(event))
                elif action == "replace":
                    writer.update_document(**to_document(event))
                elif action == "delete":
                    writer.delete_by_term("slug", event)
                if progress is not None and action != "delete":
                    progress(event)
            writer.commit(mergetype=CLEAR if rebuild else self.commit_policy)
        self._save_word_counts()
        report = _report(counts, skipped, started, notes)
        if merge:
            began = time.perf_counter()
            merged = self.merge(lock_timeout=lock_timeout)
            report = dataclasses.replace(report, merged=merged,
                                         merge_s=round(time.perf_counter() - began, 3))
        return report

    def merge(self, *, lock_timeout: float = WRITE_LOCK_TIMEOUT) -> int:
        """Merge segments as the merge policy says (search/merging.py: tiers of similar
        size, and segments with a third of their events deleted), in a commit of its own;
        searches see the same events before and after. :meth:`update` calls it after its
        own commit, whose changes searches see at once.

        :returns: how many segments were merged (0: nothing to do, nothing written).
        """
        with _reading(self.path):
            reader = self._ix.reader()
        try:
            chosen = segments_to_merge([leaf.segment() for leaf in _leaves(reader)])
        finally:
            reader.close()
        if not chosen:
            return 0
        writer = self._writer(lock_timeout)
        with _writing(writer, self.path):
            writer.commit(mergetype=self.merge_policy)
        self._save_word_counts()
        return len(chosen)

    def _writer(self, lock_timeout: float):
        """A Whoosh writer of our codec, once the write lock is ours.

        :raises IndexLocked: another writer held the lock for ``lock_timeout`` seconds.
        :raises IndexWriteError: the lock cannot be taken (no permission, read-only disk).
        """
        self._check_identity()
        try:
            # compound=False: a reader of a compound segment file holds its parts in memory
            # (about 200 MB at 10,000 events); separate files are read where they lie.
            with _reading(self.path):
                return self._ix.writer(timeout=lock_timeout, limitmb=WRITER_POOL_MB,
                                       compound=False, codec=EventCodec())
        except LockError:
            raise IndexLocked(
                f"the index at {self.path} is being written by another process; "
                f"gave up after waiting {lock_timeout:g} s"
            ) from None
        except OSError as exc:
            raise IndexWriteError(f"cannot write the index at {self.path}: "
                                  f"{exc.strerror or exc}") from None

    def _save_word_counts(self) -> None:
        """Save the word counts of the segments just written (search/vocabulary.py)."""
        reader = self._ix.reader()
        try:
            self._words.save(segments(reader))
        except OSError as exc:  # the commit stands; readers count the words themselves
            log.warning("could not save the word counts in %s: %s", self.path, exc)
        finally:
            reader.close()

    def _plan(self, events: list[Event], keep: set[str], delete_missing: bool, delete: set[str],
              *, rebuild: bool = False) -> tuple[list[tuple[str, object]], Counter, list[str]]:
        """What an update must do: (action, event or slug) pairs, counts, notes."""
        indexed = self.slugs()
        actions: list[tuple[str, object]] = []
        counts: Counter = Counter()
        notes: list[str] = []
        seen: set[str] = set()
        for event in events:
            if event.slug in seen:
                counts["skipped"] += 1
                notes.append(f"duplicate slug {event.slug!r} ({event.url}): kept the first")
                continue
            seen.add(event.slug)
            old_hash = indexed.get(event.slug)
            if rebuild:
                actions.append(("add", event))
                counts["added" if old_hash is None else "updated"] += 1
            elif old_hash == event.content_hash:
                counts["unchanged"] += 1
            elif old_hash is None:
                actions.append(("add", event))
                counts["added"] += 1
            else:
                actions.append(("replace", event))
                counts["updated"] += 1
        missing = set(indexed) - seen
        if rebuild:
            # A rebuild clears every old segment: carry over the events to keep.
            actions.extend(("add", self.get(slug)) for slug in sorted(missing & keep))
            counts["deleted"] = len(missing - keep)
        else:
            gone = (missing if delete_missing else missing & delete) - keep
            actions.extend(("delete", slug) for slug in sorted(gone))
            counts["deleted"] = len(gone)
        return actions, counts, notes


@contextmanager
def _writing(writer, folder: Path):
    """Cancel ``writer`` unless the block commits it; a full disk is an IndexWriteError."""
    committed = False
    try:
        yield
        committed = True
    except OSError as exc:  # a full disk, most often: nothing of this writer is committed
        raise IndexWriteError(f"could not write the index at {folder}: "
                              f"{exc.strerror or exc}; it is left as it was at its last "
                              "commit") from None
    finally:
        if not committed:
            _abandon(writer)


def _leaves(reader) -> list:
    """The segment readers of ``reader`` (one, or none for an empty index)."""
    return [leaf for leaf, _ in reader.leaf_readers()]


def _abandon(writer) -> None:
    """Cancel a writer, even on a full disk: Whoosh's ``cancel()`` first closes the segment
    it was writing, which writes again and fails; its temporary files and its lock must go
    all the same (the partly written segment files are deleted by the next commit)."""
    try:
        writer.cancel()
    except OSError as exc:
        log.warning("cancelling the write: %s", exc.strerror or str(exc))
        writer.temp_storage().destroy()
        if writer.writelock:
            writer.writelock.release()


def _meta_key(folder: Path) -> tuple[int, int, int] | None:
    """What changes when the index's meta file is written anew (it is replaced whole)."""
    try:
        found = os.stat(folder / META_FILE)
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def _close_searchers(open_searchers: dict, lock: threading.Lock) -> None:
    with lock:
        searchers = list(open_searchers.values())
        open_searchers.clear()
    for searcher in searchers:
        searcher.close()


def _terms(node) -> tuple[str, ...]:
    """The index terms of a word or phrase node."""
    if isinstance(node, q.Phrase) and node.terms is not None:
        return node.terms
    return tuple(query_terms(node.text))


def _report(counts: Counter, skipped: int, started: float, notes: list[str]) -> UpdateReport:
    return UpdateReport(
        added=counts["added"],
        updated=counts["updated"],
        deleted=counts["deleted"],
        unchanged=counts["unchanged"],
        skipped=counts["skipped"] + skipped,
        elapsed_s=round(time.perf_counter() - started, 3),
        notes=tuple(notes),
    )


# -- helpers ------------------------------------------------------------------------------


def _filters(year, category, figure) -> list:
    filters: list = []
    if year is not None:
        filters.append(q.YearRange(*year_range(year)))
    if category:
        filters.append(q.Category(str(category)))
    if figure:
        filters.append(q.Figure(str(figure)))
    return filters


def _allowed(table: _Table, filters: list) -> np.ndarray:
    """The live documents every filter lets through."""
    allowed = table.live
    for node in filters:
        allowed = allowed & table.mask_for(node)
    return allowed


@dataclass
class _Found:
    """What a query found: its compiled form, the matching documents, every document's
    score, and which matches have all the words (ranked before the rest)."""

    compiled: _Compiled
    mask: np.ndarray
    scores: np.ndarray
    preferred: np.ndarray

    @classmethod
    def nothing(cls, compiled: _Compiled, size: int) -> _Found:
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

    def order(self) -> np.ndarray:
        """Matches by relevance: all the words first, then by score, then index order."""
        docs = self.docs
        return docs[np.lexsort((docs, -self.scores[docs], ~self.preferred[docs]))]

    def by_year(self, table: _Table, newest_first: bool) -> np.ndarray:
        """Matches by year (a missing year counts as 0), then index order."""
        docs = self.docs
        ordered = docs[np.lexsort((docs, table.years[docs]))]
        return ordered[::-1] if newest_first else ordered


def _match(searcher, table: _Table, parsed: q.ParsedQuery, filters: list,
           cache: PostingCache, synonyms: Synonyms = NO_SYNONYMS) -> _Found:
    """Everything the query matches, scored over arrays of postings (search/engine.py).

    Events with all the words come first, then events with some of them. A bare year or
    decade among the words filters first, and counts as a word if the filter leaves nothing.
    Words and phrases that have synonyms also match them (search/synonyms.py).
    """
    expansions: list[Expansion] = []
    text = expand(parsed.text, synonyms, expansions)
    spelling: dict[str, list[str]] = {}
    has_years = any(w.implicit_year for w in parsed.words)
    found = _Found.nothing(_Compiled(None, {}, {}), table.size)
    scorer = Scorer(searcher, cache, RANKING, table.live, table.phrases, table.stats)
    for years_as_words in (False, True) if has_years else (False,):
        strict = _Compiler(searcher, table, any_word=False, years_as_words=years_as_words,
                           spelling=spelling, synonyms=synonyms)
        strict_query = strict.compile(text)
        allowed = _allowed(table, [*filters, *parsed.filters, *strict.year_filters])
        if strict_query is None:
            return _Found(_Compiled(None, {}, {}), allowed, np.zeros(table.size), allowed)
        loose = _Compiler(searcher, table, any_word=True, years_as_words=years_as_words,
                          spelling=spelling, synonyms=synonyms)
        loose_query = loose.compile(text)
        compiled = _Compiled(loose_query, loose.weights, loose.corrections,
                             tuple(expansions))
        if not allowed.any():
            found = _Found.nothing(compiled, table.size)
            continue
        matches = scorer.evaluate(loose_query)
        mask = matches.mask & allowed
        if loose_query == strict_query:
            preferred = mask
        else:
            preferred = scorer.evaluate(strict_query).mask & mask
        found = _Found(compiled, mask, matches.scores, preferred)
        if mask.any():
            break
    return found


def _facets(table: _Table, matched: np.ndarray) -> Facets:
    """Counts by category, decade, year and figure over every match (a mask)."""
    categories = np.bincount(table.categories[matched & (table.categories >= 0)],
                             minlength=len(table.category_list))
    dated = matched & table.has_year
    years = Counter(dict(zip(*np.unique(table.years[dated], return_counts=True),
                             strict=True)))
    decades: Counter = Counter()
    for year, count in years.items():
        decades[int(year) // 10 * 10] += int(count)
    figures = np.bincount(table.figure_codes[matched[table.figure_docs]],
                          minlength=len(table.figure_list)) if len(table.figure_docs) else \
        np.zeros(0, dtype=np.int64)
    shown = np.flatnonzero(figures)
    shown = shown[np.lexsort((table.figure_rank[shown], -figures[shown]))][:FIGURE_FACETS]
    return Facets(
        category=tuple(FacetCount(table.category_list[c], int(categories[c]))
                       for c in sorted(np.flatnonzero(categories),
                                       key=lambda c: (-categories[c],
                                                      table.category_list[c]))),
        decade=tuple(FacetCount(d, n) for d, n in sorted(decades.items())),
        figure=tuple(FacetCount(table.figure_list[f], int(figures[f])) for f in shown),
        year=tuple(FacetCount(int(y), int(n)) for y, n in sorted(years.items())),
    )


def _suggestion(query: str, corrections: dict[str, str]) -> str | None:
    if not corrections:
        return None
    words = []
    for word in query.split():
        bare = word.strip('"()-*')
        fixed = corrections.get(bare)
        words.append(word.replace(bare, fixed) if fixed else word.lower())
    suggestion = " ".join(words)
    return suggestion if suggestion != query else None


def _ref(row: tuple) -> EventRef:
    slug, title, year, category, _, _ = row
    return EventRef(slug=slug, title=title, year=year, category=category)
