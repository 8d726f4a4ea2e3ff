"""Ingest: HTML event pages (files, folders or a site) into Event records.

Imports neither whoosh nor flask: the search and web layers build on these records. The
records themselves (ingest/model.py) need nothing but the standard library; the parser
(BeautifulSoup, lxml, trafilatura) and the crawler (requests) are imported when first
asked for, so that the search layer and the command line's search start without them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from eventsearch.ingest.model import (
    Event,
    Listing,
    NotAnEvent,
    NotModified,
    ParseError,
    RelatedLink,
    Section,
    Skipped,
)

if TYPE_CHECKING:
    from eventsearch.ingest.crawler import Crawler, CrawlError, crawl, iter_crawl
    from eventsearch.ingest.limits import MAX_PAGE_BYTES
    from eventsearch.ingest.load import (
        LoadResult,
        find_pages,
        iter_directory,
        iter_files,
        load_directory,
        load_file,
    )
    from eventsearch.ingest.manifest import (
        FileRecord,
        PageRecord,
        SourceManifest,
        file_id,
        file_key,
        trusted_key,
    )
    from eventsearch.ingest.parse import parse_event, slugify

#: Where each name that is imported on first use lives.
_LAZY = {
    **dict.fromkeys(("Crawler", "CrawlError", "crawl", "iter_crawl"), "crawler"),
    **dict.fromkeys(("LoadResult", "find_pages", "iter_directory", "iter_files",
                     "load_directory", "load_file"), "load"),
    **dict.fromkeys(("FileRecord", "PageRecord", "SourceManifest", "file_id", "file_key",
                     "trusted_key"), "manifest"),
    **dict.fromkeys(("parse_event", "slugify"), "parse"),
    "MAX_PAGE_BYTES": "limits",
}

__all__ = [
    "CrawlError",
    "Crawler",
    "Event",
    "FileRecord",
    "Listing",
    "LoadResult",
    "MAX_PAGE_BYTES",
    "NotAnEvent",
    "NotModified",
    "PageRecord",
    "ParseError",
    "RelatedLink",
    "Section",
    "Skipped",
    "SourceManifest",
    "crawl",
    "file_id",
    "file_key",
    "find_pages",
    "iter_crawl",
    "iter_directory",
    "iter_files",
    "load_directory",
    "load_file",
    "parse_event",
    "slugify",
    "trusted_key",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
