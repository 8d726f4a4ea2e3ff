"""Reading the command's sources (folders, files, sites) and committing them to the index:
what ``eventsearch index``, ``add``, ``remove``, ``parse`` and ``--watch`` share.

Imported by those commands only, when they run: it brings the HTML parser and the crawler,
which ``eventsearch search`` does not need.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import click
from eventsearch.ingest import (
    Crawler,
    CrawlError,
    Event,
    FileRecord,
    LoadResult,
    NotModified,
    PageRecord,
    Skipped,
    SourceManifest,
    file_id,
    file_key,
    find_pages,
    iter_files,
    load_file,
    trusted_key,
)
from eventsearch.ingest.crawler import normalize_url
from eventsearch.ingest.load import PAGE_SUFFIXES, Outcome
from eventsearch.ingest.parse import slug_from_url
from eventsearch.search import (
    EventIndex,
    IndexCorrupt,
    IndexNotFound,
    IndexOutdated,
    SearchError,
    UpdateReport,
    create_index,
    open_index,
)

#: In the index folder: what each source gave at the last run (ingest/manifest.py).
SOURCES_FILE = "sources.json"


#: A folder source's synonyms file, used unless another is given.
SYNONYMS_NAME = "synonyms.txt"
#: A folder source's alias file of people's names (search/people.py), used unless the
#: index already has one.
ALIASES_NAME = "people.txt"


#: A folder load of more pages than this shows a progress bar (on a terminal).
PROGRESS_MIN_PAGES = 10


def is_url(source: str) -> bool:
    """True for an http(s) URL, which is crawled rather than read from disk."""
    return source.startswith(("http://", "https://"))


@dataclass
class Sources:
    """What reading the sources gave, and the record of it to keep for the next run."""

    result: LoadResult
    carried: set[str] = field(default_factory=set)  # slugs of pages unchanged: not read
    kept: set[str] = field(default_factory=set)  # slugs of pages that failed to load now
    files: dict[str, FileRecord] = field(default_factory=dict)
    sites: dict[str, dict[str, PageRecord]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _File:
    """A page file of a folder: its key before reading, its old record, what it gave."""

    path: Path
    key: tuple[int, int] | None
    stat_ns: int
    old: FileRecord | None
    outcome: Outcome | None = None  # None: unchanged since the last run, not read


@dataclass(frozen=True)
class CrawlOptions:
    """How sites are crawled (the command's --delay, --max-pages and --timeout)."""

    delay: float = 1.0
    max_pages: int = 1000
    timeout: float = 10.0


def read_sources(sources: list[str], *, label: str = "Parsing", workers: int = 1,
                 crawling: CrawlOptions = CrawlOptions(),
                 manifest: SourceManifest | None = None,
                 indexed: Mapping[str, str] | None = None) -> Sources:
    """Parse files, folders and site URLs, with a progress bar on a terminal.

    :param manifest: what the sources gave at the last run. A page that fails to load now
        keeps the slug it gave then.
    :param indexed: slug to content hash of the index. With ``manifest``, a page file
        unchanged since the last run is not read again, and a site page is asked for
        with a conditional request, if the event it gave is indexed as it gave it.
    :raises click.ClickException: a source does not exist or is not a usable URL.
    """
    for source in sources:
        if not is_url(source) and not Path(source).exists():
            raise click.ClickException(f"no such file or folder: {source}")
    counts = manifest.slug_counts() if manifest is not None else Counter()

    def reusable(slug: str, content_hash: str) -> bool:
        if indexed is None:
            return False
        # Two pages with one slug: both are read, so the first in order wins.
        return not slug or (indexed.get(slug) == content_hash and counts[slug] == 1)

    read = Sources(LoadResult((), (), ()))
    items: list[_File | Outcome] = []
    for source in sources:
        if is_url(source):
            items.extend(_read_site(source, read, manifest, reusable, label, crawling))
        else:
            items.extend(_read_files(source, manifest, reusable, label, workers))
    # A page read now that gives the slug of an unchanged one: read that one too, so the
    # first of them in order wins, as when every page is read.
    fresh = {event.slug for item in items if (event := _event_of(item)) is not None}
    for item in items:
        if (isinstance(item, _File) and item.outcome is None and item.old is not None
                and item.old.slug in fresh):
            item.outcome = load_file(item.path)
    outcomes = []
    for item in items:
        if isinstance(item, _File):
            _record_file(item, read)
            if item.outcome is None:
                continue
            item = item.outcome
        outcomes.append(item)
        if isinstance(item, NotModified) and item.slug:
            read.carried.add(item.slug)
    read.result = LoadResult.collect(outcomes)
    read.kept.discard("")  # pages that gave no event
    return read


def _event_of(item: _File | Outcome) -> Event | None:
    outcome = item.outcome if isinstance(item, _File) else item
    return outcome if isinstance(outcome, Event) else None


def _read_files(source: str, manifest: SourceManifest | None,
                reusable: Callable[[str, str], bool], label: str, workers: int) -> list[_File]:
    """The page files of a folder (or one file), read unless unchanged since the last run."""
    found, todo = [], []
    for page in find_pages(source):
        stat_ns = time.time_ns()
        try:
            key = file_key(page)  # before reading: an edit made while indexing shows next time
        except OSError:
            key = None
        old = manifest.files.get(file_id(page)) if manifest is not None else None
        found.append(_File(page, key, stat_ns, old))
        if old is None or key != (old.size, old.mtime_ns) or not reusable(
                old.slug, old.content_hash):
            todo.append(found[-1])
    stream = iter_files([item.path for item in todo], workers=workers)
    if sys.stderr.isatty() and len(todo) > PROGRESS_MIN_PAGES:
        with click.progressbar(stream, length=len(todo), label=label, file=sys.stderr,
                               show_pos=True) as bar:
            parsed = list(bar)
    else:
        parsed = list(stream)
    for item, outcome in zip(todo, parsed, strict=True):
        item.outcome = outcome
    return found


def _record_file(item: _File, read: Sources) -> None:
    """Record what a page file gave; one that failed keeps its old record and its event."""
    name = file_id(item.path)
    outcome = item.outcome
    if outcome is None:
        assert item.old is not None  # a file is left unread only when it has a record
        read.files[name] = item.old
        if item.old.slug:
            read.carried.add(item.old.slug)
    elif isinstance(outcome, Skipped):
        if item.old is not None:
            read.files[name] = item.old
            read.kept.add(item.old.slug)
        else:  # never recorded (a lost record, say): the slug the file name gives
            read.kept.add(slug_from_url(item.path.resolve().as_uri()))
    elif item.key is not None:
        slug, content_hash = (outcome.slug, outcome.content_hash) if isinstance(
            outcome, Event) else ("", "")
        read.files[name] = FileRecord(*trusted_key(item.key, item.stat_ns), slug, content_hash)


def _read_site(url: str, read: Sources, manifest: SourceManifest | None,
               reusable: Callable[[str, str], bool], label: str,
               crawling: CrawlOptions) -> list[Outcome]:
    """Crawl a site, asking for the pages known from the last run only if they changed."""
    site = normalize_url(url)
    old = manifest.sites.get(site, {}) if manifest is not None else {}
    try:
        crawler = Crawler(url, known={page: record for page, record in old.items()
                                      if reusable(record.slug, record.content_hash)},
                          delay=crawling.delay, max_pages=crawling.max_pages,
                          timeout=crawling.timeout)
    except CrawlError as exc:
        raise click.ClickException(str(exc)) from None
    outcomes = _crawl(crawler, f"{label} {url}")
    pages = dict(crawler.pages)
    for page, record in old.items():
        # A page that failed, or that a crawl cut short did not reach, keeps its event.
        if page not in pages and page not in crawler.gone and (
                page in crawler.failed or not crawler.complete):
            pages[page] = record
            read.kept.add(record.slug)
    if not old:  # never recorded: the slugs the URLs of the failed pages give
        read.kept.update(slug_from_url(o.source) for o in outcomes if isinstance(o, Skipped))
    read.sites[site] = pages
    read.notes.extend(crawler.notes)
    return outcomes


def _crawl(crawler: Crawler, label: str) -> list[Outcome]:
    """Run a crawl, with a progress bar on a terminal (its length grows as pages are found)."""
    if not sys.stderr.isatty():
        return list(crawler)
    outcomes = []
    with click.progressbar(length=1, label=label, file=sys.stderr, show_pos=True) as bar:
        for outcome in crawler:
            outcomes.append(outcome)
            bar.length = max(crawler.planned, 1)
            bar.update(crawler.fetched - bar.pos)
    return outcomes


def report_skipped(result: LoadResult, *, listings: bool = True) -> None:
    """List skipped pages with their reasons (and listing pages) on stderr."""
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.source}: {skipped.reason}", err=True)
    for listing in result.listings if listings else ():
        click.echo(f"listing page (links followed, not an event): {listing.source}", err=True)


