"""Fetch the event pages of a site politely: one host, robots.txt obeyed, every request
capped in size (after decompression) and in time (redirects and download included)."""

from __future__ import annotations

import logging
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html
import requests
import urllib3
from eventsearch.ingest.limits import MAX_CRAWL_DELAY, MAX_PAGE_BYTES, PARSE_TIME_LIMIT
from eventsearch.ingest.load import LoadResult, Outcome
from eventsearch.ingest.manifest import PageRecord
from eventsearch.ingest.model import Listing, NotAnEvent, NotModified, ParseError, Skipped
from eventsearch.ingest.parse import decode_html, parse_event
from protego import Protego
from requests.utils import get_encoding_from_headers

log = logging.getLogger(__name__)

USER_AGENT = "eventsearch-crawler/0.1 (+https://example.invalid/eventsearch)"
HTML_TYPES = ("text/html", "application/xhtml+xml")

#: Redirects followed for one request, each checked before it is requested.
MAX_REDIRECTS = 5
#: Sitemap files (sitemap indexes included) read for one crawl.
MAX_SITEMAPS = 50

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE = frozenset({404, 410})
_READ_SIZE = 16 * 1024


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
    """Crawl a site from ``start_url``; see :class:`Crawler` for the options."""
    return LoadResult.collect(Crawler(start_url, **options))


def iter_crawl(start_url: str, **options) -> Iterator[Outcome]:
    """The outcomes of crawling a site from ``start_url``; see :class:`Crawler`."""
    return iter(Crawler(start_url, **options))


class SitemapError(ValueError):
    """A sitemap cannot be read; the message says why."""


@dataclass(frozen=True)
class _Response:
    url: str  # after redirects
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class _Failure:
    reason: str
    transient: bool = True  # another try may well succeed
    gone: bool = False  # the page is no more (404, 410)


