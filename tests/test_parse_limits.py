"""Parsing stays linear in the page's size, and no page may take longer than its budget."""

from __future__ import annotations

import sys

import pytest
from eventsearch.ingest import ParseError, Skipped, crawl, load_file, parse_event
from eventsearch.ingest.load import iter_files

from tests.conftest import CORPUS
from tests.siteserver import serve

# Shapes that were quadratic: each BeautifulSoup insert or extract scanned the siblings
# (paragraphs, list items, table rows), each append walked down the depth (nested divs).
SHAPES = {
    "paragraphs": lambda n: "<h1>T</h1>" + "<p>w</p>" * n,
    "list items": lambda n: "<h1>T</h1><ul>" + "<li>w</li>" * n + "</ul>",
    "nested divs": lambda n: "<h1>T</h1>" + "<div>w" * n + "</div>" * n,
    "table rows": lambda n: "<h1>T</h1><table>" + "<tr><td>a</td><td>b</td></tr>" * n
    + "</table>",
}


def python_lines_run(html: str) -> int:
    """How many lines of Python run while parsing the page: a count of the work done that,
    unlike a time, does not depend on how busy the machine is."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        parse_event(html, "file:///shape.html", time_limit=None)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("shape", SHAPES)
def test_parsing_is_linear_in_the_page_size(shape):
    small = python_lines_run(SHAPES[shape](600))
    large = python_lines_run(SHAPES[shape](1200))
    # Twice the page, at most twice the work (1.1 to 2.0 times, as measured); the quadratic
    # parser did 2.3 to 2.7 times as much here, and more the larger the page.
    assert large < 2.1 * small, (small, large)


def test_a_page_over_its_time_budget_is_given_up_with_a_reason():
    page = (CORPUS / "resnet.html").read_bytes()
    with pytest.raises(ParseError, match="took longer than 0 s to parse"):
        parse_event(page, "file:///resnet.html", time_limit=0)
    big = SHAPES["paragraphs"](5000)
    with pytest.raises(ParseError, match="took longer than 0 s to parse"):
        parse_event(big, "file:///big.html", time_limit=0)
    assert parse_event(big, "file:///big.html").title == "T"


def test_the_budget_holds_when_loading_in_one_process_and_in_many(tmp_path):
    page = (CORPUS / "resnet.html").read_bytes()
    paths = []
    for i in range(51):  # iter_files uses processes for more than 50 pages
        path = tmp_path / f"page-{i:02}.html"
        path.write_bytes(page)
        paths.append(path)
    assert load_file(paths[0], time_limit=0) == Skipped(
        str(paths[0]), "took longer than 0 s to parse")
    outcomes = list(iter_files(paths, workers=2, time_limit=0))
    assert {type(o) for o in outcomes} == {Skipped}
    assert {o.reason for o in outcomes} == {"took longer than 0 s to parse"}
    assert load_file(paths[0]).slug == "resnet"


def test_the_budget_holds_for_crawled_pages():
    with serve(CORPUS) as (base, _server):
        slow = crawl(f"{base}/resnet.html", delay=0.0, sleep=lambda s: None,
                     parse_time_limit=0)
        normal = crawl(f"{base}/resnet.html", delay=0.0, max_pages=1, sleep=lambda s: None)
    assert slow.events == ()
    assert slow.skipped == (Skipped(f"{base}/resnet.html", "took longer than 0 s to parse"),)
    assert [e.slug for e in normal.events] == ["resnet"]


@pytest.mark.parametrize("html", [
    "<h1>Lone \ud800 surrogate</h1><p>Some words about the event that happened here.</p>",
    "<h1>Title</h1><p>Text with a lone low surrogate \udfff in it, and more words.</p>",
])
def test_text_with_lone_surrogates_parses(html):
    event = parse_event(html, "file:///surrogate.html")
    assert "\ufffd" in event.title + event.summary
    event.title.encode("utf-8")  # no surrogate survives


def test_text_that_is_only_a_lone_surrogate_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_event("\ud800", "file:///s.html")