def _without_advice(error: SearchError) -> str:
    """An error's message without its closing advice (``: rebuild it with ...``)."""
    return str(error).rsplit(": rebuild it", 1)[0]


def build_index(sources: list[str], index_dir: Path, *, rebuild: bool = False,
                add: bool = False, crawling: CrawlOptions = CrawlOptions(),
                quiet: bool = False,
                synonyms: Path | Literal[False] | None = None) -> tuple[EventIndex, UpdateReport]:
    """Parse the sources and bring the index at ``index_dir`` in line with them.

    The index ends up holding exactly the events of ``sources``; with ``add``, it gains or
    replaces their events and loses only those they gave before and give no more. Pages
    unchanged since the last run (recorded in the index folder) are not read or
    downloaded again, so editing one page of thousands costs one page; a page that fails
    to load keeps its event.

    :param synonyms: the synonyms file to use, False for none, None for the one the index
        already uses (read again), else a folder source's ``synonyms.txt``.
    :raises click.ClickException: a source is unusable, nothing could be parsed, or the
        index could not be written.
    """
    try:
        try:
            index = open_index(index_dir)
        except IndexNotFound:
            index = create_index(index_dir)
            rebuild = True
        except (IndexOutdated, IndexCorrupt) as exc:
            if add:  # a rebuild from these sources alone would lose the others' events
                raise click.ClickException(
                    f"{_without_advice(exc)}: rebuild it with `eventsearch index` and all "
                    "its sources") from None
            if not quiet:
                click.echo(f"{_without_advice(exc)}; rebuilding it now", err=True)
            index = create_index(index_dir)
            rebuild = True
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = SourceManifest(index_dir / SOURCES_FILE)
    read = read_sources(sources, label="Reading pages", workers=min(4, os.cpu_count() or 1),
                        crawling=crawling, manifest=manifest,
                        indexed=None if rebuild else index.slugs())
    report = commit_sources(index, manifest, sources, read, add=add, rebuild=rebuild,
                            quiet=quiet)
    apply_synonyms(index, sources, synonyms, quiet=quiet)
    apply_aliases(index, sources, quiet=quiet)
    return index, report