class Crawler:
    """One crawl of a site; iterate over it for its outcomes, in the order pages are fetched.

    A start page that is an event is fetched with the events it names as related. A start
    page that holds no event (a timeline, a home page) starts a crawl of the site: the links
    of every page fetched on the same host, and the pages listed in the site's sitemaps
    (robots.txt's ``Sitemap:`` lines and ``/sitemap.xml``). A start page that cannot be
    had (an HTTP error, a page that fails to parse) ends the crawl. Every other failure is
    yielded as Skipped with its URL and reason, and the crawl goes on. Afterwards:

    - ``pages``: each page fetched (or unchanged), normalized URL to its record;
    - ``failed``: pages that could not be had this time (their old events stay);
    - ``gone``: pages that answered 404 or 410;
    - ``complete``: False if a failure may have hidden pages (robots.txt unreachable, a
      server error, a timeout, a malformed sitemap, the page limit);
    - ``notes``: what the crawl changed of what the site asked (a Crawl-delay cut to the cap).

    :param known: records of the last crawl (normalized URL to record): those pages are
        asked for with If-None-Match/If-Modified-Since, and a 304 yields NotModified.
    :param max_pages: stop after fetching this many pages.
    :param delay: seconds between two requests (raised to robots.txt's Crawl-delay, up to
        ``max_delay``).
    :param timeout: seconds one request may take in all: connecting, redirects, download.
    :param max_bytes: bodies larger than this (after decompression) are not read.
    :param parse_time_limit: seconds one page may take to parse; slower pages are skipped.
    :raises CrawlError: ``start_url`` is not an http(s) URL.
    """

    def __init__(
        self,
        start_url: str,
        *,
        known: Mapping[str, PageRecord] | None = None,
        max_pages: int = 1000,
        delay: float = 1.0,
        max_delay: float = MAX_CRAWL_DELAY,
        timeout: float = 10.0,
        max_bytes: int = MAX_PAGE_BYTES,
        user_agent: str = USER_AGENT,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        parse_time_limit: float | None = PARSE_TIME_LIMIT,
    ) -> None:
        start = urlsplit(start_url)
        if not _host(start_url) or not start.hostname:
            raise CrawlError(f"not an http(s) URL: {start_url}")
        self.start_url = start_url.split("#", 1)[0]
        self.known = dict(known or {})
        self.max_pages = max_pages
        self.delay = delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.http = session or requests.Session()
        self.sleep = sleep
        self.parse_time_limit = parse_time_limit
        self.pages: dict[str, PageRecord] = {}
        self.failed: set[str] = set()
        self.gone: set[str] = set()
        self.complete = True
        self.notes: list[str] = []
        self.fetched = 0
        self._host = _host(start_url)
        self._root = urlunsplit((start.scheme, start.netloc, "/", "", ""))
        self._robots: Protego | None = None
        self._queue: deque[str] = deque()
        self._seen: set[str] = set()
        self._canonical: set[str] = set()
        self._site = False  # crawling the whole site (the start page is no event)
        self._requests = 0

    @property
    def planned(self) -> int:
        """Pages fetched so far plus pages waiting: the size of the crawl as now known."""
        return self.fetched + len(self._queue)

    def __iter__(self) -> Iterator[Outcome]:
        if not (yield from self._read_robots()):
            return
        self._enqueue(self.start_url)
        yield from self._visit(self._queue.popleft(), start=True)
        if self._site:
            yield from self._read_sitemaps()
        while self._queue and self.fetched < self.max_pages:
            yield from self._visit(self._queue.popleft())
        if self._queue:
            self.complete = False
        for url in self._queue:
            self.failed.add(normalize_url(url))
            yield Skipped(url, f"not fetched: the page limit ({self.max_pages}) was reached")

    # -- pages --------------------------------------------------------------------------

    def _visit(self, url: str, *, start: bool = False) -> Iterator[Outcome]:
        key = normalize_url(url)
        if not self._allows(url):
            self.failed.add(key)
            yield Skipped(url, "disallowed by robots.txt")
            return
        record = self.known.get(key)
        self.fetched += 1
        got = self._get(url, record=record, types=HTML_TYPES)
        if isinstance(got, _Failure):
            if got.reason.startswith("too large"):
                got = _Failure(f"page {got.reason}", got.transient)
            yield self._fail(url, got)
            return
        if got.status == 304 and record is not None:
            # As it was last time: an event, or the way into the site, and the same links.
            self._site |= start and not record.slug
            self.pages[key] = record
            yield NotModified(url, record.slug)
            self._enqueue_all(record.links if self._site or start else ())
            return
        if got.status != 200:
            yield self._fail(url, _http_failure(got))
            return
        self._seen.add(normalize_url(got.url))
        etag, last_modified = got.headers.get("ETag"), got.headers.get("Last-Modified")
        try:
            event = parse_event(got.body, got.url, encoding=_charset(got.headers),
                                time_limit=self.parse_time_limit)
        except NotAnEvent as listing:
            self._site |= start
            links = page_links(got.body, got.url) if self._site else ()
            self.pages[key] = PageRecord(links=self._same_site(links), etag=etag,
                                         last_modified=last_modified)
            yield Listing(url, listing.links)
            self._enqueue_all(links)
            return
        except (ParseError, RecursionError) as exc:
            no_event = isinstance(exc, ParseError) and _is_no_event(exc)
            self._site |= start and no_event
            links = page_links(got.body, got.url) if self._site else ()
            if start and no_event:
                # A home page, say: the way into the site, as a listing is.
                self.pages[key] = PageRecord(links=self._same_site(links), etag=etag,
                                             last_modified=last_modified)
                yield Listing(url, links)
            else:
                self.failed.add(key)
                yield Skipped(url, "markup nested too deeply to parse" if isinstance(
                    exc, RecursionError) else str(exc))
            self._enqueue_all(links)
            return
        if start:
            # Started on an event page: its related events are the way into the site.
            links = tuple(link.url for link in event.related)
        else:
            links = page_links(got.body, got.url) if self._site else ()
        self.pages[key] = PageRecord(event.slug, event.content_hash,
                                     links=self._same_site(links), etag=etag,
                                     last_modified=last_modified)
        canonical = normalize_url(event.url)
        if canonical in self._canonical:
            log.debug("%s is a duplicate of %s", url, event.url)
        else:
            self._canonical.add(canonical)
            self._seen.add(canonical)
            yield event
        self._enqueue_all(links)

    def _fail(self, url: str, failure: _Failure) -> Skipped:
        key = normalize_url(url)
        if failure.gone:
            self.gone.add(key)
        else:
            self.failed.add(key)
            self.complete &= not failure.transient
        return Skipped(url, failure.reason)

    def _enqueue(self, url: str) -> None:
        url = url.split("#", 1)[0]
        if _host(url) != self._host:
            return
        key = normalize_url(url)
        if key not in self._seen:
            self._seen.add(key)
            self._queue.append(url)

    def _enqueue_all(self, links) -> None:
        for link in links:
            self._enqueue(link)

    def _same_site(self, links) -> tuple[str, ...]:
        return tuple(link for link in links if _host(link) == self._host)

    # -- robots.txt and sitemaps --------------------------------------------------------

    def _read_robots(self) -> Generator[Outcome, None, bool]:
        """Fetch robots.txt; returns False when nothing may be fetched (RFC 9309)."""
        url = urljoin(self._root, "/robots.txt")
        got = self._get(url, robots=False)
        if not isinstance(got, _Failure) and (got.status >= 500 or got.status == 429):
            got = _http_failure(got)
        if isinstance(got, _Failure):
            self.complete = False
            yield Skipped(url, f"robots.txt unreachable ({got.reason}): nothing fetched")
            return False
        if got.status != 200:
            return True
        self._robots = Protego.parse(got.body.decode("utf-8", "replace"))
        asked = self._robots.crawl_delay(self.user_agent)
        if asked is not None and float(asked) > self.max_delay:
            self.notes.append(f"robots.txt asks for a Crawl-delay of {float(asked):g} s: "
                              f"waiting {self.max_delay:g} s (the cap) between requests")
        self.delay = max(self.delay, min(float(asked or 0), self.max_delay))
        return True

    def _read_sitemaps(self) -> Iterator[Outcome]:
        """Queue the pages listed in the site's sitemaps (sitemap indexes followed)."""
        default = urljoin(self._root, "/sitemap.xml")
        todo: deque[tuple[str, bool]] = deque()
        for url in self._robots.sitemaps if self._robots is not None else ():
            todo.append((url, True))
        if normalize_url(default) not in {normalize_url(u) for u, _ in todo}:
            todo.append((default, False))
        done: set[str] = set()
        while todo:
            url, declared = todo.popleft()
            key = normalize_url(url)
            if key in done:
                continue
            done.add(key)
            if _host(url) != self._host:
                yield Skipped(url, "sitemap on another host: not fetched")
            elif len(done) > MAX_SITEMAPS:
                self.complete = False
                yield Skipped(url, f"sitemap not read: the limit ({MAX_SITEMAPS}) was reached")
            elif not self._allows(url):
                yield Skipped(url, "sitemap disallowed by robots.txt")
            else:
                yield from self._read_sitemap(url, declared, todo)

    def _read_sitemap(self, url: str, declared: bool,
                      todo: deque[tuple[str, bool]]) -> Iterator[Outcome]:
        got = self._get(url)
        if not isinstance(got, _Failure) and got.status != 200:
            if not declared and got.status in _GONE:
                return  # no sitemap at the usual place: nothing to say
            got = _http_failure(got)
        if isinstance(got, _Failure):
            self.complete &= not got.transient
            yield Skipped(url, f"sitemap not read: {got.reason}")
            return
        kind = got.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not declared and kind in HTML_TYPES:
            return  # a site that answers every path with a page
        try:
            index, locations = parse_sitemap(got.body, self.max_bytes)
        except SitemapError as exc:
            self.complete = False
            yield Skipped(url, f"malformed sitemap: {exc}")
            return
        for location in locations:
            if index:
                todo.append((urljoin(url, location), True))
            else:
                self._enqueue(urljoin(url, location))

    # -- HTTP ---------------------------------------------------------------------------

    def _allows(self, url: str) -> bool:
        return self._robots is None or self._robots.can_fetch(url, self.user_agent)

    def _pause(self) -> None:
        if self._requests:
            self.sleep(self.delay)
        self._requests += 1

    def _get(self, url: str, *, record: PageRecord | None = None,
             types: tuple[str, ...] | None = None, robots: bool = True) -> _Response | _Failure:
        """GET ``url`` within one deadline, each redirect checked before it is followed.

        :param record: what the page gave last time: its validators make the request
            conditional.
        :param types: content types accepted (others are not read); None for any.
        :param robots: check redirect targets against robots.txt.
        """
        self._pause()
        deadline = time.monotonic() + self.timeout
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"}
        if record is not None and record.etag:
            headers["If-None-Match"] = record.etag
        if record is not None and record.last_modified:
            headers["If-Modified-Since"] = record.last_modified
        hops = [normalize_url(url)]
        current = url
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Failure(f"timed out after {self.timeout:g} s")
            try:
                response = self.http.get(current, headers=headers, stream=True,
                                         allow_redirects=False,
                                         timeout=(remaining, remaining))
            except requests.Timeout:
                return _Failure(f"timed out after {self.timeout:g} s")
            except requests.RequestException as exc:
                return _Failure(f"fetch failed: {type(exc).__name__}")
            with response:
                if response.status_code not in _REDIRECTS:
                    return self._response(current, response, types, deadline)
                target = urljoin(current, response.headers.get("Location", ""))
            if _host(target) != self._host:
                return _Failure(f"redirected off the site to {target}", transient=False)
            if robots and not self._allows(target):
                return _Failure(f"redirected to {target}, which robots.txt disallows",
                                transient=False)
            if normalize_url(target) in hops:
                return _Failure(f"redirect loop at {target}", transient=False)
            if len(hops) > MAX_REDIRECTS:
                return _Failure(f"too many redirects (more than {MAX_REDIRECTS})",
                                transient=False)
            hops.append(normalize_url(target))
            current = target

    def _response(self, url: str, response: requests.Response,
                  types: tuple[str, ...] | None, deadline: float) -> _Response | _Failure:
        """The final answer to a request; its body read if it is a 200 of a wanted type."""
        headers = response.headers
        answer = _Response(url, response.status_code, response.reason or "", headers, b"")
        if response.status_code != 200:
            return answer
        kind = headers.get("Content-Type", "").split(";")[0].strip().lower()
        if types is not None and kind and kind not in types:
            return _Failure(f"not HTML: content type {kind}", transient=False)
        declared = headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            return _Failure(f"too large: {int(declared):,} bytes "
                            f"(cap {self.max_bytes:,})", transient=False)
        body = self._read(response, deadline)
        if isinstance(body, _Failure):
            return body
        return _Response(url, 200, answer.reason, headers, body)

    def _read(self, response: requests.Response, deadline: float) -> bytes | _Failure:
        """The body, decompressed, read in small pieces: no piece may outlast the deadline
        and no body may pass the size cap, however well it compresses."""
        coding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if coding in ("gzip", "x-gzip", "deflate"):
            inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header
        elif coding in ("", "identity"):
            inflater = None
        else:
            return _Failure(f"unsupported content encoding {coding}", transient=False)
        too_large = _Failure(f"too large: over the {self.max_bytes:,} byte cap",
                             transient=False)
        timed_out = _Failure(f"timed out after {self.timeout:g} s")
        body = bytearray()
        raw = response.raw
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return timed_out
            connection = raw.connection
            if connection is not None and connection.sock is not None:
                connection.sock.settimeout(remaining)
            try:
                piece = raw.read1(_READ_SIZE, decode_content=False)
            except urllib3.exceptions.ReadTimeoutError:
                return timed_out
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                return _Failure(f"fetch failed: {type(exc).__name__}")
            if not piece:
                return bytes(body)
            if inflater is not None:
                try:
                    piece = inflater.decompress(piece, self.max_bytes + 1 - len(body))
                except zlib.error:
                    return _Failure(f"corrupt {coding} body", transient=False)
            body += piece
            if len(body) > self.max_bytes:
                return too_large


