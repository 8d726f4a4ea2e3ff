"""The event index: create, open, update incrementally, search, and the lookups around it.

``EventIndex`` is the facade: the work is done in views (search/view.py), the query
compiler and scorer (search/compiler.py, search/scoring.py, search/matching.py), the
facet table (search/facets.py), the writer (search/writer.py) and our segment files
(search/segment.py, search/codec.py).
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from eventsearch.ingest.model import Event
from eventsearch.search import query as q
from eventsearch.search import writer as writing
from eventsearch.search.errors import (
    IndexNotFound,
    IndexOutdated,
    IndexWriteError,
)
from eventsearch.search.highlight import mark_terms
from eventsearch.search.hits import did_you_mean, page_of_hits
from eventsearch.search.lookups import related_refs, stats_of, suggestions
from eventsearch.search.matching import match
from eventsearch.search.merging import fold_tiny, merge_policy
from eventsearch.search.opening import Current
from eventsearch.search.params import (
    MAX_PAGE,
    MAX_PER_PAGE,
    PeopleSort,
    Sort,
    YearSpec,
    check_count,
    check_people_sort,
    check_sort,
    year_range,
)
from eventsearch.search.people import Aliases, AliasesFile, People
from eventsearch.search.results import (
    EventRef,
    IndexStats,
    Person,
    PersonRef,
    SearchResults,
    Snippet,
    Suggestion,
    UpdateReport,
)
from eventsearch.search.schema import SCHEMA_VERSION, make_schema
from eventsearch.search.storage import (
    INDEX_NAME,
    has_index,
    read_meta,
    reading,
    storage,
    write_meta,
)
from eventsearch.search.synonyms import NO_SYNONYMS, Synonyms, SynonymsFile
from eventsearch.search.view import View

log = logging.getLogger(__name__)


def create_index(path: str | os.PathLike[str]) -> EventIndex:
    """Create an empty index at ``path`` (a folder, created if needed), replacing any there.

    :raises IndexWriteError: the folder cannot be made or written (a file is in the way,
        no permission, a full disk).
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ix = storage(folder).create_index(make_schema(), indexname=INDEX_NAME)
        meta = write_meta(folder)
    except FileExistsError:
        raise IndexWriteError(f"cannot make an index at {folder}: a file is in the way, "
                              "not a folder") from None
    except OSError as exc:
        raise IndexWriteError(f"cannot make an index at {folder}: "
                              f"{exc.strerror or exc}") from None
    return EventIndex(folder, ix, meta)


