"""Property-based tests (hypothesis): the query language, the parameter grammar and the web
take any input without a traceback, an HTTP 500 or unescaped markup.

The number of examples is bounded (``HYPOTHESIS_PROFILE``: ``ci``, the default, or
``thorough`` for a long local run) so that CI stays fast; a failure prints the smallest
input that shows it.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode

import pytest
from eventsearch.search import QueryError, SearchResults
from eventsearch.search.params import format_year, parse_count, parse_year_filter, parse_years
from eventsearch.search.query import parse_query
from eventsearch.web.render import snippet_html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_web_api import validate

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: Any text, lone surrogates and control characters included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)

#: Queries built from the language's own parts, so that structure gets explored too.
PARTS = st.sampled_from([
    "mistral", "efficiency", "neural", "network", "chess", "kasparov", "OR", "AND", "NOT",
    "-", "(", ")", '"', "*", "transfor*", "1980s", "2023", "1950s", "year:", "year:2020..2024",
    "year:>=2020", "year:abc", "figure:", 'figure:"Yann LeCun"', "category:model", "title:",
    "body:", "foo:bar", "GPT-4", "Mistral's", "é", "🤖", "\x00", "<script>", "&amp;", "|",
    "=", "..", "\\", "'",
])
QUERY = st.lists(PARTS, max_size=12).map(" ".join) | ANY_TEXT
MARKUP = re.compile(r"</?mark>")


def _safe_html(snippet: str) -> bool:
    """Escaped text plus <mark> only: no other tag, no raw ampersand entity trickery."""
    return "<" not in MARKUP.sub("", snippet) and ">" not in MARKUP.sub("", snippet)


@given(QUERY)
def test_any_query_parses(text):
    parsed = parse_query(text)
    assert all(isinstance(note, str) for note in parsed.notes)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=QUERY, sort=st.sampled_from(["relevance", "year", "-year"]),
       page=st.integers(1, 3))
def test_any_query_searches_and_escapes(corpus_index, text, sort, page):
    results = corpus_index.search(text, sort=sort, page=page, per_page=5)
    assert isinstance(results, SearchResults)
    assert 0 <= results.all_words <= results.total and len(results.hits) <= 5
    slugs = [hit.slug for hit in results.hits]
    assert len(slugs) == len(set(slugs))
    for hit in results.hits:
        assert _safe_html(snippet_html(hit.snippet))
        assert all(_safe_html(snippet_html(s.snippet)) for s in hit.sections)


@given(ANY_TEXT)
def test_a_year_filter_parses_or_is_refused_with_a_message(text):
    try:
        found = parse_year_filter(text)
    except QueryError as exc:
        assert str(exc).startswith("year must be")
        return
    # What is accepted can be written in a URL and read back to the same filter.
    assert parse_year_filter(format_year(found)) in (found, (found, found))


@given(st.integers(0, 2999), st.integers(0, 2999))
def test_year_ranges_read_the_same_in_every_spelling(start, end):
    low, high = min(start, end), max(start, end)
    for spelling in (f"{start}..{end}", f"{start}-{end}", f"{start} to {end}"):
        assert parse_years(spelling) == (low, high)


@given(ANY_TEXT)
def test_a_count_is_ascii_digits_in_range_or_refused(text):
    try:
        value = parse_count("page", text, 1, 1000)
    except QueryError as exc:
        assert str(exc) == "page must be a whole number from 1 to 1000"
        return
    assert 1 <= value <= 1000 and text.strip().isascii()


PARAMS = st.dictionaries(
    st.sampled_from(["q", "year", "category", "figure", "sort", "page", "per_page", "limit"]),
    ANY_TEXT | st.sampled_from(["2023", "2020..2024", "1980s", "Model", "Yann LeCun", "year",
                                "-year", "2", "100", "101", "0", "\u00b2", "9" * 5000]),
    max_size=6)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(params=PARAMS, path=st.sampled_from(["/api/search", "/api/suggest", "/search", "/",
                                            "/timeline"]))
def test_any_parameters_get_an_answer_never_a_500(client, openapi, params, path):
    clean = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
             for k, v in params.items()}
    response = client.get(f"{path}?{urlencode(clean)}")
    assert response.status_code in (200, 400), response.status_code
    if path.startswith("/api/"):
        body = response.get_json()
        if response.status_code == 400:
            validate(openapi, "Error", body)
        elif path == "/api/search":
            validate(openapi, "SearchResults", body)
    else:
        assert response.mimetype == "text/html"


@pytest.fixture(scope="module")
def openapi(app):
    return app.test_client().get("/api/openapi.json").get_json()
