"""The ``eventsearch`` command: the one place that wires ingest, search and web together."""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from ingest import (
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
from ingest.crawl import MAX_CRAWL_DELAY, normalize_url
from ingest.load import PAGE_SUFFIXES, Outcome
from ingest.parse import slug_from_url
from search import (
    EventIndex,
    IndexCorrupt,
    IndexNotFound,
    IndexOutdated,
    QueryError,
    SearchError,
    UpdateReport,
    create_index,
    default_index_dir,
    open_index,
)
from search.check import check_index
from search.params import MAX_PAGE, MAX_PER_PAGE, SORTS, parse_year_filter

#: In the index folder: what each source gave at the last run (ingest/manifest.py).
SOURCES_FILE = "sources.json"

#: A folder source's synonyms file, used unless another is given.
SYNONYMS_NAME = "synonyms.txt"

#: The corpus that ships with eventsearch, used when no source is given.
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

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
    fresh = {_event_of(item).slug for item in items if _event_of(item) is not None}
    for item in items:
        if isinstance(item, _File) and item.outcome is None and item.old.slug in fresh:
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


_CRAWL_OPTIONS = (
    click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
                 help="Seconds between two requests to a site (robots.txt may ask for more, "
                 f"up to {MAX_CRAWL_DELAY:g} s)."),
    click.option("--max-pages", type=click.IntRange(min=1), default=1000, show_default=True,
                 help="Pages fetched from one site at most."),
    click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
                 show_default=True, help="Seconds one request to a site may take in all."),
)


def crawl_options(command: Callable) -> Callable:
    """The --delay, --max-pages and --timeout options, given to the command as one
    ``crawling`` argument."""

    @functools.wraps(command)
    def run(*args, delay: float, max_pages: int, timeout: float, **kwargs):
        return command(*args, crawling=CrawlOptions(delay, max_pages, timeout), **kwargs)

    for option in reversed(_CRAWL_OPTIONS):
        run = option(run)
    return run


class _Commands(click.Group):
    """The command group: a search error anywhere is a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SearchError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eventsearch")
@click.option("-v", "--verbose", is_flag=True, help="Log what is going on to stderr.")
def cli(verbose: bool) -> None:
    """eventsearch: full-text search over event narratives."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # bs4 logs each page it had to decode with replacement characters; the page still counts.
    logging.getLogger("bs4.dammit").setLevel(logging.ERROR)


@cli.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of Event records.")
@crawl_options
def parse(source: str, as_json: bool, crawling: CrawlOptions) -> None:
    """Print the records the indexer would see for SOURCE (a file, a folder or a URL).

    Skipped pages are listed on stderr with their reasons.
    """
    read = read_sources([source], crawling=crawling)
    result = read.result
    report_skipped(result)
    for note in read.notes:
        click.echo(note, err=True)
    if not result.events:
        raise click.ClickException(f"no event could be parsed from {source}")
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in result.events], indent=2,
                              ensure_ascii=False))
        return
    for event in result.events:
        _echo_event(event)


def _echo_event(event: Event) -> None:
    click.secho(event.title, bold=True)
    meta = " · ".join(str(x) for x in (event.year, event.category) if x)
    click.echo(f"  {event.slug}  {meta}  {event.url}")
    if event.summary:
        click.echo(f"  {event.summary}")
    for section in event.sections:
        click.echo(f"  § {section.heading} (#{section.anchor}): {len(section.text.split())} words")
    if event.figures:
        click.echo(f"  Key figures: {'; '.join(event.figures)}")
    if event.impact:
        click.echo(f"  Lasting impact: {len(event.impact.split())} words")
    for link in event.related:
        click.echo(f"  → {link.title} ({link.year or '?'}) [{link.slug}]")
    click.echo("")


INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
    default=None, help="Index folder [default: $EVENTSEARCH_INDEX or "
    "~/.local/share/eventsearch/index].",
)


def _index_dir(index_dir: Path | None) -> Path:
    return index_dir or default_index_dir()


def _open(index_dir: Path | None) -> EventIndex:
    try:
        return open_index(_index_dir(index_dir))
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None


