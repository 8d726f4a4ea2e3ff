"""The ``eventsearch`` command: the one place that wires ingest, search and web together."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from ingest import (
    CrawlError,
    Event,
    Listing,
    LoadResult,
    Skipped,
    find_pages,
    iter_crawl,
    iter_directory,
)

#: The corpus that ships with eventsearch, used when no source is given.
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def is_url(source: str) -> bool:
    """True for an http(s) URL, which is crawled rather than read from disk."""
    return source.startswith(("http://", "https://"))


def read_sources(sources: list[str], *, label: str = "Parsing",
                 workers: int = 1, delay: float = 1.0) -> LoadResult:
    """Parse files, folders and site URLs into one result, with a progress bar on a terminal.

    :raises click.ClickException: a source does not exist or is not a usable URL.
    """
    for source in sources:
        if not is_url(source) and not Path(source).exists():
            raise click.ClickException(f"no such file or folder: {source}")
    outcomes: list[Event | Skipped | Listing] = []
    for source in sources:
        if is_url(source):
            outcomes.extend(_crawl_with_progress(source, label, delay))
        else:
            stream = iter_directory(source, workers=workers)
            if not sys.stderr.isatty():
                outcomes.extend(stream)
                continue
            with click.progressbar(stream, length=len(find_pages(source)), label=label,
                                   file=sys.stderr, show_pos=True) as bar:
                outcomes.extend(bar)
    return LoadResult.collect(outcomes)


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


def report_skipped(result: LoadResult) -> None:
    """List skipped pages with their reasons, and listing pages, on stderr."""
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.source}: {skipped.reason}", err=True)
    for listing in result.listings:
        click.echo(f"listing page (links followed, not an event): {listing.source}", err=True)


DELAY_OPTION = click.option(
    "--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
    help="Seconds between two requests when crawling a site (robots.txt may ask for more).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    result = read_sources([source], delay=delay)
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


def main() -> None:
    """Console entry point."""
    cli(prog_name="eventsearch")
