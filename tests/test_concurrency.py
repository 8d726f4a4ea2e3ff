"""Sixteen threads search one EventIndex while another commits updates and merges: no
error, every answer from one whole generation, and the caches stay within their bounds."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from eventsearch.search import create_index, segment
from eventsearch.search import view as views

QUERIES = ["transformer attention", '"neural network"', "chess OR go", "deep -learning",
           "vision 2012", "Mistral efficiency", "protein*", "figure:Hinton", "qzxmarker",
           "backprop", "image recognition", "language model"]
THREADS = 16
COMMITS = 12


@pytest.mark.slow
def test_sixteen_threads_search_while_commits_happen(tmp_path, monkeypatch, corpus_events):
    # Small caches, so that threads evict each other's entries all the time.
    monkeypatch.setattr(views, "CACHED_TERMS", 8)
    monkeypatch.setattr(views, "CACHED_PHRASES", 2)
    monkeypatch.setattr(segment.POSTINGS, "size", 20_000)  # bytes of postings kept
    index = create_index(tmp_path / "index")
    events = list(corpus_events)
    index.update(events)
    target = next(i for i, e in enumerate(events) if e.slug == "eliza")
    plain = events[target]
    marked = dataclasses.replace(plain, summary=plain.summary + " Qzxmarker.",
                                 content_hash="")  # derived anew
    slugs = {e.slug for e in events}

    failures: list[BaseException] = []
    seen_marker = set()
    done = threading.Event()
    searches = [0] * THREADS

    def search(number: int) -> None:
        try:
            while not done.is_set():
                for text in QUERIES:
                    results = index.search(text, per_page=20)
                    hits = [hit.slug for hit in results.hits]
                    assert set(hits) <= slugs, hits
                    assert len(hits) == len(set(hits)), hits  # no event twice
                    assert results.total >= len(hits)
                    if text == "qzxmarker":
                        assert hits in ([], ["eliza"]), hits
                        seen_marker.add(tuple(hits))
                    searches[number] += 1
        except BaseException as exc:  # reported by the main thread, which fails the test
            failures.append(exc)

    threads = [threading.Thread(target=search, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        for commit in range(COMMITS):
            events[target] = marked if commit % 2 == 0 else plain
            report = index.update(events, merge=commit % 4 == 3)
            assert report.updated == 1
        index.merge()
    finally:
        done.set()
        for thread in threads:
            thread.join(60)
    assert not failures, failures[0]
    assert all(count > 0 for count in searches), searches
    assert seen_marker <= {(), ("eliza",)}
    # The last commit left the plain page: every thread's next search sees it.
    assert index.search("qzxmarker").total == 0
    view = index.view()
    assert len(view.terms) <= 8 and len(view.phrases) <= 2
    assert 0 < segment.POSTINGS.total <= 20_000
    assert len(index) == len(events)
    index.close()


def test_a_cache_bounded_by_weight_drops_the_least_recently_used():
    from eventsearch.search.caches import LRU

    cache = LRU[bytes](10, weigh=len)
    for key in "abc":
        cache.get(key, lambda: b"xxxx")  # 4 bytes each: c pushes a out
    assert cache.total == 8 and len(cache) == 2
    made = []
    cache.get("b", lambda: made.append("b") or b"")  # kept: not made again
    assert not made
    cache.get("d", lambda: b"xxxx")  # pushes c out, b was used more recently
    assert cache.get("b", lambda: b"new") == b"xxxx"
    assert cache.get("c", lambda: b"yy") == b"yy"
    assert cache.get("huge", lambda: b"x" * 11) == b"x" * 11  # too big to keep
    assert cache.get("huge", lambda: b"") == b""  # and so made again
    assert cache.total <= 10
