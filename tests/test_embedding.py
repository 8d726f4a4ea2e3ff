"""eventsearch inside another tool: the app mounted under a prefix of another WSGI app, an
index object shared with it, the package's public surface."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

import eventsearch
from eventsearch import create_app
from tests.conftest import ROOT


def _links(html: str, page: str) -> set[str]:
    """Every URL a page points at: links, forms, scripts, styles, the suggestion API."""
    soup = BeautifulSoup(html, "html.parser")
    found = set()
    for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src"),
                           ("form", "action"), ("input", "data-suggest")):
        for element in soup.find_all(tag):
            value = element.get(attribute)
            if value and not value.startswith("#"):
                found.add(urljoin(page, value).split("#", 1)[0])
    return found


def test_mounted_under_a_prefix_every_url_carries_it(corpus_index):
    host = Flask("host")
    host.add_url_rule("/", "home", lambda: "the host tool")
    mounted = DispatcherMiddleware(host.wsgi_app, {"/search": create_app(
        {"TESTING": True}, index=corpus_index)})
    client = Client(mounted)
    assert client.get("/").get_data(as_text=True) == "the host tool"

    start = "/search/search?q=Mistral+efficiency"
    results = client.get(start)
    assert results.status_code == 200 and "Mistral 7B" in results.get_data(as_text=True)
    seen, todo = set(), {start, "/search/", "/search/events/mistral-7b", "/search/timeline"}
    while todo:
        url = todo.pop()
        seen.add(url)
        with client.get(url) as response:
            assert response.status_code == 200, url
            html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if html:
            for link in _links(html, url):
                path = urlsplit(link).path
                assert path.startswith("/search/") or path == "/search", (url, link)
                # Follow the site's own pages a few levels deep, not every search.
                if link not in seen and len(seen) < 60:
                    todo.add(link)
    suggest = client.get("/search/api/suggest?q=yann").get_json()
    assert suggest["suggestions"] and all(
        s["url"].startswith("/search/") for s in suggest["suggestions"])
    document = client.get("/search/api/openapi.json").get_json()
    assert document["servers"] == [{"url": "/search/api"}]
    api = client.get("/search/api/search?q=RLHF").get_json()
    assert api["total"] > 0


def test_the_app_serves_an_index_object_it_is_given(corpus_index):
    app = create_app({"TESTING": True}, index=corpus_index)
    assert app.config["INDEX"] == str(corpus_index.path)
    body = app.test_client().get("/api/search?q=chess").get_json()
    assert body["total"] == corpus_index.search("chess").total


def test_the_public_api_is_importable_from_the_package_and_listed():
    for name in ("open_index", "create_index", "parse_event", "load_directory", "crawl",
                 "Event", "SearchResults", "Hit", "Facets", "FacetCount", "EventRef",
                 "Suggestion", "IndexStats", "UpdateReport", "Expansion", "SectionHit",
                 "SearchError", "IndexNotFound", "IndexOutdated", "IndexLocked",
                 "IndexCorrupt", "IndexWriteError", "QueryError", "SynonymsError",
                 "check_index", "IndexCheck", "create_app", "Sort", "__version__"):
        assert name in eventsearch.__all__, name
        assert getattr(eventsearch, name) is not None, name
    assert issubclass(eventsearch.IndexCorrupt, eventsearch.SearchError)


def test_searching_imports_no_crawler_parser_or_http_stack():
    script = ("import sys, eventsearch\n"
              "from eventsearch import open_index, SearchResults, EventIndex\n"
              "import eventsearch.web.cli\n"
              "heavy = ('bs4', 'lxml', 'requests', 'flask', 'trafilatura', 'urllib3',\n"
              "         'eventsearch.ingest.crawler', 'eventsearch.ingest.parse')\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
              "             or m in heavy))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_python_m_eventsearch_and_its_version():
    done = subprocess.run([sys.executable, "-m", "eventsearch", "--version"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"eventsearch, version {eventsearch.__version__}"