def page_links(data: bytes, url: str) -> tuple[str, ...]:
    """Every ``<a href>`` of a page, absolute, without fragments, in page order."""
    try:
        text = decode_html(data)
        # lxml refuses text that still declares its byte encoding.
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        document = lxml.html.document_fromstring(text)
    except (ParseError, lxml.etree.ParserError, ValueError):
        return ()
    base = url
    for tag in document.iter("base"):
        if href := tag.get("href"):
            base = urljoin(url, href.strip())
            break
    links = []
    for anchor in document.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith("#"):
            links.append(urljoin(base, href).split("#", 1)[0])
    return tuple(dict.fromkeys(links))


def parse_sitemap(data: bytes, max_bytes: int = MAX_PAGE_BYTES) -> tuple[bool, list[str]]:
    """The locations a sitemap lists: (True if it is a sitemap index, locations).

    Reads XML sitemaps and sitemap indexes (gzip-compressed or not), and text sitemaps
    (one URL a line). Entities are not expanded and nothing is fetched.

    :raises SitemapError: the data is not a sitemap, or is larger than ``max_bytes``
        uncompressed.
    """
    if data[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, max_bytes + 1)
        except zlib.error as exc:
            raise SitemapError(f"corrupt gzip data ({exc})") from None
        if len(data) > max_bytes:
            raise SitemapError(f"over the {max_bytes:,} byte cap uncompressed")
    if not data.lstrip().startswith(b"<"):
        lines = data.decode("utf-8", "replace").split()
        return False, [line for line in lines if line.startswith(("http://", "https://"))]
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                  huge_tree=False)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise SitemapError(str(exc)) from None
    kind = lxml.etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"<{kind}> is not <urlset> or <sitemapindex>")
    locations = [loc.text.strip() for loc in root.iter("{*}loc") if loc.text and loc.text.strip()]
    return kind == "sitemapindex", locations


def _is_no_event(error: ParseError) -> bool:
    """The page was read and holds no event (no title, or no narrative): a home page, an
    index of some sort; not a page that failed to load."""
    return str(error).startswith(("no title", "no text"))


def _host(url: str) -> str:
    """The host (and port, unless the default) of an http(s) URL; "" for any other URL."""
    try:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return ""
        return normalize_url(url).split("/")[2]
    except ValueError:  # a malformed host or port
        return ""


def _charset(headers: Mapping[str, str]) -> str | None:
    """The charset the Content-Type header declares, if it declares one."""
    if "charset" not in headers.get("Content-Type", "").lower():
        return None
    return get_encoding_from_headers(headers)


def _http_failure(response: _Response) -> _Failure:
    transient = response.status >= 500 or response.status == 429
    return _Failure(f"HTTP {response.status} {response.reason}".strip(), transient=transient,
                    gone=response.status in _GONE)
