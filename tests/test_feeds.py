"""Atom feeds of searches: read as a feed reader reads them, over a real index on disk."""

from __future__ import annotations

import dataclasses
from xml.etree import ElementTree as ET

import feedparser
import pytest
from bs4 import BeautifulSoup
from eventsearch.search import create_index
from eventsearch.web import create_app
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def index(index_dir, corpus_events):
    """An index of the corpus but its last ten events (added in a second update)."""
    built = create_index(index_dir)
    built.update(corpus_events[:40])
    built.update(corpus_events[:-10])
    return built


@pytest.fixture
def feed_client(index):
    return create_app({"TESTING": True}, index=index).test_client()


def read(client, url: str):
    """The feed at ``url``, parsed by feedparser, and the response."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed, response


def test_entries_carry_title_year_summary_link_and_times_newest_first(feed_client, index,
                                                                     corpus_events):
    feed, _ = read(feed_client, "/search.atom")
    entries = feed.entries
    assert len(entries) == 50  # the default cap; the index holds more
    expected = index.search("", sort="added", per_page=50).hits
    assert [e.link for e in entries] == [
        f"http://localhost/events/{hit.slug}" for hit in expected]
    by_slug = {event.slug: event for event in corpus_events}
    for entry, hit in zip(entries, expected, strict=True):
        event = by_slug[hit.slug]
        assert entry.title == f"{event.title} ({event.year})"
        assert entry.summary == event.summary
        assert entry.updated_parsed and entry.published_parsed and entry.id
        assert {tag.term for tag in entry.tags} == {event.category, str(event.year)}
    # The events of the second update come first, then the first update's.
    published = [e.published for e in entries]
    assert published == sorted(published, reverse=True)
    assert published[0] > published[-1]
    assert {e.link.rsplit("/", 1)[1] for e in entries if e.published == published[0]} == {
        e.slug for e in corpus_events[40:-10]}
    # Each link is the event's page.
    assert feed_client.get(entries[0].link).status_code == 200
    assert feed.feed.updated == max(e.updated for e in entries)
    assert feed.feed.id.startswith("urn:uuid:")
    assert len({e.id for e in entries}) == 50


def test_filters_and_words_apply_as_on_the_page(feed_client, index):
    for query in ("q=network", "category=model", "year=2020..2024", "figure=Hinton",
                  "q=language&year=2010s&synonyms=0", "q=network&per_page=3"):
        feed, _ = read(feed_client, f"/search.atom?{query}")
        args = dict(pair.split("=") for pair in query.split("&"))
        found = index.search(args.pop("q", ""), sort="added",
                             per_page=int(args.pop("per_page", 50)),
                             synonyms=args.pop("synonyms", "1") == "1",
                             year=(2020, 2024) if args.get("year") == "2020..2024" else
                             (2010, 2019) if args.get("year") == "2010s" else None,
                             category=args.get("category"), figure=args.get("figure"),
                             all_words=True)
        assert found.total > 0, query
        assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == [
            h.slug for h in found.hits], query
    # A feed of several words follows the events with all of them, not any of them.
    both = read(feed_client, "/search.atom?q=open+models")[0]
    some = index.search("open models", per_page=100)
    assert some.all_words < some.total
    assert {e.link.rsplit("/", 1)[1] for e in both.entries} == {
        h.slug for h in some.hits[:some.all_words]}
    every = read(feed_client, "/search.atom")[0]
    models = read(feed_client, "/search.atom?category=Model")[0]
    assert len(models.entries) < len(every.entries)
    assert all({t.term for t in e.tags} & {"Model"} for e in models.entries)
    assert models.feed.id != every.feed.id
    # The same search is the same feed, whatever the page length or sort asked for.
    assert read(feed_client, "/search.atom?category=Model&per_page=5&sort=year")[0].feed.id \
        == models.feed.id


def test_updated_moves_only_when_the_entries_do(feed_client, index, corpus_events):
    url = "/search.atom?q=open+models"
    first, response = read(feed_client, url)
    again, _ = read(feed_client, url)
    assert first.feed.updated == again.feed.updated
    assert response.get_data() == feed_client.get(url).get_data()

    report = index.update(corpus_events[:-10])  # nothing changed: the same feed
    assert not report.changed
    assert read(feed_client, url)[0].feed.updated == first.feed.updated

    # A page that a feed does not match: a new commit, the same feed.
    last = corpus_events[-1]
    older = f"/search.atom?year=..{last.year - 1}"
    before, _ = read(feed_client, older)
    index.update([*corpus_events[:-10], last])
    after, _ = read(feed_client, older)
    assert after.feed.updated == before.feed.updated and after.entries == before.entries
    assert read(feed_client, f"/search.atom?year={last.year}")[0].entries[0].link.endswith(
        f"/events/{last.slug}")
    # A feed without entries has a time that never moves.
    empty, _ = read(feed_client, "/search.atom?q=zymurgy+brewing")
    assert not empty.entries
    assert empty.feed.updated == "1970-01-01T00:00:00.000Z"

    new = dataclasses.replace(corpus_events[0], slug="open-models-everywhere",
                              title="Open Models Everywhere", content_hash="")
    index.update([*corpus_events[:-10], corpus_events[-1], new])
    later, _ = read(feed_client, url)
    assert later.entries[0].link == "http://localhost/events/open-models-everywhere"
    assert later.entries[0].title == f"Open Models Everywhere ({new.year})"
    assert later.feed.updated == later.entries[0].updated > first.feed.updated
    # The entries already read keep their ids (a reader shows them once).
    kept = {e.link: e.id for e in later.entries}
    assert all(kept[e.link] == e.id for e in first.entries[:20])
    assert later.feed.id == first.feed.id


@pytest.mark.parametrize("query", [
    '<script>alert("x")</script> & \'open\'', "models\x00\x01\x0b\x1f\ufffe\uffff",
    "]]><evil/>", "\u202e\ufeff🤖 models", "&amp; &lt; &#0;"])
def test_hostile_queries_give_well_formed_xml(feed_client, query):
    response = feed_client.get("/search.atom", query_string={"q": query})
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())  # well-formed, or this raises
    title = root.find(f"{ATOM}title").text
    assert "<evil/>" not in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    if "<script>" in query:
        assert '<script>alert("x")</script>' in title
    feed, _ = read(feed_client, response.request.full_path)
    assert feed.feed.title == title


@pytest.mark.parametrize("query", ["year=abc", "per_page=0", "per_page=101", "sort=best",
                                   "page=x", "synonyms=maybe", "category=" + "x" * 300])
def test_bad_parameters_answer_400(feed_client, query):
    assert feed_client.get(f"/search.atom?{query}").status_code == 400


def test_per_page_up_to_the_api_cap(feed_client, index):
    assert len(read(feed_client, "/search.atom?per_page=100")[0].entries) == len(index)
    assert len(read(feed_client, "/search.atom?per_page=3")[0].entries) == 3


def test_the_results_page_links_its_feed(feed_client):
    html = feed_client.get("/search?q=open+models&category=Model&sort=year&page=1")
    soup = BeautifulSoup(html.get_data(as_text=True), "html.parser")
    alternate = soup.head.find("link", rel="alternate", type="application/atom+xml")
    visible = soup.select_one(".feed-link a")
    assert alternate and visible and alternate["href"] == visible["href"]
    assert alternate["href"] == "/search.atom?q=open+models&category=Model"
    feed, _ = read(feed_client, alternate["href"])
    assert feed.entries and feed.feed.links[1].href == \
        "http://localhost/search?q=open+models&category=Model"
    # The home page is no search: it has no feed link.
    home = BeautifulSoup(feed_client.get("/").get_data(as_text=True), "html.parser")
    assert home.head.find("link", type="application/atom+xml") is None


def test_links_carry_the_mount_prefix(index):
    host = Flask("host")
    mounted = DispatcherMiddleware(host.wsgi_app, {"/search": create_app(
        {"TESTING": True}, index=index)})
    client = Client(mounted)
    page = BeautifulSoup(client.get("/search/search?q=network").get_data(as_text=True),
                         "html.parser")
    href = page.head.find("link", type="application/atom+xml")["href"]
    assert href == "/search/search.atom?q=network"
    feed, _ = read(client, href)
    assert all(e.link.startswith("http://localhost/search/events/") for e in feed.entries)
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": "http://localhost/search/search.atom?q=network",
        "alternate": "http://localhost/search/search?q=network"}
    assert client.get(feed.entries[0].link.removeprefix("http://localhost")).status_code \
        == 200


def test_the_results_page_sorts_newest_indexed_first(feed_client, index, corpus_events):
    html = feed_client.get("/search?q=network&sort=added&per_page=100")
    soup = BeautifulSoup(html.get_data(as_text=True), "html.parser")
    assert soup.select_one('.sort strong[aria-current="true"]').text == "Newest indexed"
    shown = [a["href"].split("?")[0].rsplit("/", 1)[1] for a in soup.select(".hit-title a")]
    expected = [h.slug for h in index.search("network", sort="added", per_page=100).hits]
    assert shown == expected
    second = {e.slug for e in corpus_events[40:-10]}
    assert any(s in second for s in expected) and any(s not in second for s in expected)
    assert sorted(expected, key=lambda s: s not in second) == expected
