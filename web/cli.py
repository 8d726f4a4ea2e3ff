"""The ``eventsearch`` command: the one place that wires ingest, search and web together."""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

from ingest import (
    CrawlError,
    Event,
    Listing,
    LoadResult,
    Skipped,
    SourceManifest,
    find_pages,
    iter_crawl,
    iter_files,
)
from ingest.parse import slug_from_url
from search import (
    EventIndex,
    IndexCorrupt,
    IndexNotFound,
    IndexOutdated,
    QueryError,
    SearchError,
    create_index,
    default_index_dir,
    open_index,
)
from search.check import check_index
from search.params import MAX_PAGE, MAX_PER_PAGE, SORTS, parse_year_filter

#: In the index folder: each page file's size, modification time and slug at the last run.
SOURCES_FILE = "sources.json"

#: A folder source's synonyms file, used unless another is given.
SYNONYMS_NAME = "synonyms.txt"

#: The corpus that ships with eventsearch, used when no source is given.
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def is_url(source: str) -> bool:
    """True for an http(s) URL, which is crawled rather than read from disk."""
    return source.startswith(("http://", "https://"))


@dataclass
class Sources:
    """What reading the sources gave: the parsed result, and the page files behind it."""

    result: LoadResult
    carried: dict[Path, str] = field(default_factory=dict)  # not read again: unchanged
    files: dict[Path, str] = field(default_factory=dict)  # read now: slug, "" for listings


def read_sources(sources: list[str], *, label: str = "Parsing", workers: int = 1,
                 delay: float = 1.0,
                 reuse: Callable[[Path], str | None] | None = None) -> Sources:
    """Parse files, folders and site URLs, with a progress bar on a terminal.

    :param reuse: gives the slug of a page file that need not be read again (unchanged
        since the last index), or None to read it.
    :raises click.ClickException: a source does not exist or is not a usable URL.
    """
    for source in sources:
        if not is_url(source) and not Path(source).exists():
            raise click.ClickException(f"no such file or folder: {source}")
    outcomes: list[Event | Skipped | Listing] = []
    read = Sources(LoadResult((), (), ()))
    for source in sources:
        if is_url(source):
            outcomes.extend(_crawl_with_progress(source, label, delay))
            continue
        todo = []
        for page in find_pages(source):
            slug = reuse(page) if reuse is not None else None
            if slug is None:
                todo.append(page)
            else:
                read.carried[page] = slug
        stream = iter_files(todo, workers=workers)
        if sys.stderr.isatty() and todo:
            with click.progressbar(stream, length=len(todo), label=label, file=sys.stderr,
                                   show_pos=True) as bar:
                parsed = list(bar)
        else:
            parsed = list(stream)
        for page, outcome in zip(todo, parsed, strict=True):
            if isinstance(outcome, Event):
                read.files[page] = outcome.slug
            elif isinstance(outcome, Listing):
                read.files[page] = ""
        outcomes.extend(parsed)
    read.result = LoadResult.collect(outcomes)
    return read


def _crawl_with_progress(url: str, label: str,
                         delay: float) -> Iterator[Event | Skipped | Listing]:
    try:
        stream = iter_crawl(url, delay=delay)
        for count, outcome in enumerate(stream, 1):
            if sys.stderr.isatty():
                click.echo(f"\r{label} {url}: {count} pages", nl=False, err=True)
            yield outcome
    except CrawlError as exc:
        raise click.ClickException(str(exc)) from None
    if sys.stderr.isatty():
        click.echo("", err=True)


def report_skipped(result: LoadResult, *, listings: bool = True) -> None:
    """List skipped pages with their reasons (and listing pages) on stderr."""
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.source}: {skipped.reason}", err=True)
    for listing in result.listings if listings else ():
        click.echo(f"listing page (links followed, not an event): {listing.source}", err=True)