def apply_synonyms(index: EventIndex, sources: list[str], chosen: Path | Literal[False] | None, *,
                   quiet: bool = False) -> None:
    """Give the index its synonyms file (search/synonyms.py), read afresh: the one chosen,
    else the one it already uses, else the first ``synonyms.txt`` of a folder source."""
    if chosen is False:
        index.use_synonyms(None)
        return
    path = chosen if chosen is not None else _file_to_use(
        index.synonyms().source, sources, SYNONYMS_NAME, "the synonyms file", quiet)
    if path is None:
        return
    found = index.use_synonyms(path)
    if not quiet:
        click.echo(f"synonyms: {len(found)} groups from {found.source}", err=True)


def apply_aliases(index: EventIndex, sources: list[str], *, quiet: bool = False) -> None:
    """Give the index its alias file of people's names (search/people.py), read afresh:
    the one it already uses, else the first ``people.txt`` of a folder source."""
    path = _file_to_use(index.aliases().source, sources, ALIASES_NAME, "the alias file", quiet)
    if path is None:
        return
    found = index.use_aliases(path)
    if not quiet:
        click.echo(f"people: {len(found)} names with aliases from {found.source}", err=True)


def _file_to_use(recorded: str | None, sources: list[str], name: str, what: str,
                 quiet: bool) -> Path | None:
    """The file an index's copy is read afresh from: the one it came from, else the first
    ``name`` of a folder source; None if there is none, or if the one it came from is gone
    (the index keeps its copy, and says so)."""
    if recorded and not Path(recorded).is_file():
        if not quiet:
            click.echo(f"{what} {recorded} is gone: the index keeps its copy", err=True)
        return None
    if recorded:
        return Path(recorded)
    return next((Path(s) / name for s in sources
                 if not is_url(s) and (Path(s) / name).is_file()), None)


def commit_sources(index: EventIndex, manifest: SourceManifest, sources: list[str],
                   read: Sources, *, add: bool = False, rebuild: bool = False,
                   quiet: bool = False) -> UpdateReport:
    """Write what :func:`read_sources` gave to the index in one commit, then record it in
    ``manifest`` (the keys of page files as they were before they were read)."""
    result = read.result
    if not quiet:
        report_skipped(result, listings=False)
        for note in read.notes:
            click.echo(note, err=True)
    if not result.events and not read.carried:
        raise click.ClickException("no event could be parsed from "
                                   f"{', '.join(sources)}; the index is unchanged")
    options: dict = {"skipped": len(result.skipped), "keep": read.kept | read.carried}
    if add:
        replaced = set().union(*(manifest.files_under(s) for s in sources if not is_url(s)))
        sites = {normalize_url(s) for s in sources if is_url(s)}
        before = {manifest.files[name].slug for name in replaced} | {
            record.slug for site in sites for record in manifest.sites.get(site, {}).values()}
        manifest.files = {k: v for k, v in manifest.files.items() if k not in replaced}
        manifest.files.update(read.files)
        manifest.sites = {k: v for k, v in manifest.sites.items() if k not in sites}
        manifest.sites.update(read.sites)
        options.update(delete_missing=False, delete=before - manifest.slugs())
    else:
        manifest.files, manifest.sites = read.files, read.sites
        options.update(rebuild=rebuild)
    try:
        if sys.stderr.isatty() and not quiet and result.events:
            with click.progressbar(length=len(result.events), label="Indexing",
                                   file=sys.stderr, show_pos=True) as bar:
                report = index.update(result.events, progress=lambda _: bar.update(1),
                                      **options)
        else:
            report = index.update(result.events, **options)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    save_manifest(manifest)
    return dataclasses.replace(report, unchanged=report.unchanged + len(read.carried))


