"""The pages, through the Flask test client on the real app and index."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from eventsearch.web import create_app


class Links(HTMLParser):
    """Every link of a page, with its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def links(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_home_has_the_form_and_browse_links(client, corpus_events):
    html = page(client, "/")
    assert '<form class="search-form"' in html and 'action="/search"' in html
    assert 'method="get"' in html and '<label for="q">Search events</label>' in html
    assert f"{len(corpus_events)} events from 1943 to 2025" in html
    assert any(href == "/search?category=Model" for href, _ in links(html))


def test_results_page_shows_hits_snippets_sections_count_and_time(client):
    html = page(client, "/search?q=Mistral+efficiency")
    assert 'value="Mistral efficiency"' in html
    count = re.search(r'role="status" aria-live="polite">\s*(\d+) results\s*· 3 with all the '
                      r"words, first", html)
    assert count and int(count.group(1)) > 3
    assert re.search(r"\(\d+\.\d ms\)", html)
    titles = [text for href, text in links(html) if href.startswith("/events/") and "#" not in href]
    assert titles[:3] and "Mistral 7B" in titles[:3]
    assert "<mark>Mistral</mark>" in html
    section_links = [href for href, text in links(html) if text.startswith("§")]
    assert "/events/mistral-7b?q=Mistral+efficiency#engineering-for-efficiency" in section_links


def test_facets_narrow_and_can_be_removed(client):
    html = page(client, "/search?q=neural+network")
    total = int(re.search(r"(\d+) results", html).group(1))
    facet = next(href for href, text in links(html) if "category=Research" in href)
    narrowed = page(client, facet)
    assert int(re.search(r"(\d+) results?", narrowed).group(1)) < total
    assert "Category: <strong>Research</strong>" in narrowed
    removal = next(href for href, text in links(narrowed) if text == "×")
    assert "category" not in parse_qs(urlsplit(removal).query)
    decade = next(href for href, text in links(html) if text == "1980s")
    assert parse_qs(urlsplit(decade).query)["year"] == ["1980..1989"]
    # The person facet filters; the names in the hits go to the people's pages.
    facets = html[html.index('<aside class="facets"'):]
    person = next(href for href, text in links(facets) if text == "Geoffrey Hinton")
    assert "Person: <strong>Geoffrey Hinton</strong>" in page(client, person)
    results = html[:html.index('<aside class="facets"')]
    assert ("/people/geoffrey-hinton", "Geoffrey Hinton") in links(results)


def test_facets_are_folded_in_a_filters_disclosure(client):
    html = page(client, "/search?q=neural")
    details = re.findall(r"<details[^>]*>.*?</details>", html, re.S)
    assert len(details) == 1
    disclosure = details[0]
    # Closed in the HTML: folded on a phone even without JavaScript (CSS shows it when wide).
    assert disclosure.startswith('<details class="filters">')
    assert re.search(r"<details[^>]*>\s*<summary>Filters</summary>", disclosure)
    facet_links = {text for _, text in links(disclosure)}
    assert {"Research", "1980s", "Geoffrey Hinton"} <= facet_links
    assert re.findall(r"<h3>(\w+)</h3>", disclosure) == ["Category", "Decade", "Person"]
    assert html.index('<ol class="hits"') < html.index("<details")
    assert '<script src="/static/filters.js" defer></script>' in html
    narrowed = page(client, "/search?q=neural&category=Research&year=1980..1989")
    assert "<summary>Filters (2)</summary>" in narrowed
    assert "<details" not in page(client, "/search?q=zzzyzzyx+qqqwwq")  # no facets, no filters


def test_the_filters_script_is_served(client):
    with client.get("/static/filters.js") as response:
        assert response.status_code == 200
        assert "details.filters" in response.get_data(as_text=True)


def test_sort_pagination_and_did_you_mean(client):
    html = page(client, "/search?q=network&sort=year")
    assert '<strong aria-current="true">Oldest first</strong>' in html
    next_page = next(href for href, text in links(html) if text == "Next →")
    assert parse_qs(urlsplit(next_page).query) == {"q": ["network"], "sort": ["year"],
                                                   "page": ["2"]}
    assert "Page 2 of" in page(client, next_page)
    typo = page(client, "/search?q=Mistrall+efficency")
    assert "Did you mean" in typo
    assert ("/search?q=mistral+efficiency", "mistral efficiency") in links(typo)


def test_empty_state_helps(client):
    html = page(client, "/search?q=zzzyzzyx+qqqwwq")
    assert "No events match" in html and "0 results" in html
    assert ("/help", "query syntax") in links(html)


def test_year_chart_is_accessible_and_links_each_year(client):
    html = page(client, "/search?q=language+model")
    chart = re.search(r"<svg class=\"year-chart\".*?</svg>", html, re.S).group(0)
    assert 'aria-labelledby="chart-title"' in chart and "<title id=\"chart-title\">" in chart
    bars = re.findall(r'<a href="([^"]+)" aria-label="(\d{4}): (\d+) events?">', chart)
    assert bars and all(f"year={year}" in href for href, year, _ in bars)
    year_page = page(client, bars[0][0].replace("&amp;", "&"))
    assert f"Year: <strong>{bars[0][1]}</strong>" in year_page


def test_event_page_has_everything_and_highlights_the_query(client):
    html = page(client, "/events/mistral-7b?q=efficiency")
    assert "<h1>Mistral 7B</h1>" in html
    for anchor in ("engineering-for-efficiency", "key-figures", "lasting-impact",
                   "related-events", "similar-events"):
        assert f'id="{anchor}"' in html
    assert ("/people/arthur-mensch", "Arthur Mensch") in links(html)
    assert ("/events/mixtral-8x7b", "Mixtral 8x7B") in links(html)
    assert "<mark>efficiency</mark>" in html or "<mark>Efficiency</mark>" in html
    assert "<mark>" not in page(client, "/events/mistral-7b")


def test_unknown_event_is_a_proper_404_page(client):
    html = page(client, "/events/no-such-event", 404)
    assert "Not found" in html and "no-such-event" in html and "<form" in html


def test_timeline_browses_by_decade(client, corpus_events):
    html = page(client, "/timeline")
    assert f"{len(corpus_events)} events" in html and '<svg class="year-chart"' in html
    decade = page(client, "/timeline?decade=1980")
    assert "The 1980s" in decade and ("/events/backpropagation", "Backpropagation Is "
                                      "Popularised") in links(decade)
    assert "Dartmouth" not in decade
    page(client, "/timeline?decade=abc", 400)


def test_help_page_documents_the_syntax(client):
    html = page(client, "/help")
    for example in ('"attention is all you need"', "-kasparov", "transfor*",
                    "figure:&#34;Yann LeCun&#34;", "year:2020..2024", "1980s"):
        assert example in html or example.replace("&#34;", "&quot;") in html


@pytest.mark.parametrize(("url", "status"), [
    ("/search?page=abc", 400), ("/search?page=0", 400), ("/search?per_page=500", 400),
    ("/search?sort=best", 400), ("/search?year=19x", 400), ("/nowhere", 404),
    ("/search?page=\u00b2", 400), ("/search?page=" + "9" * 4301, 400),
    ("/search?year=20202024", 400),
])
def test_bad_requests_get_html_error_pages(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html" and "<h1>" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    assert client.post("/search", data={"q": "x"}).status_code == 405


def test_security_headers_on_every_response(client):
    for url in ("/", "/search?q=x", "/events/eliza", "/nowhere", "/api/search?q=x",
                "/static/style.css"):
        with client.get(url) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client):
    for url in ("/", "/search?q=chess", "/events/eliza", "/timeline", "/help"):
        html = page(client, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert "<style" not in html and " style=" not in html and "onclick" not in html


def test_etag_follows_the_index_version(tmp_path, corpus_events):
    from eventsearch.search import create_index

    index = create_index(tmp_path / "ix")
    index.update(corpus_events[:10])
    client = create_app({"INDEX": str(tmp_path / "ix"), "TESTING": True}).test_client()
    first = client.get("/search?q=the")
    etag = first.headers["ETag"]
    assert client.get("/search?q=the", headers={"If-None-Match": etag}).status_code == 304
    index.update(corpus_events[:11])
    again = client.get("/search?q=the", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_no_index_yet_is_503_until_one_is_built(tmp_path, corpus_events):
    from eventsearch.search import create_index

    client = create_app({"INDEX": str(tmp_path / "later"), "TESTING": True}).test_client()
    response = client.get("/search?q=chess")
    assert response.status_code == 503 and "eventsearch index" in response.get_data(as_text=True)
    create_index(tmp_path / "later").update(corpus_events)
    assert client.get("/search?q=chess").status_code == 200


def test_config_from_environment_then_given_config(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSEARCH_INDEX", str(tmp_path / "from-env"))
    monkeypatch.setenv("EVENTSEARCH_PER_PAGE", "5")
    app = create_app()
    assert app.config["INDEX"] == str(tmp_path / "from-env") and app.config["PER_PAGE"] == 5
    assert create_app({"INDEX": "given"}).config["INDEX"] == "given"


@pytest.mark.parametrize("query", [
    "q=Mistral+efficiency",
    "q=caf%C3%A9+%26+%3D+%2B+%22x%22&year=1980..1989&category=Model&figure=Yann+LeCun",
    "q=a&sort=year&page=3&unknown=1",
    "",
])
def test_search_url_quotes_as_urlencode_does(app, query):
    """search_url() quotes each parameter once per request; the URLs must be the ones
    urlencode() gives."""
    from urllib.parse import parse_qsl, urlencode

    from eventsearch.web.ui import SEARCH_KEYS, _year_links, search_url

    changes = [{}, {"year": "2020"}, {"page": 2}, {"q": "ünïcode & more"},
               {"category": None, "sort": "relevance"}, {"q": "", "figure": None},
               {"sort": "-year", "page": None}]
    with app.test_request_context(f"/search?{query}"):
        base = {k: v for k, v in parse_qsl(query) if k in SEARCH_KEYS and v}
        for change in changes:
            args = {k: v for k, v in {**base, **change}.items() if v not in (None, "")}
            if args.get("sort") == "relevance":
                del args["sort"]
            expected = "/search" + (f"?{urlencode(args)}" if args else "")
            assert search_url(**change) == expected
        for year in (1943, 2025, 7):
            assert _year_links()(year) == search_url(year=str(year))


def test_hit_links_are_what_url_for_builds(app, client):
    """The results page builds each route once (web/ui.py slug_url) and puts the slug in:
    every event, section and person link must be the URL url_for makes."""
    from flask import url_for

    query = "neural net & weights +100%"
    page = client.get("/search", query_string={"q": query, "per_page": 20}).get_data(as_text=True)
    hrefs = set(re.findall(r'href="(/(?:events|people)/[^"]+)"', page))
    assert len(hrefs) > 20
    index = app.extensions["eventsearch"].index
    results = index.search(query, per_page=20)
    slugs = index.person_slugs()
    with app.test_request_context("/search"):
        people = {url_for("ui.person", slug=slugs[name])
                  for h in results.hits for name in h.figures[:4]}
        expected = {url_for("ui.event", slug=h.slug, q=query) for h in results.hits}
        expected |= {url_for("ui.event", slug=h.slug, q=query, _anchor=s.anchor)
                     for h in results.hits for s in h.sections}
    expected = {html.escape(u) for u in expected}
    assert expected <= hrefs
    assert {h for h in hrefs if h.startswith("/events/")} == expected
    assert people and {h for h in hrefs if h.startswith("/people/")} == people
