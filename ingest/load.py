"""Read event pages from a folder: every .html/.htm file below it."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from eventsearch.ingest.limits import MAX_PAGE_BYTES, PARSE_TIME_LIMIT
from eventsearch.ingest.model import Event, Listing, NotAnEvent, NotModified, ParseError, Skipped
from eventsearch.ingest.parse import parse_event

log = logging.getLogger(__name__)

PAGE_SUFFIXES = (".html", ".htm")

Outcome = Event | Skipped | Listing | NotModified


@dataclass(frozen=True)
class LoadResult:
    """What a folder or a site gave: events, pages skipped with reasons, listing pages, and
    site pages unchanged since the last crawl."""

    events: tuple[Event, ...]
    skipped: tuple[Skipped, ...]
    listings: tuple[Listing, ...]
    unchanged: tuple[NotModified, ...] = ()

    @classmethod
    def collect(cls, outcomes: Iterable[Outcome]) -> LoadResult:
        """Sort a stream of outcomes into a result."""
        by_type: dict[type, list] = {Event: [], Skipped: [], Listing: [], NotModified: []}
        for outcome in outcomes:
            by_type[type(outcome)].append(outcome)
        return cls(*(tuple(found) for found in by_type.values()))


def find_pages(path: str | os.PathLike) -> list[Path]:
    """Every page file below ``path`` (or ``path`` itself if it is a file), sorted."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"no such file or folder: {root}")
    return sorted(
        p for p in root.rglob("*")
        if p.suffix.lower() in PAGE_SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_file(path: str | os.PathLike, *, time_limit: float | None = PARSE_TIME_LIMIT) -> Outcome:
    """Parse one page file; a page that cannot be parsed (or not within ``time_limit``
    seconds) comes back as Skipped."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            return Skipped(str(path), f"page too large: {size:,} bytes (cap {MAX_PAGE_BYTES:,})")
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(str(path), f"unreadable: {exc.strerror or exc}")
    try:
        return parse_event(data, path.resolve().as_uri(), time_limit=time_limit)
    except NotAnEvent as exc:
        return Listing(str(path), exc.links)
    except ParseError as exc:
        return Skipped(str(path), str(exc))
    except RecursionError:
        return Skipped(str(path), "markup nested too deeply to parse")


def iter_directory(
    path: str | os.PathLike, *, workers: int = 1, time_limit: float | None = PARSE_TIME_LIMIT
) -> Iterator[Outcome]:
    """Parse every page below ``path``, yielding outcomes in file order.

    With ``workers`` > 1 pages are parsed in that many processes.
    """
    return iter_files(find_pages(path), workers=workers, time_limit=time_limit)


def iter_files(
    pages: list[Path], *, workers: int = 1, time_limit: float | None = PARSE_TIME_LIMIT
) -> Iterator[Outcome]:
    """Parse the given page files, yielding outcomes in order (``workers`` processes)."""
    load = partial(load_file, time_limit=time_limit)
    if workers > 1 and len(pages) > 50:
        with ProcessPoolExecutor(max_workers=workers, initializer=_exit_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            yield from pool.map(load, pages, chunksize=16)
    else:
        for page in pages:
            yield load(page)


def _exit_with_parent(parent: int) -> None:
    """In a worker process: exit as soon as the parent is gone (even after ``kill -9``),
    rather than wait forever for work that will never come."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def load_directory(
    path: str | os.PathLike, *, workers: int = 1, time_limit: float | None = PARSE_TIME_LIMIT
) -> LoadResult:
    """Parse every .html/.htm page below a folder.

    :raises FileNotFoundError: the folder does not exist.
    """
    return LoadResult.collect(iter_directory(path, workers=workers, time_limit=time_limit))