def save_manifest(manifest: SourceManifest) -> None:
    try:
        manifest.save()
    except OSError as exc:
        click.echo(f"could not record the sources in {manifest.path} ({exc.strerror or exc}): "
                   "the next run reads every page again", err=True)


def echo_report(target: Path, report: UpdateReport, as_json: bool) -> None:
    for note in report.notes:
        click.echo(note, err=True)
    if as_json:
        keys = ("added", "updated", "deleted", "unchanged", "skipped")
        click.echo(json.dumps({k: getattr(report, k) for k in keys}))
        return
    click.echo(f"{target}: {report.added} added, {report.updated} updated, "
               f"{report.deleted} deleted, {report.unchanged} unchanged, "
               f"{report.skipped} skipped ({report.elapsed_s:.2f} s)")


def watch_sources(sources: list[str], target: Path, *, rebuild: bool = False,
                  as_json: bool = False, synonyms: Path | Literal[False] | None = None) -> None:
    """Index the folders and files, then index them again after each batch of changes,
    until Ctrl+C (or SIGTERM), which lets the batch under way finish: the index stays whole.
    """
    import watchfiles

    for source in sources:
        if not Path(source).exists():
            raise click.ClickException(f"no such file or folder: {source}")
    stop = threading.Event()
    signals = {signum: signal.signal(signum, lambda *_: stop.set())
               for signum in (signal.SIGINT, signal.SIGTERM)}

    def run(rebuild: bool = False, synonyms: Path | Literal[False] | None = None) -> None:
        try:
            _, report = build_index(sources, target, rebuild=rebuild, synonyms=synonyms)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            return
        echo_report(target, report, as_json)

    changes = watchfiles.watch(
        *_watch_roots(sources), watch_filter=_PageFilter(sources, target), stop_event=stop,
        debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS, rust_timeout=WATCH_STEP_MS,
        yield_on_timeout=True, raise_interrupt=False)
    try:
        # The watcher is set up by the first step: a change made from then on, during the
        # first indexing included, is seen.
        next(changes, None)
        run(rebuild, synonyms)
        if not stop.is_set():
            click.echo(f"Watching {', '.join(sources)} for changes (Ctrl+C stops).", err=True)
        for batch in changes:
            if batch:
                run()
    finally:
        changes.close()
        for signum, handler in signals.items():
            signal.signal(signum, handler)
    click.echo("Stopped.", err=True)


#: Changes are gathered until none came for WATCH_STEP_MS, or for WATCH_DEBOUNCE_MS at most
#: (milliseconds).
WATCH_STEP_MS = 300


WATCH_DEBOUNCE_MS = 2000


def _watch_roots(sources: list[str]) -> list[str]:
    """The folders to watch: each folder source, and the folder of each file source (a
    file saved by renaming another over it is a new file)."""
    return list(dict.fromkeys(
        os.path.abspath(s if os.path.isdir(s) else os.path.dirname(os.path.abspath(s)))
        for s in sources))


class _PageFilter:
    """Which changes count: page files (and folders) within the sources, not hidden, not
    in the index folder."""

    def __init__(self, sources: list[str], index_dir: Path) -> None:
        self.folders = [os.path.abspath(s) for s in sources if os.path.isdir(s)]
        self.files = {os.path.abspath(s) for s in sources if not os.path.isdir(s)}
        self.index_dir = os.path.abspath(index_dir)

    def __call__(self, change: object, path: str) -> bool:
        if path == self.index_dir or path.startswith(self.index_dir + os.sep):
            return False
        if path in self.files:
            return True
        suffix = os.path.splitext(path)[1].lower()
        if suffix and suffix not in PAGE_SUFFIXES and os.path.basename(path) != SYNONYMS_NAME:
            return False
        return any(path.startswith(folder + os.sep) and not any(
            part.startswith(".") for part in os.path.relpath(path, folder).split(os.sep))
            for folder in self.folders)
