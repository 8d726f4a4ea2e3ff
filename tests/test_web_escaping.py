"""Hostile queries and hostile page content come out escaped, everywhere they are shown."""

from __future__ import annotations

import re
import shutil

import pytest
from eventsearch.ingest import load_directory
from eventsearch.search import create_index
from eventsearch.web import create_app

from tests.conftest import CORPUS, FIXTURES

ATTACKS = re.compile(r"<script>alert|<img src=x|<iframe|onmouseover=\"alert|onclick='alert|"
                     r"</textarea><script")


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    pages = tmp_path_factory.mktemp("hostile-pages")
    shutil.copy(FIXTURES / "hostile" / "evil-event.html", pages)
    shutil.copy(CORPUS / "eliza.html", pages)
    folder = tmp_path_factory.mktemp("hostile-index")
    create_index(folder).update(load_directory(pages).events)
    return create_app({"INDEX": str(folder), "TESTING": True}).test_client()


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/search?q=wicked+chatbot", "/search?q=alert", "/events/evil-event",
    "/events/evil-event?q=wicked+alert", "/search?figure=Eve", "/timeline?decade=2020",
    "/events/eliza", "/search?q=Mallory",
])
def test_hostile_page_content_is_escaped(hostile_client, url):
    html = body(hostile_client.get(url))
    if "evil" in url or "wicked" in url:
        assert "Evil &lt;script&gt;alert(" in html  # the hostile event is really shown
    assert not ATTACKS.search(html), ATTACKS.search(html).group(0)
    # The only markup inside snippets is <mark>.
    for snippet in re.findall(r'<p class="snippet">(.*?)</p>', html, re.S):
        assert set(re.findall(r"</?(\w+)", snippet)) <= {"mark"}


def test_hostile_text_is_shown_as_text(hostile_client):
    html = body(hostile_client.get("/events/evil-event"))
    assert "Evil &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert "Eve &#34;&gt;&lt;script&gt;" in html or "Eve &quot;&gt;&lt;script&gt;" in html
    figure_link = re.search(r'href="(/people/eve[^"]*)"', html).group(1)
    assert "<" not in figure_link and '"' not in figure_link


QUERIES = ['"><script>alert(1)</script>', "</title><script>alert(1)</script>",
           "' onfocus='alert(1)", '<img src=x onerror=alert(1)>']


@pytest.mark.parametrize("query", QUERIES)
def test_hostile_queries_are_escaped(client, query):
    for url in ("/search", "/"):
        html = body(client.get(url, query_string={"q": query}))
        assert not ATTACKS.search(html) and "onfocus='alert" not in html
    html = body(client.get("/events/eliza", query_string={"q": query}))
    assert not ATTACKS.search(html) and "onfocus='alert" not in html
    api = client.get("/api/search", query_string={"q": query}).get_json()
    assert api["query"] == query
