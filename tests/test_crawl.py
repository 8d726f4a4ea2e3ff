"""crawl() against a real HTTP server on 127.0.0.1 serving corpus/."""

from __future__ import annotations

import gzip

import pytest
from eventsearch.ingest import CrawlError, Event, LoadResult, crawl, load_directory
from eventsearch.ingest.crawler import MAX_CRAWL_DELAY, USER_AGENT, Crawler

from tests.conftest import CORPUS
from tests.siteserver import Route, event_page, serve, urlset, write_site

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
    # A site crawl follows the links of every page: the event pages lead to all the others.
    assert sorted(e.slug for e in result.events) == sorted(
        e.slug for e in load_directory(CORPUS).events)
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
    assert [listing.source for listing in result.listings] == [
        f"{base}/timeline.html", f"{base}/index.html"]
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
    assert [s.reason for s in result.skipped] == [
        "robots.txt unreachable (HTTP 503 Service Unavailable): nothing fetched"]
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


# --- Issue 9: nothing hangs, nothing is fetched that must not be -------------------------

def test_gzip_bomb_robots_txt_is_capped_after_decompression():
    bomb = gzip.compress(b"# nothing to see\n" * (3 * CAP // 17))
    routes = {"/robots.txt": Route(200, {"Content-Type": "text/plain",
                                         "Content-Encoding": "gzip"}, bomb)}
    with serve(CORPUS, routes) as (base, server):
        result = crawl(f"{base}/index.html", delay=0.0, max_bytes=CAP)
    assert len(bomb) < CAP
    assert result.events == ()
    assert [s.reason for s in result.skipped] == [
        f"robots.txt unreachable (too large: over the {CAP:,} byte cap): nothing fetched"]
    assert server.requests == ["/robots.txt"]


def test_gzip_bomb_page_is_capped_after_decompression():
    bomb = gzip.compress(b"<html><h1>x</h1>" + b"y" * (3 * CAP))
    routes = {"/bomb.html": Route(200, {**HTML, "Content-Encoding": "gzip"}, bomb)}
    with serve(CORPUS, routes) as (base, _):
        result = crawl(f"{base}/bomb.html", delay=0.0, max_bytes=CAP)
    assert [s.reason for s in result.skipped] == [f"page too large: over the {CAP:,} byte cap"]


def test_a_dripping_page_is_abandoned_at_the_deadline():
    body = (CORPUS / "eliza.html").read_bytes()[:100]
    routes = {"/drip.html": Route(200, HTML, body, drip=0.05)}
    with serve(CORPUS, routes) as (base, server):
        result = crawl(f"{base}/drip.html", delay=0.0, timeout=0.5)
    assert [s.reason for s in result.skipped] == ["timed out after 0.5 s"]
    # The crawler hung up long before the server could send the whole page.
    assert server.sent["/drip.html"] < len(body)


def test_a_dripping_robots_txt_is_abandoned_at_the_deadline():
    body = b"User-agent: *\nAllow: /\n" + b"#" * 80
    routes = {"/robots.txt": Route(200, {"Content-Type": "text/plain"}, body, drip=0.05)}
    with serve(CORPUS, routes) as (base, server):
        result = crawl(f"{base}/index.html", delay=0.0, timeout=0.5)
    assert [s.reason for s in result.skipped] == [
        "robots.txt unreachable (timed out after 0.5 s): nothing fetched"]
    assert server.requests == ["/robots.txt"]
    assert server.sent["/robots.txt"] < len(body)


def test_crawl_delay_from_robots_txt_is_capped_and_reported():
    pauses: list[float] = []
    routes = {"/robots.txt": Route(200, {"Content-Type": "text/plain"},
                                   b"User-agent: *\nCrawl-delay: 86400\n")}
    with serve(CORPUS, routes) as (base, _):
        crawler = Crawler(f"{base}/resnet.html", delay=0.0, sleep=pauses.append)
        events = [o for o in crawler if isinstance(o, Event)]
    assert len(events) > 1
    assert pauses and set(pauses) == {MAX_CRAWL_DELAY}
    assert crawler.notes == [f"robots.txt asks for a Crawl-delay of 86400 s: waiting "
                             f"{MAX_CRAWL_DELAY:g} s (the cap) between requests"]


def test_a_redirect_to_another_port_is_not_followed():
    with serve(CORPUS) as (other, elsewhere):
        routes = {"/away.html": Route(302, {"Location": f"{other}/resnet.html"})}
        with serve(CORPUS, routes) as (base, _):
            result = crawl(f"{base}/away.html", delay=0.0)
    assert [(s.source, s.reason) for s in result.skipped] == [
        (f"{base}/away.html", f"redirected off the site to {other}/resnet.html")]
    assert elsewhere.requests == []


def test_a_redirect_to_a_disallowed_path_is_not_followed():
    routes = {
        "/robots.txt": Route(200, {"Content-Type": "text/plain"}, ROBOTS),
        "/sneaky.html": Route(301, {"Location": "/secret.html"}),
        "/secret.html": Route(200, HTML, (CORPUS / "resnet.html").read_bytes()),
    }
    with serve(CORPUS, routes) as (base, server):
        result = crawl(f"{base}/sneaky.html", delay=0.0, sleep=lambda s: None)
    assert [s.reason for s in result.skipped] == [
        f"redirected to {base}/secret.html, which robots.txt disallows"]
    assert "/secret.html" not in server.requests


def test_a_redirect_loop_is_reported():
    routes = {"/a.html": Route(302, {"Location": "/b.html"}),
              "/b.html": Route(302, {"Location": "/a.html"})}
    with serve(CORPUS, routes) as (base, server):
        result = crawl(f"{base}/a.html", delay=0.0)
    assert [s.reason for s in result.skipped] == [f"redirect loop at {base}/a.html"]
    assert (server.requests.count("/a.html"), server.requests.count("/b.html")) == (1, 1)


def test_every_request_says_who_is_asking():
    with serve(CORPUS) as (base, server):
        crawl(f"{base}/resnet.html", delay=0.0)
    assert len(server.hits) > 2
    assert {hit.user_agent for hit in server.hits} == {USER_AGENT}


# --- Issue 11: sitemaps, links of every page, conditional requests ------------------------

@pytest.fixture
def site(tmp_path):
    with serve(tmp_path, gzip=True) as (base, server):
        write_site(tmp_path, base)
        yield base, server, tmp_path


def test_site_crawl_reads_sitemaps_and_follows_every_page(site):
    base, server, _ = site
    crawler = Crawler(f"{base}/home.html", delay=0.0)
    result = LoadResult.collect(crawler)
    assert sorted(e.slug for e in result.events) == [f"e{n}" for n in range(1, 8)]
    assert [(s.source, s.reason) for s in result.skipped] == [
        ("http://elsewhere.invalid/sitemap.xml", "sitemap on another host: not fetched")]
    assert [listing.source for listing in result.listings] == [f"{base}/home.html"]
    assert crawler.complete
    # Each page once, sitemaps included; nothing off the site.
    assert sorted(server.requests) == sorted([
        "/robots.txt", "/home.html", "/maps/index.xml", "/maps/a.xml.gz", "/maps/b.xml",
        "/sitemap.xml", *(f"/e{n}.html" for n in range(1, 8))])


def test_recrawl_of_an_unchanged_site_downloads_no_event_page(site):
    base, server, root = site
    first = Crawler(f"{base}/home.html", delay=0.0)
    events = {e.slug for e in first if isinstance(e, Event)}
    server.hits.clear()
    (root / "e4.html").write_text(event_page("Event Four, revised"))
    again = Crawler(f"{base}/home.html", delay=0.0, known=first.pages)
    result = LoadResult.collect(again)
    assert [e.title for e in result.events] == ["Event Four, revised"]
    assert sorted(n.slug for n in result.unchanged if n.slug) == sorted(events - {"e4"})
    statuses = {hit.path: hit.status for hit in server.hits if hit.path.endswith(".html")}
    assert statuses == {"/home.html": 304, **{f"/e{n}.html": 304 for n in range(1, 8)},
                        "/e4.html": 200}
    # The links of an unchanged page are followed as they were: e7 is only linked from e2.
    assert again.complete and set(again.pages) == set(first.pages)


def test_malformed_sitemap_is_reported_and_the_crawl_is_incomplete(site):
    base, _, root = site
    (root / "maps" / "b.xml").write_text("<urlset><url><loc>broken")
    (root / "maps" / "a.xml.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all")
    crawler = Crawler(f"{base}/home.html", delay=0.0)
    result = LoadResult.collect(crawler)
    reasons = {s.source.removeprefix(base): s.reason for s in result.skipped}
    assert reasons["/maps/b.xml"].startswith("malformed sitemap: ")
    assert reasons["/maps/a.xml.gz"].startswith("malformed sitemap: corrupt gzip data")
    assert not crawler.complete
    assert {"e3", "e4", "e5"}.isdisjoint(e.slug for e in result.events)


def test_gzip_bomb_sitemap_is_capped(site):
    base, _, root = site
    (root / "sitemap.xml").write_bytes(gzip.compress(urlset(base, "/e6.html") + b" " * 3 * CAP))
    result = crawl(f"{base}/home.html", delay=0.0, max_bytes=CAP)
    assert [s.reason for s in result.skipped if s.source == f"{base}/sitemap.xml"] == [
        f"malformed sitemap: over the {CAP:,} byte cap uncompressed"]


def test_recrawl_from_an_unchanged_event_page_follows_its_related_links_again():
    with serve(CORPUS) as (base, server):
        first = Crawler(f"{base}/resnet.html", delay=0.0)
        slugs = sorted(e.slug for e in first if isinstance(e, Event))
        server.hits.clear()
        again = LoadResult.collect(Crawler(f"{base}/resnet.html", delay=0.0,
                                           known=first.pages))
    assert again.events == () and sorted(n.slug for n in again.unchanged) == slugs
    assert {hit.status for hit in server.hits if hit.path != "/robots.txt"} == {304}


def test_a_start_page_that_cannot_be_had_ends_the_crawl():
    routes = {"/busy.html": Route(503, {"Content-Type": "text/plain"}, b"busy")}
    with serve(CORPUS, routes) as (base, server):
        crawler = Crawler(f"{base}/busy.html", delay=0.0)
        result = LoadResult.collect(crawler)
    assert [s.reason for s in result.skipped] == ["HTTP 503 Service Unavailable"]
    # Not taken for a home page: no sitemap read, no other page asked for.
    assert server.requests == ["/robots.txt", "/busy.html"]
    assert not crawler.complete