def _without_advice(error: SearchError) -> str:
    """An error's message without its closing advice (``: rebuild it with ...``)."""
    return str(error).rsplit(": rebuild it", 1)[0]


def build_index(sources: list[str], index_dir: Path, *, rebuild: bool = False,
                add: bool = False, crawling: CrawlOptions = CrawlOptions(),
                quiet: bool = False,
                synonyms: Path | bool | None = None) -> tuple[EventIndex, UpdateReport]:
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
    return index, report


def apply_synonyms(index: EventIndex, sources: list[str], chosen: Path | bool | None, *,
                   quiet: bool = False) -> None:
    """Give the index its synonyms file (search/synonyms.py), read afresh: the one chosen,
    else the one it already uses, else the first ``synonyms.txt`` of a folder source."""
    if chosen is False:
        index.use_synonyms(None)
        return
    path = chosen
    if path is None:
        recorded = index.synonyms().source
        if recorded and not Path(recorded).is_file():
            if not quiet:
                click.echo(f"the synonyms file {recorded} is gone: the index keeps its copy",
                           err=True)
            return
        path = Path(recorded) if recorded else next(
            (Path(s) / SYNONYMS_NAME for s in sources
             if not is_url(s) and (Path(s) / SYNONYMS_NAME).is_file()), None)
    if path is None:
        return
    found = index.use_synonyms(path)
    if not quiet:
        click.echo(f"synonyms: {len(found)} groups from {found.source}", err=True)


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
    _save(manifest)
    return dataclasses.replace(report, unchanged=report.unchanged + len(read.carried))


def _save(manifest: SourceManifest) -> None:
    try:
        manifest.save()
    except OSError as exc:
        click.echo(f"could not record the sources in {manifest.path} ({exc.strerror or exc}): "
                   "the next run reads every page again", err=True)


def _echo_report(target: Path, report: UpdateReport, as_json: bool) -> None:
    for note in report.notes:
        click.echo(note, err=True)
    if as_json:
        keys = ("added", "updated", "deleted", "unchanged", "skipped")
        click.echo(json.dumps({k: getattr(report, k) for k in keys}))
        return
    click.echo(f"{target}: {report.added} added, {report.updated} updated, "
               f"{report.deleted} deleted, {report.unchanged} unchanged, "
               f"{report.skipped} skipped ({report.elapsed_s:.2f} s)")


JSON_REPORT_OPTION = click.option("--json", "as_json", is_flag=True,
                                  help="Print the update report as JSON.")


@cli.command()
@click.argument("sources", nargs=-1)
@INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="Rewrite the whole index, not just what changed.")
@click.option("--watch", is_flag=True,
              help="Then watch the folders and files and index what changes (Ctrl+C stops).")
@click.option("--synonyms", "synonyms_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The synonyms file searches use [default: the one the index uses, read "
                   "again; else synonyms.txt in a folder source].")
@click.option("--no-synonyms", is_flag=True, help="Search with no synonyms from now on.")
@JSON_REPORT_OPTION
@crawl_options
def index(sources: tuple[str, ...], index_dir: Path | None, rebuild: bool, watch: bool,
          synonyms_file: Path | None, no_synonyms: bool, as_json: bool,
          crawling: CrawlOptions) -> None:
    """Index event pages from SOURCES (folders, files, page or site URLs).

    Without SOURCES, indexes the bundled corpus. The index ends up holding exactly the
    events of SOURCES: new pages are added, changed ones replaced, and events whose pages
    are gone deleted (a page that merely failed to load this time is kept). Only what
    changed is written, in one commit: searches never see half an update. To add or
    replace some events and keep the others, use `add`. The synonyms file is read again
    each time (docs/query-language.md, "Synonyms").
    """
    target = _index_dir(index_dir)
    sources = list(sources) or [str(BUNDLED_CORPUS)]
    synonyms = False if no_synonyms else synonyms_file
    if watch:
        if urls := [s for s in sources if is_url(s)]:
            raise click.UsageError(f"--watch watches folders and files, not URLs: {urls[0]}")
        watch_sources(sources, target, rebuild=rebuild, as_json=as_json, synonyms=synonyms)
        return
    _, report = build_index(sources, target, rebuild=rebuild, crawling=crawling,
                            synonyms=synonyms)
    _echo_report(target, report, as_json)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@INDEX_OPTION
