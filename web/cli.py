"""The ``eventsearch`` command: the one place that wires ingest, search and web together.

The commands that read sources import web/indexing.py (the parser, the crawler) when
they run, and ``serve`` imports the web app: ``eventsearch search`` starts with neither.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from eventsearch.corpus import BUNDLED_CORPUS
from eventsearch.ingest import Event
from eventsearch.ingest.limits import MAX_CRAWL_DELAY
from eventsearch.search import (
    EventIndex,
    Explanation,
    IndexNotFound,
    IndexOutdated,
    QueryError,
    SearchError,
    Snippet,
    default_index_dir,
    open_index,
)
from eventsearch.search.check import check_index
from eventsearch.search.params import MAX_PAGE, MAX_PER_PAGE, SORTS, Sort, parse_year_filter

from eventsearch import __version__

if TYPE_CHECKING:
    from eventsearch.web.indexing import CrawlOptions




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
        from eventsearch.web.indexing import CrawlOptions

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
@click.version_option(version=__version__, prog_name="eventsearch")
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
    from eventsearch.web import indexing

    read = indexing.read_sources([source], crawling=crawling)
    result = read.result
    indexing.report_skipped(result)
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
    each time (docs/query-language.md, "Synonyms"), and so is the alias file of people's
    names: the one the index uses, else a folder's people.txt (docs/search.md, "People").
    """
    from eventsearch.web import indexing

    target = _index_dir(index_dir)
    chosen = list(sources) or [str(BUNDLED_CORPUS)]
    synonyms: Path | Literal[False] | None = False if no_synonyms else synonyms_file
    if watch:
        if urls := [s for s in chosen if indexing.is_url(s)]:
            raise click.UsageError(f"--watch watches folders and files, not URLs: {urls[0]}")
        indexing.watch_sources(chosen, target, rebuild=rebuild, as_json=as_json,
                               synonyms=synonyms)
        return
    _, report = indexing.build_index(chosen, target, rebuild=rebuild, crawling=crawling,
                                     synonyms=synonyms)
    indexing.echo_report(target, report, as_json)


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
    from eventsearch.web import indexing

    target = _index_dir(index_dir)
    _, report = indexing.build_index(list(sources), target, add=True, crawling=crawling)
    indexing.echo_report(target, report, as_json)


@cli.command()
@click.argument("slugs", nargs=-1, required=True)
@INDEX_OPTION
@JSON_REPORT_OPTION
def remove(slugs: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """Remove the events SLUGS from the index.

    All or nothing: if a SLUG is not in the index, nothing is removed. An `index` or
    `add` of a source that still has the page brings its event back.
    """
    from eventsearch.ingest import SourceManifest
    from eventsearch.web import indexing

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
    manifest = SourceManifest(target / indexing.SOURCES_FILE)
    manifest.drop_slugs(wanted)
    indexing.save_manifest(manifest)
    indexing.echo_report(target, report, as_json)


def parse_year_option(ctx, param, value: str | None):
    """``--year``: the same grammar as the web's ``year=`` (search/params.py)."""
    if value is None:
        return None
    try:
        return parse_year_filter(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None


def terminal_snippet(snippet: Snippet) -> str:
    """A snippet as terminal text, the matched words in bold."""
    return "".join(click.style(part, bold=True) if marked else part
                   for part, marked in snippet.parts())


@cli.command()
@click.argument("query", default="")
@INDEX_OPTION
@click.option("--year", callback=parse_year_option,
              help="A year, a range or a decade: 2023, 2020..2024, 2020.., ..1990, 1980s.")
@click.option("--category", help="Only events of this category (Model, Research, ...).")
@click.option("--figure", help="Only events with this person among the key figures.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance",
              show_default=True, help="Order of the results: year (oldest first), -year "
              "(newest first), added (newest indexed first).")
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True,
              help="Results per page.")
@click.option("--no-synonyms", is_flag=True,
              help="Search only the words as typed, not their synonyms.")
@click.option("--explain", is_flag=True,
              help="Show why each hit scored what it did: each term's BM25F parts by field.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(query: str, index_dir: Path | None, year, category: str | None,
           figure: str | None, sort: Sort, page: int, limit: int, no_synonyms: bool,
           explain: bool, as_json: bool) -> None:
    """Search the index for QUERY (see docs/query-language.md for the syntax)."""
    index = _open(index_dir)
    try:
        results = index.search(query, year=year, category=category, figure=figure,
                               sort=sort, page=page, per_page=limit,
                               synonyms=not no_synonyms, explain=explain)
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
        if hit.explanation is not None:
            for line in explanation_lines(hit.explanation):
                click.echo(f"   {line}")


def explanation_lines(explanation: Explanation) -> list[str]:
    """A hit's explanation as lines of text: the score, then each part, largest first."""
    lines = [f"score {explanation.score:.4f} = the sum of:"
             + ("" if explanation.all_words else " (not all the words: ranked after those)")]
    for part in sorted(explanation.parts, key=lambda p: -p.score):
        if part.kind in ("not", "filter"):
            lines.append(f"  {part.score:8.4f}  {part.kind} {part.terms[0][0]}")
            continue
        wordings = " | ".join(
            " ".join(terms) + ("" if weight == 1 else f" x{weight:g}")
            for terms, weight in zip(part.terms, part.weights, strict=True))
        within = f' in "{" ".join(part.phrase)}"' if part.phrase else ""
        lines.append(
            f"  {part.score:8.4f}  {wordings}{within} in {part.field}: tf {part.tf:g}, "
            f"length {part.field_length:g} (mean {part.average_length:.1f}), "
            f"idf {part.idf:.3f} (df {part.document_frequency}), boost {part.boost:g}")
    for typed, fixed in explanation.corrections:
        lines.append(f"  spelling: {typed!r} also searched as {fixed!r}")
    for expansion in explanation.expansions:
        lines.append(f"  synonyms: {', '.join(expansion.also)} for {expansion.typed!r}")
    if explanation.filters:
        lines.append(f"  filtered by (no score): {', '.join(explanation.filters)}")
    return lines


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
              help="Port to listen on (0: any free port).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: one per core).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker process.")
def serve(index_dir: Path | None, host: str, port: int, workers: int | None,
          threads: int) -> None:
    """Serve the search site and JSON API: worker processes under gunicorn (waitress where
    gunicorn does not run).

    With no index yet, first builds one from the bundled corpus. A re-index run in another
    terminal shows up in every worker on its next request, without a restart.
    """
    from eventsearch.web import create_app, indexing
    from eventsearch.web.serving import Serving, default_workers
    from eventsearch.web.serving import serve as run_server

    target = _index_dir(index_dir)
    try:
        open_index(target).close()
    except IndexNotFound:
        click.echo(f"No index at {target} yet: building it from the bundled corpus.", err=True)
        _, report = indexing.build_index([str(BUNDLED_CORPUS)], target)
        click.echo(f"Indexed {report.added} events.", err=True)
    except IndexOutdated as exc:
        click.echo(f"{exc}; rebuilding it from the bundled corpus.", err=True)
        indexing.build_index([str(BUNDLED_CORPUS)], target, rebuild=True)
    app = create_app({"INDEX": str(target)})

    def ready(host: str, port: int, how: str) -> None:
        shown_host = f"[{host}]" if ":" in host else host
        click.echo(f"Serving eventsearch at http://{shown_host}:{port}/ ({how}; "
                   "Ctrl+C to stop)")

    try:
        run_server(app, Serving(host, port, workers or default_workers(), threads), ready)
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)


def main() -> None:
    """Console entry point."""
    cli(prog_name="eventsearch")
