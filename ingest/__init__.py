"""Ingest: HTML event pages (files, folders or a site) into Event records.

Imports neither whoosh nor flask: the search and web layers build on these records.
"""

from ingest.crawl import Crawler, CrawlError, crawl, iter_crawl
from ingest.load import (
    LoadResult,
    find_pages,
    iter_directory,
    iter_files,
    load_directory,
    load_file,
)
from ingest.manifest import FileRecord, PageRecord, SourceManifest, file_id, file_key, trusted_key
from ingest.model import (
    Event,
    Listing,
    NotAnEvent,
    NotModified,
    ParseError,
    RelatedLink,
    Section,
    Skipped,
)
from ingest.parse import MAX_PAGE_BYTES, parse_event, slugify

__all__ = [
    "MAX_PAGE_BYTES",
    "CrawlError",
    "Crawler",
    "Event",
    "FileRecord",
    "Listing",
    "LoadResult",
    "NotAnEvent",
    "NotModified",
    "PageRecord",
    "ParseError",
    "RelatedLink",
    "SourceManifest",
    "Section",
    "Skipped",
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