@JSON_REPORT_OPTION
@crawl_options
def add(sources: tuple[str, ...], index_dir: Path | None, as_json: bool,
        crawling: CrawlOptions) -> None:
    """Add the events of SOURCES (folders, files, page or site URLs) to the index.

    Events SOURCES gave before are replaced by what they give now, and those they give no
    more are deleted; every other event stays. Creates the index if there is none.
    """
    target = _index_dir(index_dir)
    _, report = build_index(list(sources), target, add=True, crawling=crawling)
    _echo_report(target, report, as_json)


@cli.command()
@click.argument("slugs", nargs=-1, required=True)
@INDEX_OPTION
@JSON_REPORT_OPTION
def remove(slugs: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """Remove the events SLUGS from the index.

    All or nothing: if a SLUG is not in the index, nothing is removed. An `index` or
    `add` of a source that still has the page brings its event back.
    """
    target = _index_dir(index_dir)
    index = _open(index_dir)
    wanted = set(slugs)
    if unknown := [slug for slug in dict.fromkeys(slugs) if slug not in index.slugs()]:
        listed = ", ".join(repr(slug) for slug in unknown)
        raise click.ClickException(f"no event {listed} in the index; nothing removed")
    try:
        report = index.update([], delete_missing=False, delete=wanted)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = SourceManifest(target / SOURCES_FILE)
    manifest.drop_slugs(wanted)
    _save(manifest)
    _echo_report(target, report, as_json)


def watch_sources(sources: list[str], target: Path, *, rebuild: bool = False,
                  as_json: bool = False, synonyms: Path | bool | None = None) -> None:
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

    def run(rebuild: bool = False, synonyms: Path | bool | None = None) -> None:
        try:
            _, report = build_index(sources, target, rebuild=rebuild, synonyms=synonyms)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            return
        _echo_report(target, report, as_json)

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


def parse_year_option(ctx, param, value: str | None):
    """``--year``: the same grammar as the web's ``year=`` (search/params.py)."""
    if value is None:
        return None
    try:
        return parse_year_filter(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None


def terminal_snippet(snippet: str) -> str:
    """A safe-HTML snippet as terminal text, matched words in bold."""
    parts = re.split(r"</?mark>", snippet)
    return "".join(click.style(html.unescape(p), bold=True) if i % 2 else html.unescape(p)
                   for i, p in enumerate(parts))


@cli.command()
@click.argument("query", default="")
@INDEX_OPTION
@click.option("--year", callback=parse_year_option,
              help="A year, a range or a decade: 2023, 2020..2024, 2020.., ..1990, 1980s.")
@click.option("--category", help="Only events of this category (Model, Research, ...).")
@click.option("--figure", help="Only events with this person among the key figures.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance",
              show_default=True, help="Order of the results.")
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True,
              help="Results per page.")
@click.option("--no-synonyms", is_flag=True,
              help="Search only the words as typed, not their synonyms.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(query: str, index_dir: Path | None, year, category: str | None,
           figure: str | None, sort: str, page: int, limit: int, no_synonyms: bool,
           as_json: bool) -> None:
    """Search the index for QUERY (see docs/query-language.md for the syntax)."""
    index = _open(index_dir)
    try:
        results = index.search(query, year=year, category=category, figure=figure,
                               sort=sort, page=page, per_page=limit,
                               synonyms=not no_synonyms)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(results.to_dict(), indent=2, ensure_ascii=False))
        return
    shown = f"{results.total} result{'s' if results.total != 1 else ''}"
    click.echo(f"{shown} ({results.elapsed_ms:.1f} ms), page {results.page} of {results.pages}")
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}")
    if results.expansions:
        also = "; ".join(f"{', '.join(e.also)} for {e.typed!r}" for e in results.expansions)
        click.echo(f"Also searching: {also} (--no-synonyms searches only the words as typed)")
    for note in results.notes:
        click.echo(f"Note: {note}", err=True)
    for rank, hit in enumerate(results.hits, (results.page - 1) * results.per_page + 1):
        meta = " · ".join(str(x) for x in (hit.year, hit.category) if x)
        click.echo("")
        click.echo(f"{rank}. {click.style(hit.title, bold=True)}  ({meta})  [{hit.slug}]")
        click.echo(f"   {terminal_snippet(hit.snippet)}")
        for section in hit.sections:
            click.echo(f"   § {section.heading} (#{section.anchor})")


