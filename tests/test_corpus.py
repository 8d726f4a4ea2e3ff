"""The bundled corpus: complete, consistent and linked, page by page."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from eventsearch.ingest import load_directory

from scripts.make_timeline import render_timeline
from tests.conftest import CORPUS

CATEGORIES = {"Milestone", "Research", "Model", "Product", "Company", "Policy", "Dataset",
              "Hardware"}
REQUIRED = {
    "mcculloch-pitts-neuron": 1943, "turing-test": 1950, "dartmouth-workshop": 1956,
    "perceptron": 1958, "eliza": 1966, "perceptrons-book": 1969, "lighthill-report": 1973,
    "expert-systems-boom": 1980, "backpropagation": 1986, "second-ai-winter": 1987,
    "convolutional-networks-lenet": 1989, "lstm": 1997, "deep-blue-defeats-kasparov": 1997,
    "deep-belief-networks": 2006, "imagenet": 2009, "watson-wins-jeopardy": 2011,
    "mixtral-8x7b": 2023, "llama-3": 2024, "deepseek-r1": 2025, "alexnet": 2012,
    "word2vec": 2013, "generative-adversarial-networks": 2014, "openai-founded": 2015,
    "alphago-defeats-lee-sedol": 2016, "transformer-attention-is-all-you-need": 2017,
    "bert": 2018, "gpt-2": 2019, "gpt-3": 2020, "alphafold-2": 2020, "dall-e": 2021,
    "stable-diffusion-open-source": 2022, "chatgpt-launch": 2022, "gpt-4": 2023,
    "llama-2-open-source": 2023, "mistral-7b": 2023, "eu-ai-act": 2024,
    "nobel-prizes-for-ai": 2024, "open-source-models-close-the-gap": 2025,
    "logic-theorist-and-gps": 1956, "lisp": 1958, "bayesian-networks": 1988,
    "q-learning": 1989, "ibm-statistical-machine-translation": 1990, "mnist": 1998,
    "netflix-prize": 2006, "sequence-to-sequence-learning": 2014,
    "google-neural-machine-translation": 2016, "pytorch": 2016,
    "turing-award-deep-learning": 2018, "alphastar": 2019,
    "denoising-diffusion-models": 2020, "scaling-laws-and-chinchilla": 2020,
    "clip": 2021, "waymo-driverless-rides": 2020, "executive-order-14110": 2023,
}

RESULT = load_directory(CORPUS)
EVENTS = {e.slug: e for e in RESULT.events}


def test_corpus_loads_cleanly_with_enough_events():
    assert RESULT.skipped == ()
    assert [listing.source for listing in RESULT.listings] == [str(CORPUS / "index.html")]
    assert len(EVENTS) >= 83
    years = [e.year for e in EVENTS.values()]
    assert min(years) == 1943 and max(years) == 2025


def test_required_events_are_present_with_their_years():
    assert {slug: EVENTS[slug].year for slug in REQUIRED if slug in EVENTS} == REQUIRED


@pytest.mark.parametrize("slug", sorted(EVENTS))
def test_page_has_every_field(slug):
    event = EVENTS[slug]
    page = CORPUS / f"{slug}.html"
    assert event.url == page.as_uri(), "the slug must match the file name"
    assert event.title and event.year and event.summary and event.impact
    assert event.category in CATEGORIES
    assert 3 <= len(event.sections) <= 6
    assert all(s.heading and s.anchor and s.text for s in event.sections)
    anchors = [s.anchor for s in event.sections]
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a) for a in anchors)
    assert len(event.body.split()) >= 350
    assert 2 <= len(event.figures) <= 6
    assert 1 <= len(event.related) <= 4


@pytest.mark.parametrize("slug", sorted(EVENTS))
def test_related_links_resolve_to_corpus_pages(slug):
    for link in EVENTS[slug].related:
        assert link.slug != slug
        target = EVENTS.get(link.slug)
        assert target is not None, f"{slug} links to missing page {link.url}"
        assert link.url == (CORPUS / f"{link.slug}.html").as_uri()
        assert (link.title, link.year) == (target.title, target.year)


@pytest.mark.parametrize("slug", sorted(EVENTS))
def test_related_links_go_both_ways(slug):
    linked = {link.slug for link in EVENTS[slug].related}
    back = {other for other in linked if slug in {link.slug for link in EVENTS[other].related}}
    assert back, f"none of {sorted(linked)} lists {slug} among its related events"


def test_every_page_is_a_related_event_of_another():
    targets = {link.slug for event in EVENTS.values() for link in event.related}
    assert sorted(set(EVENTS) - targets) == []


def test_no_two_pages_share_a_title():
    repeated = [t for t, n in Counter(e.title for e in EVENTS.values()).items() if n > 1]
    assert repeated == []


def test_reference_event_has_four_separate_figures():
    event = EVENTS["open-source-models-close-the-gap"]
    assert (event.year, event.category) == (2025, "Milestone")
    assert event.figures == ("Mark Zuckerberg", "Yann LeCun", "Arthur Mensch", "Guillaume Lample")


def test_timeline_page_is_up_to_date():
    rendered = render_timeline(CORPUS)
    assert (CORPUS / "index.html").read_text(encoding="utf-8") == rendered, (
        "corpus/index.html is out of date: run python scripts/make_timeline.py")
    linked = set(re.findall(r'href="([a-z0-9-]+)\.html"', rendered))
    assert linked == set(EVENTS)
