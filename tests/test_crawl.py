"""crawl() against a real HTTP server on 127.0.0.1 serving corpus/."""

from __future__ import annotations

import pytest

from ingest import CrawlError, Listing, crawl, load_directory
from tests.conftest import CORPUS
from tests.siteserver import serve

HTML = {"Content-Type": "text/html; charset=utf-8"}
ROBOTS = b"User-agent: *\nDisallow: /secret.html\nCrawl-delay: 0.25\n"
CAP = 200_000


def hostile_routes() -> dict:
    links = [
        "/resnet.html", "/alphafold-2.html", "/resnet.html#again", "/moved.html",
        "/secret.html", "/missing.html", "/slow.html", "/huge.html", "/picture.png",
        "/alias.html", "http://elsewhere.invalid/x.html", "mailto:someone@example.com",
    ]
    items = "".join(f'<li><a href="{link}">Link to {link}</a></li>' for link in links)
    timeline = f"<html><body><h1>Timeline</h1><ul>{items}</ul></body></html>".encode()
    resnet = (CORPUS / "resnet.html").read_bytes()
    return {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, ROBOTS, 0),
        "/timeline.html": (200, HTML, timeline, 0),
        "/moved.html": (301, {"Location": "/openai-founded.html"}, b"", 0),
        "/secret.html": (200, HTML, resnet, 0),
        "/slow.html": (200, HTML, resnet, 3),
        "/huge.html": (200, HTML, b"<html><h1>x</h1>" + b"y" * CAP, 0),
        "/picture.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n", 0),
        "/alias.html": (200, HTML, resnet, 0),
    }


def test_crawl_follows_the_timeline_and_reports_each_failure():
    pauses: list[float] = []
    with serve(CORPUS, hostile_routes()) as (base, server):
        result = crawl(f"{base}/timeline.html", delay=0.0, timeout=1.0, max_bytes=CAP,
                       sleep=pauses.append)
    assert sorted(e.slug for e in result.events) == ["alphafold-2", "openai-founded", "resnet"]
    moved = next(e for e in result.events if e.slug == "openai-founded")
    assert moved.url == f"{base}/openai-founded.html"
    reasons = {s.source.removeprefix(base): s.reason for s in result.skipped}
    assert reasons == {
        "/secret.html": "disallowed by robots.txt",
        "/missing.html": "HTTP 404 File not found",
        "/slow.html": "timed out after 1 s",
        "/huge.html": f"page too large: {CAP + 16:,} bytes (cap {CAP:,})",
        "/picture.png": "not HTML: content type image/png",
    }
    assert result.listings == (Listing(f"{base}/timeline.html", result.listings[0].links),)
    assert "/secret.html" not in server.requests
    # One request per distinct URL: the #fragment duplicate was not fetched again.
    assert server.requests.count("/resnet.html") == 1
    # Crawl-delay from robots.txt beats the delay asked for, between every two requests.
    assert pauses and set(pauses) == {0.25}


def test_crawl_of_the_bundled_corpus_finds_every_event():
    expected = sorted(e.slug for e in load_directory(CORPUS).events)
    with serve(CORPUS) as (base, _):
        result = crawl(f"{base}/index.html", delay=0.0)
    assert sorted(e.slug for e in result.events) == expected
    assert result.skipped == ()
    assert [listing.source for listing in result.listings] == [f"{base}/index.html"]


def test_page_limit_stops_the_crawl_and_says_so():
    with serve(CORPUS, hostile_routes()) as (base, server):
        result = crawl(f"{base}/timeline.html", delay=0.0, max_pages=2, sleep=lambda s: None)
    assert len(result.events) == 1
    limited = [s for s in result.skipped if "page limit" in s.reason]
    assert limited and all(s.reason == "not fetched: the page limit (2) was reached"
                           for s in limited)


def test_robots_txt_server_error_means_nothing_is_fetched():
    routes = {"/robots.txt": (503, {"Content-Type": "text/plain"}, b"busy", 0)}
    with serve(CORPUS, routes) as (base, server):
        result = crawl(f"{base}/index.html", delay=0.0)
    assert result.events == ()
    assert [s.reason for s in result.skipped] == ["disallowed by robots.txt"]
    assert server.requests == ["/robots.txt"]


def test_start_on_an_event_page_follows_its_related_links():
    with serve(CORPUS) as (base, _):
        result = crawl(f"{base}/resnet.html", delay=0.0)
    slugs = [e.slug for e in result.events]
    related = [r.slug for r in load_directory(CORPUS / "resnet.html").events[0].related]
    assert slugs[0] == "resnet"
    assert sorted(slugs[1:]) == sorted(related)


@pytest.mark.parametrize("url", ["ftp://example.com/", "corpus/index.html", "http://"])
def test_non_http_start_url_is_refused(url):
    with pytest.raises(CrawlError, match="not an http"):
        crawl(url)
