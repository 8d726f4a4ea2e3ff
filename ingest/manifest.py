"""What each source gave when it was last indexed: page files by path, site pages by URL.

Kept in the index folder, so that an unchanged file is not read again, an unchanged site
page is asked for with a conditional request, and a page that fails to load keeps the
event it gave before (its slug is recorded, whatever its file name or URL).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

#: The layout of the file; a file of another version is ignored (everything is read again).
MANIFEST_VERSION = 2

#: A file modified this recently may be modified again within the same clock tick without
#: its time changing: its time is not trusted, so it is read again next time.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class FileRecord:
    """A page file as it was read: size and modification time before reading, what it gave.

    ``slug`` is empty for a page that gave no event (a listing page).
    """

    size: int
    mtime_ns: int
    slug: str = ""
    content_hash: str = ""


@dataclass(frozen=True)
class PageRecord:
    """A site page as it was fetched: its validators, what it gave, the links followed from it.

    ``slug`` is empty for a page that gave no event (a listing or other page).
    """

    slug: str = ""
    content_hash: str = ""
    etag: str | None = None
    last_modified: str | None = None
    links: tuple[str, ...] = ()


def file_key(page: Path) -> tuple[int, int]:
    """(size, modification time in ns): what changes when a file is edited or replaced.

    :raises OSError: the file cannot be stat-ed.
    """
    stat = page.stat()
    return stat.st_size, stat.st_mtime_ns


def trusted_key(key: tuple[int, int], stat_ns: int) -> tuple[int, int]:
    """The key to record for a file whose ``key`` was taken at ``stat_ns`` (before it was
    read): a time too recent to tell a later edit apart becomes -1, matching no stat."""
    size, mtime_ns = key
    return (size, -1) if stat_ns - mtime_ns < RACY_NS else key


def file_id(page: str | os.PathLike) -> str:
    """The name a page file is recorded under: its absolute path, symbolic links kept."""
    return os.path.abspath(page)


class SourceManifest:
    """The record of every source in one JSON file (written whole, or not at all).

    ``files`` maps each page file's :func:`file_id` to a :class:`FileRecord`; ``sites``
    maps each crawled start URL to its pages (normalized URL to :class:`PageRecord`).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.files: dict[str, FileRecord] = {}
        self.sites: dict[str, dict[str, PageRecord]] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("version") != MANIFEST_VERSION:
                return
            self.files = {k: FileRecord(**v) for k, v in raw["files"].items()}
            self.sites = {
                site: {url: PageRecord(**{**v, "links": tuple(v.get("links", ()))})
                       for url, v in pages.items()}
                for site, pages in raw["sites"].items()
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.files, self.sites = {}, {}

    def slug_counts(self) -> Counter:
        """How many recorded pages gave each slug (more than one: a duplicate slug)."""
        counts = Counter(r.slug for r in self.files.values() if r.slug)
        for pages in self.sites.values():
            counts.update({r.slug for r in pages.values() if r.slug})
        return counts

    def slugs(self) -> set[str]:
        """Every slug some recorded page gave."""
        return set(self.slug_counts())

    def files_under(self, source: str | os.PathLike) -> dict[str, FileRecord]:
        """The records of page files at or below ``source`` (a file or a folder)."""
        root = file_id(source)
        prefix = root.rstrip(os.sep) + os.sep
        return {k: v for k, v in self.files.items() if k == root or k.startswith(prefix)}

    def drop_slugs(self, slugs: set[str]) -> None:
        """Forget the pages that gave these slugs (their events were removed)."""
        self.files = {k: v for k, v in self.files.items() if v.slug not in slugs}
        self.sites = {site: {u: r for u, r in pages.items() if r.slug not in slugs}
                      for site, pages in self.sites.items()}

    def save(self) -> None:
        """Write the record atomically: readers see the old file or the new one, never half."""
        data = {
            "version": MANIFEST_VERSION,
            "files": {k: asdict(v) for k, v in sorted(self.files.items())},
            "sites": {site: {u: asdict(r) for u, r in sorted(pages.items())}
                      for site, pages in sorted(self.sites.items())},
        }
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        replaced = False
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            replaced = True
        finally:
            if not replaced:  # a half-written record is never left behind
                os.unlink(tmp)
