"""The Python search API over a real index of the bundled corpus."""

from __future__ import annotations

import json
import re

import pytest
from eventsearch.search import (
    IndexNotFound,
    IndexOutdated,
    QueryError,
    SearchResults,
    create_index,
    open_index,
)
from eventsearch.search.schema import SCHEMA_VERSION
from eventsearch.web.render import snippet_html


def slugs(results: SearchResults) -> list[str]:
    return [hit.slug for hit in results.hits]


def test_mistral_efficiency_ranks_both_stories_in_the_top_three(corpus_index):
    top = slugs(corpus_index.search("Mistral efficiency"))[:3]
    assert "mistral-7b" in top and "open-source-models-close-the-gap" in top


def test_stemming_marks_the_word_as_written_never_the_stem(corpus_index):
    results = corpus_index.search("efficient mistral")
    assert "mistral-7b" in slugs(results)
    marked = {m.lower() for h in results.hits for m in h.snippet.marked}
    assert "efficiency" in marked or "efficient" in marked
    assert "effici" not in marked


@pytest.mark.parametrize(("variant", "plain"), [
    ("Mistral's", "Mistral"),
    ("Timothee Lacroix", "Timothée Lacroix"),
    ("TRANSFORMERS", "transformer"),
])
def test_possessives_accents_case_and_plurals_match(corpus_index, variant, plain):
    assert slugs(corpus_index.search(variant)) == slugs(corpus_index.search(plain))
    assert corpus_index.search(variant).total > 0


def test_hit_fields_snippet_and_sections(corpus_index):
    hit = corpus_index.search("sliding window attention").hits[0]
    assert hit.slug == "mistral-7b"
    assert (hit.title, hit.year, hit.category) == ("Mistral 7B", 2023, "Model")
    assert hit.figures == ("Arthur Mensch", "Guillaume Lample", "Timothée Lacroix")
    assert hit.score > 0
    assert hit.snippet.matches and len(hit.snippet.text) < 300
    event = corpus_index.get("mistral-7b")
    anchors = {s.anchor for s in event.sections}
    assert hit.sections and all(s.anchor in anchors for s in hit.sections)
    assert all(s.snippet.matches for s in hit.sections)


def test_snippets_are_escaped_text_plus_mark_only(corpus_index):
    for query in ("Meta's Llama", "R&D", "AT&T Bell Labs", "\"<script>\""):
        for hit in corpus_index.search(query).hits:
            for shown in (hit.snippet, *(s.snippet for s in hit.sections)):
                snippet = snippet_html(shown)  # as the web shows it
                assert re.findall(r"<(/?\w+)", snippet) == [
                    t for t in re.findall(r"<(/?\w+)", snippet) if t in ("mark", "/mark")]


def test_facets_count_the_whole_match_set_not_the_page(corpus_index):
    results = corpus_index.search("neural network", per_page=1)
    assert len(results.hits) == 1 and results.total > 5
    assert sum(f.count for f in results.facets.category) == results.total
    assert sum(f.count for f in results.facets.decade) == results.total
    assert sum(f.count for f in results.facets.year) == results.total
    assert all(f.value % 10 == 0 for f in results.facets.decade)
    assert results.facets.figure[0].count >= results.facets.figure[-1].count


def test_filters_year_category_and_figure(corpus_index):
    assert {h.year for h in corpus_index.search("model", year=2023, per_page=50).hits} == {2023}
    ranged = corpus_index.search("", year=(2020, 2022), per_page=50)
    assert ranged.total > 3 and all(2020 <= h.year <= 2022 for h in ranged.hits)
    open_start = corpus_index.search("", year=(None, 1960), per_page=50)
    assert {h.year for h in open_start.hits} <= {1943, 1950, 1956, 1958, 1959}
    models = corpus_index.search("", category="model", per_page=100)
    assert models.total == len(models.hits) and {h.category for h in models.hits} == {"Model"}
    lecun = corpus_index.search("", figure="Yann LeCun", per_page=50)
    assert "convolutional-networks-lenet" in slugs(lecun)
    assert all("Yann LeCun" in h.figures for h in lecun.hits)
    assert slugs(corpus_index.search("", figure="lecun", per_page=50)) == slugs(lecun)