DELAY_OPTION = click.option(
    "--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
    help="Seconds between two requests when crawling a site (robots.txt may ask for more).",
)


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
@DELAY_OPTION
def parse(source: str, as_json: bool, delay: float) -> None:
    """Print the records the indexer would see for SOURCE (a file, a folder or a URL).

    Skipped pages are listed on stderr with their reasons.
    """
    result = read_sources([source], delay=delay).result
    report_skipped(result)
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
                delay: float = 1.0, quiet: bool = False,
                synonyms: Path | bool | None = None):
    """Parse the sources and bring the index at ``index_dir`` in line with them.

    Page files unchanged since the last run (same size and modification time, recorded in
    the index folder) are not read again, so editing one page of thousands costs one page.

    :param synonyms: the synonyms file to use, False for none, None for the one the index
        already uses (read again), else a folder source's ``synonyms.txt``.
    """
    try:
        try:
            index = open_index(index_dir)
        except IndexNotFound:
            index = create_index(index_dir)
            rebuild = True
        except (IndexOutdated, IndexCorrupt) as exc:
            if not quiet:
                click.echo(f"{_without_advice(exc)}; rebuilding it now", err=True)
            index = create_index(index_dir)
            rebuild = True
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = SourceManifest(index_dir / SOURCES_FILE)
    indexed = set() if rebuild else set(index.slugs())

    def reuse(page: Path) -> str | None:
        slug = manifest.unchanged(page)
        return slug if slug == "" or slug in indexed else None

    workers = min(4, os.cpu_count() or 1)
    read = read_sources(sources, label="Reading pages", workers=workers, delay=delay,
                        reuse=None if rebuild else reuse)
    result = read.result
    if not quiet:
        report_skipped(result, listings=False)
    carried = {slug for slug in read.carried.values() if slug}
    if not result.events and not carried:
        raise click.ClickException("no event could be parsed from "
                                   f"{', '.join(sources)}; the index is unchanged")
    failed = {slug_from_url(s.source) if is_url(s.source) else Path(s.source).stem
              for s in result.skipped}
    options = {"skipped": len(result.skipped), "keep": failed | carried, "rebuild": rebuild}
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
    manifest.save({**read.carried, **read.files})
    apply_synonyms(index, sources, synonyms, quiet=quiet)
    return index, dataclasses.replace(report, unchanged=report.unchanged + len(carried))


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


@cli.command()
@click.argument("sources", nargs=-1)
@INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="Rewrite the whole index, not just what changed.")
@click.option("--json", "as_json", is_flag=True, help="Print the update report as JSON.")
@click.option("--synonyms", "synonyms_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The synonyms file searches use [default: the one the index uses, read "
                   "again; else synonyms.txt in a folder source].")
@click.option("--no-synonyms", is_flag=True, help="Search with no synonyms from now on.")
@DELAY_OPTION
def index(sources: tuple[str, ...], index_dir: Path | None, rebuild: bool, as_json: bool,
          synonyms_file: Path | None, no_synonyms: bool, delay: float) -> None:
    """Index event pages from SOURCES (folders, files or site URLs).

    Without SOURCES, indexes the bundled corpus. The index ends up holding exactly the
    events of SOURCES: new pages are added, changed ones replaced, and events whose pages
    are gone deleted (a page that merely failed to load this time is kept). Only what
    changed is written, in one commit: searches never see half an update. The synonyms
    file is read again each time (docs/query-language.md, "Synonyms").
    """
    target = _index_dir(index_dir)
    _, report = build_index(list(sources) or [str(BUNDLED_CORPUS)], target, rebuild=rebuild,
                            delay=delay, synonyms=False if no_synonyms else synonyms_file)
    if as_json:
        keys = ("added", "updated", "deleted", "unchanged", "skipped")
        click.echo(json.dumps({k: getattr(report, k) for k in keys}))
        return
    for note in report.notes:
        click.echo(note, err=True)
    click.echo(f"{target}: {report.added} added, {report.updated} updated, "
               f"{report.deleted} deleted, {report.unchanged} unchanged, "
               f"{report.skipped} skipped ({report.elapsed_s:.2f} s)")


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
