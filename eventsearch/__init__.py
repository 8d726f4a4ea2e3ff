"""eventsearch: full-text search over event narratives.

    from eventsearch import open_index

    index = open_index("/home/me/.local/share/eventsearch/index")
    results = index.search("Mistral efficiency", year=(2020, 2025))
    for hit in results.hits:
        print(hit.year, hit.title, hit.snippet)

The package is three layers, each a subpackage: ``eventsearch.ingest`` (HTML pages to
``Event`` records), ``eventsearch.search`` (the index, the query language, typed results)
and ``eventsearch.web`` (the Flask app and the ``eventsearch`` command). The names below
are the public API; each is imported when first used, so that ``import eventsearch`` costs
nothing, and searching never imports the crawler, the HTML parser or the HTTP stack.
docs/api.md shows them at work.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from eventsearch.corpus import BUNDLED_CORPUS
    from eventsearch.ingest.crawler import CrawlError, crawl, iter_crawl
    from eventsearch.ingest.load import LoadResult, load_directory
    from eventsearch.ingest.model import (
        Event,
        Listing,
        NotAnEvent,
        ParseError,
        RelatedLink,
        Section,
        Skipped,
    )
    from eventsearch.ingest.parse import parse_event
    from eventsearch.search.check import IndexCheck, check_index
    from eventsearch.search.errors import (
        AliasesError,
        IndexCorrupt,
        IndexLocked,
        IndexNotFound,
        IndexOutdated,
        IndexWriteError,
        QueryError,
        SearchError,
        SynonymsError,
    )
    from eventsearch.search.index import EventIndex, create_index, open_index
    from eventsearch.search.params import PeopleSort, Sort
    from eventsearch.search.people import Aliases
    from eventsearch.search.results import (
        EventRef,
        Expansion,
        Explanation,
        FacetCount,
        Facets,
        Hit,
        IndexStats,
        Person,
        PersonRef,
        SearchResults,
        SectionHit,
        Snippet,
        Suggestion,
        TermKind,
        TermScore,
        UpdateReport,
    )
    from eventsearch.search.storage import default_index_dir
    from eventsearch.search.synonyms import Synonyms
    from eventsearch.web.app import create_app

#: Where each public name lives (imported on first use).
_NAMES = {
    "eventsearch.corpus": ("BUNDLED_CORPUS",),
    "eventsearch.search.index": ("EventIndex", "create_index", "open_index"),
    "eventsearch.search.storage": ("default_index_dir",),
    "eventsearch.search.results": ("EventRef", "Expansion", "Explanation", "FacetCount",
                                   "Facets", "Hit", "IndexStats", "Person", "PersonRef",
                                   "SearchResults", "SectionHit", "Snippet", "Suggestion",
                                   "TermKind", "TermScore", "UpdateReport"),
    "eventsearch.search.params": ("PeopleSort", "Sort"),
    "eventsearch.search.people": ("Aliases",),
    "eventsearch.search.synonyms": ("Synonyms",),
    "eventsearch.search.check": ("IndexCheck", "check_index"),
    "eventsearch.search.errors": ("AliasesError", "IndexCorrupt", "IndexLocked",
                                  "IndexNotFound", "IndexOutdated", "IndexWriteError", "QueryError",
                                  "SearchError", "SynonymsError"),
    "eventsearch.ingest.model": ("Event", "Listing", "NotAnEvent", "ParseError",
                                 "RelatedLink", "Section", "Skipped"),
    "eventsearch.ingest.parse": ("parse_event",),
    "eventsearch.ingest.load": ("LoadResult", "load_directory"),
    "eventsearch.ingest.crawler": ("CrawlError", "crawl", "iter_crawl"),
    "eventsearch.web.app": ("create_app",),
}
_WHERE = {name: module for module, names in _NAMES.items() for name in names}

__all__ = [
    "BUNDLED_CORPUS",
    "__version__",
    "Aliases",
    "AliasesError",
    "CrawlError",
    "Event",
    "EventIndex",
    "EventRef",
    "Expansion",
    "Explanation",
    "FacetCount",
    "Facets",
    "Hit",
    "IndexCheck",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexOutdated",
    "IndexStats",
    "IndexWriteError",
    "Listing",
    "LoadResult",
    "NotAnEvent",
    "ParseError",
    "PeopleSort",
    "Person",
    "PersonRef",
    "QueryError",
    "RelatedLink",
    "SearchError",
    "SearchResults",
    "Section",
    "SectionHit",
    "Snippet",
    "Skipped",
    "Sort",
    "Suggestion",
    "TermKind",
    "TermScore",
    "Synonyms",
    "SynonymsError",
    "UpdateReport",
    "check_index",
    "crawl",
    "create_app",
    "create_index",
    "default_index_dir",
    "iter_crawl",
    "load_directory",
    "open_index",
    "parse_event",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