@cli.command()
@click.argument("slug")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the event as JSON.")
def show(slug: str, index_dir: Path | None, as_json: bool) -> None:
    """Show the indexed event SLUG."""
    event = _open(index_dir).get(slug)
    if event is None:
        raise click.ClickException(f"no event {slug!r} in the index")
    if as_json:
        click.echo(json.dumps(event.to_dict(), indent=2, ensure_ascii=False))
        return
    meta = " · ".join(str(x) for x in (event.year, event.category) if x)
    click.secho(event.title, bold=True)
    click.echo(f"{meta}  [{event.slug}]  {event.url}\n")
    click.echo(f"{event.summary}\n")
    for section in event.sections:
        click.secho(section.heading, bold=True)
        click.echo(f"{section.text}\n")
    if event.figures:
        click.echo(f"Key figures: {'; '.join(event.figures)}")
    if event.impact:
        click.echo(f"Lasting impact: {event.impact}")
    for link in event.related:
        click.echo(f"Related: {link.title} ({link.year or '?'}) [{link.slug}]")


@cli.command()
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(index_dir: Path | None, as_json: bool) -> None:
    """Show what the index holds."""
    numbers = _open(index_dir).stats()
    if as_json:
        click.echo(json.dumps(numbers.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"index:       {numbers.path} (schema {numbers.schema_version}, "
               f"generation {numbers.generation}, {numbers.segments} segment(s))")
    click.echo(f"events:      {numbers.events}, {numbers.first_year} to {numbers.last_year}")
    click.echo(f"people:      {numbers.figures}")
    click.echo("categories:  " + ", ".join(f"{c.value} {c.count}" for c in numbers.categories))
    click.echo(f"size:        {numbers.size_bytes / 1e6:.1f} MB")


@cli.command()
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(index_dir: Path | None, as_json: bool) -> None:
    """Read every file of the index and check it is as it was written (exit code 1 if not).

    Checks the table of contents, the size and CRC-32 of every file of the last commit,
    and every stored event. A damaged index is rebuilt by `eventsearch index --rebuild`.
    """
    found = check_index(_index_dir(index_dir))
    if as_json:
        click.echo(json.dumps({**found.to_dict(), "ok": found.ok}, indent=2))
    else:
        click.echo(f"{found.path}: {found.events} events in {found.segments} segment(s), "
                   f"{found.files} files ({found.bytes_read / 1e6:.1f} MB) read")
        for problem in found.problems:
            click.echo(f"problem: {problem}", err=True)
        click.echo("ok: the index is whole" if found.ok else
                   f"damaged: {len(found.problems)} problem(s); rebuild it with "
                   "`eventsearch index --rebuild`")
    if not found.ok:
        sys.exit(1)


@cli.command()
@INDEX_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads of the WSGI server.")
def serve(index_dir: Path | None, host: str, port: int, threads: int) -> None:
    """Serve the search site and JSON API with waitress (a production WSGI server).

    With no index yet, first builds one from the bundled corpus. A re-index run in another
    terminal shows up on the next request, without a restart.
    """
    import waitress

    from web import create_app

    target = _index_dir(index_dir)
    try:
        open_index(target)
    except IndexNotFound:
        click.echo(f"No index at {target} yet: building it from the bundled corpus.", err=True)
        _, report = build_index([str(BUNDLED_CORPUS)], target)
        click.echo(f"Indexed {report.added} events.", err=True)
    except IndexOutdated as exc:
        click.echo(f"{exc}; rebuilding it from the bundled corpus.", err=True)
        build_index([str(BUNDLED_CORPUS)], target, rebuild=True)
    app = create_app({"INDEX": str(target)})
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="eventsearch")
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Serving eventsearch at http://{shown_host}:{server.effective_port}/ "
               "(Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.close()


def main() -> None:
    """Console entry point."""
    cli(prog_name="eventsearch")
