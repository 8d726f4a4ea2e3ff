"""Snippets find the query's words without reading every word (search/highlight.py): the
words they find must be exactly those that reading every word finds."""

from __future__ import annotations

import random

import pytest
from eventsearch.search.analysis import query_terms
from eventsearch.search.analysis import terms as text_terms
from eventsearch.search.highlight import _spans, _spans_by_words, best_passage, score_sections

AWKWARD = [
    "Gödel's theorem, Erdős numbers and the café at Zürich: naïve façades.",
    "The U.S. and the U.K. signed; e.g. GPT-3.5 beat v2.0 on 3.14 of tests_suite runs.",
    "end.Start of a sentence.With no space, and a trailing dot.",
    "İstanbul and ǅemal: folding changes the length of these strings.",
    "AI, ai, Ai and said again: aid for AI labs; AIs scaling, scaled, scales, scale.",
    "Capabilities, capability and capable; skies, sky; dying, die; Turing and tures.",
    "",
    "…",
]


def texts(corpus_events) -> list[str]:
    found = list(AWKWARD)
    for event in corpus_events:
        found += [event.title, event.summary, event.impact, *(s.text for s in event.sections)]
    return found


def test_finding_words_by_their_stems_finds_what_reading_every_word_finds(corpus_events):
    rng = random.Random(7)
    checked = 0
    for text in texts(corpus_events):
        words = [term for term, _, _ in text_terms(text)]
        candidates = sorted(set(words)) + ["ai", "scale", "capabl", "sky", "die", "ture",
                                          "godel", "istanbul", "us", "3.14", "nowher"]
        for _ in range(4):
            weights = dict.fromkeys(rng.sample(candidates, min(len(candidates), 5)), 1.0)
            assert _spans(text, weights) == _spans_by_words(text, weights), (text, weights)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("query, text, marked", [
    ("scale", "Scaling laws: models scaled up as the scale grew.",
     ["Scaling", "scaled", "scale"]),
    ("Godel", "Gödel proved it.", ["Gödel"]),
    ("ai", "AI labs said again that AI was here.", ["AI", "AI"]),
    ("İstanbul", "İstanbul hosted it, in İstanbul.", ["İstanbul", "İstanbul"]),
])
def test_snippets_mark_every_form_of_the_word(query, text, marked):
    weights = dict.fromkeys(query_terms(query), 1.0)
    _, snippet = best_passage(text, weights)
    assert list(snippet.marked) == marked


def test_sections_are_scored_the_same_from_stored_counts(corpus_events):
    from eventsearch.search.highlight import section_terms

    event = next(e for e in corpus_events if e.slug == "mistral-7b")
    weights = dict.fromkeys(query_terms("efficiency open weights"), 1.0)
    stored = [section_terms(s.heading, s.text) for s in event.sections]
    assert score_sections(event.sections, weights, terms=stored) == score_sections(
        event.sections, weights)
    assert score_sections(event.sections, weights)


def test_packed_term_counts():
    from eventsearch.search.analysis import term_of
    from eventsearch.search.highlight import section_terms, term_count

    length, packed = section_terms("Scaling Laws", "Scaling the models: models scale. U.S. law")
    assert length == 6  # "the" is a stop word
    assert term_count(packed, "scale") == 2 + 2  # the heading's word counts twice
    assert term_count(packed, "model") == 2
    assert term_count(packed, "law") == 1 + 2
    assert term_count(packed, term_of("U.S")) == 1
    assert term_count(packed, "la") == term_count(packed, "mod") == 0
    assert term_count(packed, "missing") == 0


def test_folding_ascii_text_skips_the_accent_map():
    from eventsearch.search.analysis import fold
    from whoosh.support.charset import accent_map

    every_ascii = "".join(map(chr, range(128)))
    assert fold(every_ascii) == every_ascii.lower().translate(accent_map)
    assert fold("Gödel ÉCOLE") == "godel ecole"