def test_empty_query_browses_newest_first(corpus_index):
    everything = corpus_index.search("", per_page=100)
    years = [h.year for h in everything.hits]
    assert everything.total == len(corpus_index) and years == sorted(years, reverse=True)
    assert everything.suggestion is None


def test_sorting_and_pagination(corpus_index):
    by_year = corpus_index.search("network", sort="year", per_page=100)
    assert [h.year for h in by_year.hits] == sorted(h.year for h in by_year.hits)
    newest = corpus_index.search("network", sort="-year", per_page=100)
    assert [h.year for h in newest.hits] == sorted((h.year for h in newest.hits), reverse=True)
    assert all(h.score > 0 for h in newest.hits)
    first = corpus_index.search("network", per_page=5)
    second = corpus_index.search("network", per_page=5, page=2)
    assert first.total == second.total and set(slugs(first)).isdisjoint(slugs(second))
    assert first.pages == -(-first.total // 5)
    beyond = corpus_index.search("network", per_page=5, page=100)
    assert beyond.hits == () and beyond.total == first.total


def test_misspelt_query_is_corrected_and_suggested(corpus_index):
    results = corpus_index.search("Mistrall efficency")
    assert results.suggestion == "mistral efficiency"
    assert slugs(results)[0] == "mistral-7b"
    assert corpus_index.search("Mistral efficiency").suggestion is None


def test_a_correction_counts_less_than_the_word_typed(corpus_index):
    """A misspelling is searched as its corrections blended into one term, each counting
    CORRECTION_BOOST: it finds the same events, each scoring less than the word typed
    right, however many corrections it has (the old sum of three guesses scored more)."""
    typed = {h.slug: h.score for h in corpus_index.search("efficiency", per_page=50).hits}
    misspelt = corpus_index.search("efficency", per_page=50)
    assert misspelt.suggestion == "efficiency"
    assert {h.slug for h in misspelt.hits} == set(typed)
    assert [h.slug for h in misspelt.hits][:3] == list(typed)[:3]
    assert all(0 < h.score < typed[h.slug] for h in misspelt.hits if h.slug in typed)


@pytest.mark.parametrize(("query", "expected", "absent"), [
    ('"attention is all you need"', "transformer-attention-is-all-you-need", None),
    ("chess -kasparov", None, "deep-blue-defeats-kasparov"),
    ("kasparov OR sedol", "alphago-defeats-lee-sedol", None),
    ("(jeopardy OR kasparov) ibm", "watson-wins-jeopardy", None),
    ("transfor*", "transformer-attention-is-all-you-need", None),
    ("title:alphago", "alphago-defeats-lee-sedol", None),
    ('figure:"Demis Hassabis" protein', "alphafold-2", None),
    ("category:policy europe", "eu-ai-act", None),
    ("year:2023 mixture experts", "mixtral-8x7b", None),
    ("year:2020..2024 open weights", "llama-2-open-source", None),
    ("year:>=2020 protein", "alphafold-2", None),
    ("1980s expert systems", "expert-systems-boom", None),
    ("open models 2023", "llama-2-open-source", None),
    ("kasparov zzyzzqx", "deep-blue-defeats-kasparov", None),
])
def test_query_language(corpus_index, query, expected, absent):
    found = slugs(corpus_index.search(query, per_page=20))
    if expected:
        assert expected in found[:5], found
    if absent:
        assert found and absent not in found


def test_years_in_the_query_filter(corpus_index):
    assert {h.year for h in corpus_index.search("year:2020..2022", per_page=50).hits} <= {
        2020, 2021, 2022}
    assert {h.year // 10 for h in corpus_index.search("1980s", per_page=50).hits} == {198}
    assert {h.year for h in corpus_index.search("year:>=2024", per_page=50).hits} <= {2024, 2025}
    assert corpus_index.search("year:<1950", per_page=50).total == 1


def test_years_inside_or_and_after_minus_are_year_conditions(corpus_index, corpus_events):
    fifties = {e.slug for e in corpus_events if 1950 <= e.year <= 1959}
    harris = {h.slug for h in corpus_index.search("harris", per_page=50).hits}
    assert len(fifties) >= 3 and harris
    either = {h.slug for h in corpus_index.search("1950s OR harris", per_page=50).hits}
    assert either == fifties | harris
    for query, decade in (("unit -2010s", 201), ("network -1980s", 198)):
        found = corpus_index.search(query, per_page=100)
        assert found.total and all(h.year // 10 != decade for h in found.hits), query
        everything = corpus_index.search(query.split()[0], per_page=100)
        assert found.total == sum(1 for h in everything.hits if h.year // 10 != decade)


HOSTILE = [
    '"unbalanced quote', "((unbalanced (brackets", "))) stray ((", "OR OR AND NOT -",
    "year:abc", "year:", "year:99999", "year:2030..2020", "figure:", 'figure:"', "category:",
    "-", "*", "**", "a*", "title:", ":", "::::", "x" * 10_000, "word " * 2000,
    "\x00\x01\x02 control \x1b[31m", "🤖🚀 emoji ✨", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "' OR 1=1 --", "NOT", "(", ")", "\\", "\ufeff\u202e",
    "year:1980s..1990s", "-(-(-(-x)))", "(" * 500 + "x" + ")" * 500, "𝔪𝔦𝔰𝔱𝔯𝔞𝔩",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_no_query_is_an_error(corpus_index, query):
    results = corpus_index.search(query)
    assert isinstance(results, SearchResults)
    assert results.total >= 0
    json.dumps(results.to_dict())


@pytest.mark.parametrize("kwargs", [
    {"sort": "best"}, {"page": 0}, {"page": 10_001}, {"per_page": 0}, {"per_page": 101},
    {"year": "2023"}, {"year": (1, 2, 3)}, {"year": True},
])
def test_bad_parameters_raise_query_error(corpus_index, kwargs):
    with pytest.raises(QueryError):
        corpus_index.search("x", **kwargs)


def test_get_related_suggest_and_stats(corpus_index, corpus_events):
    original = next(e for e in corpus_events if e.slug == "mistral-7b")
    assert corpus_index.get("mistral-7b") == original
    assert corpus_index.get("no-such-event") is None
    related = corpus_index.related("mistral-7b", limit=6)
    own = [link.slug for link in original.related]
    assert [r.slug for r in related[:len(own)]] == own
    assert len(related) == 6 and "mistral-7b" not in {r.slug for r in related}
    assert corpus_index.related("no-such-event") == ()
    suggestions = corpus_index.suggest("yann")
    assert ("Yann LeCun", "figure") in {(s.text, s.kind) for s in suggestions}
    titles = corpus_index.suggest("mist")
    assert titles[0].text == "Mistral 7B" and titles[0].slug == "mistral-7b"
    assert corpus_index.suggest("") == ()
    stats = corpus_index.stats()
    assert stats.events == len(corpus_events)
    assert (stats.first_year, stats.last_year) == (1943, 2025)
    assert stats.schema_version == SCHEMA_VERSION


def test_open_missing_and_outdated_indexes(tmp_path, corpus_events):
    with pytest.raises(IndexNotFound, match=str(tmp_path / "none")):
        open_index(tmp_path / "none")
    index = create_index(tmp_path / "old")
    index.update(corpus_events[:3])
    (tmp_path / "old" / "eventsearch.json").write_text('{"schema_version": 1}')
    with pytest.raises(IndexOutdated, match="rebuild"):
        open_index(tmp_path / "old")
    (tmp_path / "old" / "eventsearch.json").unlink()
    with pytest.raises(IndexOutdated):
        open_index(tmp_path / "old")


def test_to_dict_is_asdict(corpus_index):
    import dataclasses

    for query in ("Mistral efficiency", "neural networks 1980s", "Mistrall", ""):
        results = corpus_index.search(query, per_page=5)
        assert results.to_dict() == dataclasses.asdict(results)
    assert corpus_index.stats().to_dict() == dataclasses.asdict(corpus_index.stats())
