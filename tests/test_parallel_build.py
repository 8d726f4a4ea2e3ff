"""A large update reads its events in worker processes (search/writer.py), each numbering
terms in a series of its own: the index it writes must search exactly as one written in
this process."""

from __future__ import annotations

import pytest
from eventsearch.search import create_index, writer
from eventsearch.search.building import SegmentBuilder

QUERIES = ["transformer attention", '"deep learning"', "chess OR go", "Hinton -backprop",
           "neural networks 2012", "vision", "Mistral efficiency", "alphafold protein",
           "title:GPT", "figures:LeCun"]


def _answers(index):
    found = {}
    for text in QUERIES:
        results = index.search(text, per_page=20)
        found[text] = (results.total, [(h.slug, round(h.score, 9)) for h in results.hits],
                       results.facets)
    found["suggest"] = index.suggest("neurl")
    stats = index.stats()
    found["stats"] = (stats.events, stats.first_year, stats.last_year, stats.categories,
                      stats.figures)
    found["rows"] = [index.get(slug) for slug in sorted(index.slugs())]
    return found


@pytest.fixture(scope="module")
def serial(tmp_path_factory, corpus_events):
    index = create_index(tmp_path_factory.mktemp("serial") / "index")
    index.update(corpus_events)
    yield _answers(index)
    index.close()


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_write_the_same_index(tmp_path, monkeypatch, corpus_events, serial,
                                      start_method):
    monkeypatch.setattr(writer, "PARALLEL_MIN", 1)
    monkeypatch.setattr(writer, "CHUNK", 7)  # many tasks, shared among the workers
    monkeypatch.setattr(writer, "START_METHOD", start_method)
    monkeypatch.setattr(writer.os, "cpu_count", lambda: 2)
    renumbered = []  # what came from a worker, in its numbers, is learnt here
    real = SegmentBuilder._learn

    def spy(self, found):
        renumbered.append(found.slug)
        return real(self, found)

    monkeypatch.setattr(SegmentBuilder, "_learn", spy)
    index = create_index(tmp_path / "index")
    index.update(corpus_events)
    try:
        assert renumbered == [e.slug for e in corpus_events]
        assert _answers(index) == serial
    finally:
        index.close()
