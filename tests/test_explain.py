"""Why this result: each hit's score taken apart (search/explain.py), in the Python API, the
JSON API and the command line. The parts add up to the score, and each part is BM25F
computed here again from the events' own text."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from click.testing import CliRunner
from eventsearch.search import create_index
from eventsearch.search.analysis import index_terms, query_terms
from eventsearch.search.compiler import CORRECTION_BOOST
from eventsearch.search.highlight import idf
from eventsearch.search.schema import FIELD_BOOSTS
from eventsearch.search.scoring import FIELD_B, K1, B
from eventsearch.search.segment import field_texts
from eventsearch.search.synonyms import SYNONYM_BOOST
from eventsearch.web.cli import cli

from tests.test_web_api import validate

QUERIES = [
    "Mistral efficiency", "RLHF", '"attention is all you need"', "chess -kasparov",
    "year:2023 mixture experts", "efficency", "1980s expert systems", "transfor*",
    "title:alphago", "(jeopardy OR kasparov) ibm", "neural network", "LLM scaling",
]


def assert_adds_up(results) -> None:
    for hit in results.hits:
        explanation = hit.explanation
        assert explanation is not None and explanation.parts, hit.slug
        total = sum(part.score for part in explanation.parts)
        assert total == pytest.approx(explanation.score, rel=1e-12), hit.slug
        assert round(explanation.score, 4) == hit.score


@pytest.mark.parametrize("query", QUERIES)
def test_the_parts_add_up_to_the_score(corpus_index, query):
    results = corpus_index.search(query, explain=True, per_page=10)
    assert results.hits, query
    assert_adds_up(results)


def test_no_explanation_unless_asked(corpus_index):
    assert all(h.explanation is None for h in corpus_index.search("neural").hits)


@pytest.fixture(scope="module")
def segmented(tmp_path_factory, corpus_events):
    """Three segments with deleted events: counts and lengths must skip the deleted."""
    index = create_index(tmp_path_factory.mktemp("explain") / "index")
    index.update(corpus_events[:40], merge=False)
    index.update(corpus_events, merge=False)
    gone = {corpus_events[5].slug, corpus_events[50].slug}
    live = [e for e in corpus_events if e.slug not in gone]
    index.update(live, merge=False)
    return index, live


def test_each_part_is_bm25f_of_the_events_text(segmented):
    """Every word part, recomputed from the events' text: tf, the field's length, its mean
    length, the document frequency over live events, idf, and the score."""
    index, live = segmented
    texts = {e.slug: field_texts(e) for e in live}
    results = index.search("neural network language", explain=True, per_page=8)
    assert_adds_up(results)
    checked = 0
    for hit in results.hits:
        for part in hit.explanation.parts:
            assert part.kind == "word"
            (term,), = part.terms
            counts = {slug: Counter(index_terms(fields[part.field]))
                      for slug, fields in texts.items()}
            df = sum(1 for c in counts.values() if c[term])
            lengths = [sum(c.values()) for c in counts.values()]
            assert part.tf == counts[hit.slug][term]
            assert part.document_frequency == df
            assert part.idf == pytest.approx(idf(len(live), df))
            assert part.boost == FIELD_BOOSTS[part.field]
            assert part.k1 == K1 and part.b == FIELD_B.get(part.field, B)
            # Field lengths are stored in one byte, as Whoosh stores them: near, not exact.
            assert part.field_length == pytest.approx(sum(counts[hit.slug].values()), rel=0.1,
                                                      abs=1)
            assert part.average_length == pytest.approx(sum(lengths) / len(lengths), rel=0.1)
            norm = K1 * (1 - part.b + part.b * part.field_length / part.average_length)
            assert part.score == pytest.approx(
                part.idf * part.tf * (K1 + 1) / (part.tf + norm) * part.boost)
            checked += 1
    assert checked >= 8


def test_synonyms_corrections_phrases_exclusions_and_filters(corpus_index):
    rlhf = corpus_index.search("RLHF", explain=True).hits[0].explanation
    blend = rlhf.parts[0]
    assert blend.kind == "blend" and blend.terms[0] == ("rlhf",)
    assert query_terms("reinforcement learning from human feedback") == list(blend.terms[1])
    assert blend.weights == (1.0, SYNONYM_BOOST)
    assert rlhf.expansions and rlhf.expansions[0].typed == "RLHF"

    typo = corpus_index.search("efficency", explain=True).hits[0].explanation
    assert typo.corrections == (("efficency", "efficiency"),)
    assert {p.weights for p in typo.parts} == {(1.0, CORRECTION_BOOST)}

    phrase = corpus_index.search('"attention is all you need"', explain=True).hits[0]
    assert {p.kind for p in phrase.explanation.parts} == {"phrase"}
    assert {p.phrase for p in phrase.explanation.parts} == {("attent", "need")}

    excluded = corpus_index.search("chess -kasparov", explain=True).hits[0].explanation
    assert [(p.kind, p.terms, p.score) for p in excluded.parts if p.kind == "not"] == [
        ("not", (("kasparov",),), 1.0)]

    filtered = corpus_index.search("1980s expert systems", category="Milestone",
                                   explain=True)
    assert all(h.explanation.filters == ('category:"Milestone"', "year:1980..1989")
               for h in filtered.hits)
    assert corpus_index.search("mixture experts", year=2023, explain=True
                               ).hits[0].explanation.filters == ("year:2023",)


def test_all_words_first_whatever_the_score(corpus_index):
    results = corpus_index.search("Mistral efficiency", explain=True, per_page=20)
    flags = [h.explanation.all_words for h in results.hits]
    assert flags == sorted(flags, reverse=True) and flags.count(True) == results.all_words


def test_the_json_api_explains_when_asked(client, app):
    openapi = app.test_client().get("/api/openapi.json").get_json()
    plain = client.get("/api/search?q=RLHF").get_json()
    assert all(h["explanation"] is None for h in plain["hits"])
    body = client.get("/api/search?q=RLHF+scaling&explain=1").get_json()
    validate(openapi, "SearchResults", body)
    for hit in body["hits"]:
        explanation = hit["explanation"]
        assert math.isclose(sum(p["score"] for p in explanation["parts"]),
                            explanation["score"], rel_tol=1e-12)
        assert round(explanation["score"], 4) == hit["score"]
    bad = client.get("/api/search?q=x&explain=maybe")
    assert bad.status_code == 400 and "explain" in bad.get_json()["error"]["message"]


def test_the_command_line_explains(tmp_path, corpus_events):
    index = create_index(tmp_path / "index")
    index.update(corpus_events)
    runner = CliRunner()
    shown = runner.invoke(cli, ["search", "Mistral efficiency", "--index",
                                str(tmp_path / "index"), "--explain", "--limit", "2"])
    assert shown.exit_code == 0, shown.output
    assert "= the sum of:" in shown.output
    assert "mistral in title: tf 1" in shown.output and "idf" in shown.output
    as_json = runner.invoke(cli, ["search", "Mistral", "--index", str(tmp_path / "index"),
                                  "--explain", "--json"])
    hits = json.loads(as_json.output)["hits"]
    assert hits and all(h["explanation"]["parts"] for h in hits)


def test_the_results_page_explains_when_asked(client):
    plain = client.get("/search?q=RLHF").get_data(as_text=True)
    assert 'class="why"' not in plain
    page = client.get("/search?q=RLHF+%3Cb%3Escaling&explain=1").get_data(as_text=True)
    assert page.count('<details class="why">') >= 2
    assert "Why this result: score" in page and "rlhf | reinforc learn human feedback" in page
    assert "<b>" not in page  # the query is escaped wherever it shows
    # Paging and filter links keep the explanations.
    assert "explain=1" in page.split('class="why"')[0]