def open_index(path: str | os.PathLike[str]) -> EventIndex:
    """Open the index at ``path``, and check that the files of its last commit are whole.

    :raises IndexNotFound: there is no index there.
    :raises IndexOutdated: the index was built with another schema version.
    :raises IndexCorrupt: a file of the index is missing, truncated or unreadable.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise IndexNotFound(folder, f"{folder} is a file, not an index folder")
    if not folder.is_dir() or not has_index(folder):
        raise IndexNotFound(folder)
    meta = read_meta(folder)
    if meta.get("schema_version") != SCHEMA_VERSION:
        # Not read any further: its table of contents may name code this version lacks.
        raise IndexOutdated(folder, meta.get("schema_version"), SCHEMA_VERSION)
    with reading(folder):
        ix = storage(folder).open_index(INDEX_NAME)
    index = EventIndex(folder, ix, meta)
    index.view()
    return index


class EventIndex:
    """An index of events on disk: update it, search it, look events up.

    One instance may serve many threads. Each search takes the current view (one
    generation of the index, opened whole), so a commit by any process shows on the next
    search, and a search never sees half of one.
    """

    #: Which segments an update's commit merges: only tiny ones (search/merging.py).
    commit_policy = staticmethod(fold_tiny)
    #: Which segments :meth:`merge` merges (search/merging.py): a Whoosh ``mergetype``.
    merge_policy = staticmethod(merge_policy)

    def __init__(self, path: Path, ix, meta: dict) -> None:
        self.path = path
        self._current = Current(path, ix, meta)
        self._synonyms = SynonymsFile(path)
        self._aliases = AliasesFile(path)

    def __repr__(self) -> str:
        return f"<EventIndex {self.path}>"

    def whoosh_index(self):
        """The Whoosh index object (for the writer)."""
        return self._current.whoosh_index()

    # -- views -----------------------------------------------------------------------

    def view(self) -> View:
        """The current view: the last commit, opened whole (a new one after each commit).

        :raises IndexCorrupt: a file of the last commit is missing or damaged.
        :raises IndexNotFound: the index folder is gone.
        :raises IndexOutdated: the folder now holds an index of another schema version.
        """
        return self._current.view()

    @property
    def identity(self) -> str:
        """The index's own name, made when it was created: an index made anew in the
        same folder has another (for ids that must not outlive the index, such as a
        feed's)."""
        return self._current.identity()

    @property
    def version(self) -> int:
        """The generation of the last commit: it grows with every commit."""
        return self._current.generation()

    @property
    def revision(self) -> str:
        """A name for the index's current content, for caches and ETags: it changes with
        every commit, and when the index is made anew (whose generations start again)."""
        identity = self._current.identity()
        return f"{identity[:12]}-{self.version}"

    def close(self) -> None:
        """Let go of the files this index has open (searching again opens them again)."""
        self._current.close()

    def __len__(self) -> int:
        return self.view().count

    def get(self, slug: str) -> Event | None:
        """The indexed event with this slug, or None."""
        view = self.view()
        docnum = view.table().slug_index.get(slug)
        return view.row(docnum).event() if docnum is not None else None

    def slugs(self) -> dict[str, str]:
        """Every indexed slug with its content hash."""
        table = self.view().table()
        return dict(itertools.compress(zip(table.slugs, table.hashes, strict=True),
                                       table.live.tolist()))

    # -- synonyms --------------------------------------------------------------------

    def synonyms(self) -> Synonyms:
        """The synonyms searches use: the index's copy of its synonyms file (none if it
        has none), read again whenever it changes, so a running site needs no restart.

        :raises IndexCorrupt: the copy cannot be read.
        """
        return self._synonyms.current()

    def use_synonyms(self, path: str | os.PathLike[str] | None) -> Synonyms:
        """Search with the synonyms of the file at ``path`` from now on (None: with none).

        The file is checked, and its text copied into the index folder: the index keeps
        using it whatever happens to the file, until this is called again (``eventsearch
        index`` does, and picks up its changes). Running searchers see it on their next
        search.

        :raises SynonymsError: the file cannot be read, or a line of it is not a group.
        """
        return self._synonyms.use(path)

    # -- people ----------------------------------------------------------------------

    def aliases(self) -> Aliases:
        """The alias file people are merged by: the index's copy of it (none if it has
        none), read again whenever it changes.

        :raises IndexCorrupt: the copy cannot be read.
        """
        return self._aliases.current()

    def use_aliases(self, path: str | os.PathLike[str] | None) -> Aliases:
        """Merge people by the alias file at ``path`` from now on (None: by none).

        Like :meth:`use_synonyms`: the file is checked and copied into the index folder,
        and running searchers see it on their next request.

        :raises AliasesError: the file cannot be read, or a line of it is wrong.
        """
        return self._aliases.use(path)

    def _people(self, view: View | None = None) -> People:
        return (view or self.view()).people(self.aliases())

    def people(self, q: str | None = None, sort: PeopleSort = "name",
               limit: int | None = None) -> tuple[PersonRef, ...]:
        """Every person among the key figures, with their number of events.

        :param q: only people with a word of their name (or of another spelling of it)
            starting with each word of ``q``: ``geoff`` finds Geoffrey Hinton.
        :param sort: ``name`` (alphabetical) or ``count`` (most events first).
        :raises QueryError: ``sort`` or ``limit`` is out of range.
        """
        check_people_sort(sort)
        if limit is not None:
            check_count("limit", limit, 1, 100_000)
        found = self._people().listing(q, sort)
        return found if limit is None else found[:limit]

    def person(self, slug: str) -> Person | None:
        """The person with this slug (or the slug of another spelling of their name), with
        their events and co-figures; None if there is none."""
        return self._people().person(slug)

    def person_slugs(self) -> Mapping[str, str]:
        """Every key figure's name as written in the index, with the slug of their person
        (to link names to :meth:`person` pages; one lookup for a whole page of names)."""
        return self._people().slugs

    # -- searching -------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        year: YearSpec | None = None,
        category: str | None = None,
        figure: str | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        per_page: int = 10,
        synonyms: bool = True,
        explain: bool = False,
        all_words: bool = False,
    ) -> SearchResults:
        """Search the index. The query text is never an error; the parameters may be.

        :param year: a year, or an inclusive ``(start, end)`` pair (either end may be None).
        :param sort: ``relevance``, ``year`` (oldest first), ``-year`` (newest first) or
            ``added`` (newest indexed first: ``Hit.added``).
        :param synonyms: also search the synonyms of the query's words (the index's
            synonyms file, :meth:`use_synonyms`); ``SearchResults.expansions`` says which.
        :param all_words: only the events with all the words (those the relevance order
            puts first), whatever the sort; a feed of a search uses it.
        :param explain: give each hit an :class:`Explanation` of its score: each term's
            BM25F parts by field, the expansions and corrections used, the filters.
        :raises QueryError: a parameter is out of range.
        """
        started = time.perf_counter()
        filters = _filters(year, category, figure)
        check_sort(sort)
        check_count("page", page, 1, MAX_PAGE)
        check_count("per_page", per_page, 1, MAX_PER_PAGE)
        text = query if isinstance(query, str) else ""
        parsed = q.parse_query(text)
        view = self.view()
        if figure:
            # One person's every spelling (search/people.py), when the name is one.
            spellings = self._people(view).spellings_of(str(figure))
            if spellings:
                filters = [q.Figures(spellings) if isinstance(f, q.Figure) else f
                           for f in filters]
        found = match(view, parsed, filters, self.synonyms() if synonyms else NO_SYNONYMS)
        if all_words:
            found = found.with_all_words()
        return SearchResults(
            query=text,
            total=found.total,
            all_words=found.all_words,
            page=page,
            per_page=per_page,
            hits=page_of_hits(view, found, sort, page, per_page, explain=explain),
            facets=view.table().facets(found.mask),
            suggestion=did_you_mean(text, found.compiled.corrections),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
            notes=tuple(parsed.notes),
            expansions=found.compiled.expansions,
            synonyms=bool(synonyms),
        )

    def ranked(self, query: str, limit: int = 1000) -> list[tuple[str, float]]:
        """(slug, score) of the best ``limit`` matches, ranked exactly as :meth:`search`
        ranks them, without snippets or facets (for evaluation: bench/ir.py)."""
        view = self.view()
        found = match(view, q.parse_query(query), [], self.synonyms())
        if found.compiled.plan is None:
            return []
        slugs = view.table().slugs
        return [(slugs[d], float(found.scores[d])) for d in found.order()[:limit]]

    def highlighter(self, query: str) -> Callable[[str], Snippet]:
        """A function that marks the query's words (and synonyms) in a text."""
        found = match(self.view(), q.parse_query(query), [], self.synonyms())
        terms = set(found.compiled.weights)
        return lambda text: mark_terms(text, terms)

    # -- lookups ---------------------------------------------------------------------

    def related(self, slug: str, limit: int = 5) -> tuple[EventRef, ...]:
        """The page's own related events first, then events similar in content."""
        return related_refs(self.view(), slug, limit)

    def suggest(self, prefix: str, limit: int = 8) -> tuple[Suggestion, ...]:
        """Completions of what is being typed: the query with its last word completed from
        the corpus's words, then titles and people's names that start with it (or have a
        word that does)."""
        return suggestions(self.view(), prefix, limit)

    def stats(self) -> IndexStats:
        """How many events, which years and categories, how big on disk."""
        return stats_of(self.view(), self.path)

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
        lock_timeout: float = writing.WRITE_LOCK_TIMEOUT,
        progress: Callable[[Event], None] | None = None,
    ) -> UpdateReport:
        """Bring the index in line with ``events``, by content hash, in one commit.

        New slugs are added, changed ones replaced, unchanged ones left alone, and (with
        ``delete_missing``) indexed slugs absent from ``events`` deleted. Either the whole
        update is committed or none of it: readers never see half an update. A new event
        is recorded as added and changed at this update's time; a replaced one keeps the
        time it was added (``Hit.added``, ``Hit.changed``).

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
        return writing.update(self, list(events), skipped=skipped, keep=set(keep),
                              delete_missing=delete_missing, delete=set(delete),
                              rebuild=rebuild, merge=merge, lock_timeout=lock_timeout,
                              progress=progress)

    def merge(self, *, lock_timeout: float = writing.WRITE_LOCK_TIMEOUT) -> int:
        """Merge segments as the merge policy says (search/merging.py: tiers of similar
        size, and segments with a third of their events deleted), in a commit of its own;
        searches see the same events before and after. :meth:`update` calls it after its
        own commit, whose changes searches see at once.

        :returns: how many segments were merged (0: nothing to do, nothing written).
        """
        return writing.merge_segments(self, lock_timeout=lock_timeout)


def _filters(year: object, category: str | None, figure: str | None) -> list:
    filters: list = []
    if year is not None:
        filters.append(q.YearRange(*year_range(year)))
    if category:
        filters.append(q.Category(str(category)))
    if figure:
        filters.append(q.Figure(str(figure)))
    return filters
