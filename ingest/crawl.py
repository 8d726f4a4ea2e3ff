"""Fetch a site's timeline page and the event pages it links to, politely."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import requests
from protego import Protego

from ingest.load import LoadResult, Outcome
from ingest.model import Listing, NotAnEvent, ParseError, Skipped
from ingest.parse import MAX_PAGE_BYTES, PARSE_TIME_LIMIT, parse_event

log = logging.getLogger(__name__)

USER_AGENT = "eventsearch-crawler/0.1 (+https://example.invalid/eventsearch)"
HTML_TYPES = ("text/html", "application/xhtml+xml")


class CrawlError(Exception):
    """The crawl could not start (the start URL is not an http(s) URL)."""


def normalize_url(url: str) -> str:
    """The form two URLs are compared in: no fragment, lower-case host, no default port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def crawl(start_url: str, **options) -> LoadResult:
    """Crawl a site from its timeline page; see :func:`iter_crawl` for the options."""
    return LoadResult.collect(iter_crawl(start_url, **options))


def iter_crawl(
    start_url: str,
    *,
    max_pages: int = 1000,
    delay: float = 1.0,
    timeout: float = 10.0,
    max_bytes: int = MAX_PAGE_BYTES,
    user_agent: str = USER_AGENT,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    parse_time_limit: float | None = PARSE_TIME_LIMIT,
) -> Iterator[Outcome]:
    """Fetch ``start_url`` and the pages it links to on the same host, yielding outcomes.

    Listing pages (timelines) are followed; event pages are yielded as events. Every
    failure (robots.txt, HTTP error, timeout, wrong type, too large, unparseable) is
    yielded as Skipped with its URL, and the crawl goes on.

    :param max_pages: stop after fetching this many pages.
    :param delay: seconds between two requests (raised to the site's Crawl-delay).
    :param timeout: seconds to connect, and to read a whole page.
    :param max_bytes: pages larger than this are skipped unread.
    :param parse_time_limit: seconds one page may take to parse; slower pages are skipped.
    :raises CrawlError: ``start_url`` is not an http(s) URL.
    """
    start = urlsplit(start_url)
    if start.scheme not in ("http", "https") or not start.hostname:
        raise CrawlError(f"not an http(s) URL: {start_url}")
    http = session or requests.Session()
    http.headers.setdefault("User-Agent", user_agent)
    http.max_redirects = 5
    host = normalize_url(start_url).split("/")[2]
    robots = _robots(http, start_url, timeout)
    crawl_delay = robots.crawl_delay(user_agent) if robots is not None else None
    delay = max(delay, float(crawl_delay or 0))

    queue: deque[tuple[str, bool]] = deque([(start_url, True)])
    seen = {normalize_url(start_url)}
    canonical_seen: set[str] = set()
    fetched = 0
    while queue and fetched < max_pages:
        url, follow = queue.popleft()
        if robots is not None and not robots.can_fetch(url, user_agent):
            yield Skipped(url, "disallowed by robots.txt")
            continue
        if fetched:
            sleep(delay)
        fetched += 1
        page = _fetch(http, url, timeout, max_bytes)
        if isinstance(page, Skipped):
            yield page
            continue
        final_url, data, encoding = page
        if normalize_url(final_url).split("/")[2] != host:
            yield Skipped(url, f"redirected off the site to {final_url}")
            continue
        if robots is not None and not robots.can_fetch(final_url, user_agent):
            yield Skipped(url, f"redirected to {final_url}, which robots.txt disallows")
            continue
        try:
            event = parse_event(data, final_url, encoding=encoding,
                                time_limit=parse_time_limit)
        except NotAnEvent as listing:
            yield Listing(url, listing.links)
            for link in listing.links:
                key = normalize_url(link)
                if key not in seen and key.split("/")[2] == host:
                    seen.add(key)
                    queue.append((link, True))
            continue
        except ParseError as exc:
            yield Skipped(url, str(exc))
            continue
        except RecursionError:
            yield Skipped(url, "markup nested too deeply to parse")
            continue
        key = normalize_url(event.url)
        if key in canonical_seen:
            log.debug("%s is a duplicate of %s", url, event.url)
            continue
        canonical_seen.add(key)
        seen.add(key)
        yield event
        if follow and url == start_url:
            # Started on an event page: its related events are the way into the site.
            for link in event.related:
                key = normalize_url(link.url)
                if key not in seen and key.split("/")[2] == host:
                    seen.add(key)
                    queue.append((link.url, False))
    if queue:
        for url, _ in queue:
            yield Skipped(url, f"not fetched: the page limit ({max_pages}) was reached")


def _robots(http: requests.Session, start_url: str, timeout: float) -> Protego | None:
    """The site's robots.txt rules, or None when everything may be fetched (RFC 9309)."""
    parts = urlsplit(start_url)
    robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    try:
        response = http.get(robots_url, timeout=timeout)
    except requests.RequestException as exc:
        log.warning("robots.txt unreachable (%s): fetching nothing", exc)
        return Protego.parse("User-agent: *\nDisallow: /\n")
    if response.status_code >= 500:
        log.warning("robots.txt gave HTTP %s: fetching nothing", response.status_code)
        return Protego.parse("User-agent: *\nDisallow: /\n")
    if response.status_code >= 400:
        return None
    return Protego.parse(response.text)


def _fetch(
    http: requests.Session, url: str, timeout: float, max_bytes: int
) -> tuple[str, bytes, str | None] | Skipped:
    """GET one page: (final URL, body, charset) or the reason it could not be had."""
    deadline = time.monotonic() + timeout
    try:
        with http.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                return Skipped(url, f"HTTP {response.status_code} {response.reason or ''}".strip())
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind and kind not in HTML_TYPES:
                return Skipped(url, f"not HTML: content type {kind}")
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                return Skipped(url, f"page too large: {declared:,} bytes (cap {max_bytes:,})")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    return Skipped(url, f"page too large: over the {max_bytes:,} byte cap")
                if time.monotonic() > deadline:
                    return Skipped(url, f"timed out after {timeout:g} s reading the page")
            charset = response.encoding if "charset" in response.headers.get(
                "Content-Type", "").lower() else None
            return response.url, bytes(body), charset
    except requests.Timeout:
        return Skipped(url, f"timed out after {timeout:g} s")
    except requests.TooManyRedirects:
        return Skipped(url, "too many redirects")
    except requests.RequestException as exc:
        return Skipped(url, f"fetch failed: {type(exc).__name__}")

