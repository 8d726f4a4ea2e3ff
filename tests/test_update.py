"""Incremental updates by content hash, on a real index on disk."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import pytest
from eventsearch.search import create_index, open_index


def edited(event, **changes):
    return dataclasses.replace(event, content_hash="", **changes)


def test_update_adds_replaces_deletes_and_leaves_the_rest(index_dir, corpus_events):
    index = create_index(index_dir)
    first = index.update(corpus_events, skipped=2)
    assert (first.added, first.updated, first.deleted, first.unchanged, first.skipped) == (
        len(corpus_events), 0, 0, 0, 2)

    again = index.update(corpus_events)
    assert (again.added, again.updated, again.deleted, again.unchanged) == (
        0, 0, 0, len(corpus_events))
    generation = index.version
    assert not again.changed

    target = corpus_events[5]
    changed = edited(target, summary=target.summary + " A sentence about zymurgy.")
    events = [changed if e is target else e for e in corpus_events[:-1]]
    new = edited(corpus_events[0], slug="a-brand-new-event", title="A Brand New Event")
    report = index.update([*events, new])
    assert (report.added, report.updated, report.deleted, report.unchanged) == (
        1, 1, 1, len(corpus_events) - 2)
    assert index.version > generation
    assert [h.slug for h in index.search("zymurgy").hits] == [target.slug]
    assert index.get(corpus_events[-1].slug) is None
    assert index.get("a-brand-new-event").title == "A Brand New Event"
    assert len(index) == len(corpus_events)


def test_unchanged_update_writes_nothing(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    files = sorted(p.name for p in index_dir.iterdir())
    generation = index.version
    index.update(list(reversed(corpus_events)))
    assert index.version == generation
    assert sorted(p.name for p in index_dir.iterdir()) == files


def test_one_changed_page_writes_one_document(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    target = corpus_events[10]
    index.update([edited(target, impact="Rewritten.") if e is target else e
                  for e in corpus_events])
    # The old segment keeps its documents (one marked deleted); one new document was written.
    segments = [segment.count for segment in index.view().segments]
    assert sorted(segments) == [1, len(corpus_events)]


def test_keep_protects_pages_that_failed_this_time(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    missing = corpus_events[3].slug
    report = index.update(corpus_events[:3] + corpus_events[4:], keep={missing})
    assert report.deleted == 0 and index.get(missing) is not None
    rebuilt = index.update(corpus_events[:3] + corpus_events[4:], keep={missing}, rebuild=True)
    assert rebuilt.deleted == 0 and index.get(missing) is not None


def test_duplicate_slugs_are_skipped_with_a_note(index_dir, corpus_events):
    index = create_index(index_dir)
    twin = edited(corpus_events[1], slug=corpus_events[0].slug, title="Twin")
    report = index.update([corpus_events[0], twin])
    assert (report.added, report.skipped) == (1, 1)
    assert "duplicate slug" in report.notes[0]
    assert index.get(corpus_events[0].slug).title == corpus_events[0].title


def test_delete_missing_false_only_adds(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:10])
    report = index.update(corpus_events[10:20], delete_missing=False)
    assert (report.added, report.deleted) == (10, 0)
    assert len(index) == 20


def test_rebuild_rewrites_everything_in_one_segment(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:30])
    index.update(corpus_events[:40])
    report = index.update(corpus_events[10:], rebuild=True)
    # Every event is rewritten: the 30 already there count as updated, the rest as added.
    assert (report.added, report.updated, report.deleted) == (len(corpus_events) - 40, 30, 10)
    reopened = open_index(index_dir)
    assert len(reopened) == len(corpus_events) - 10
    assert len(reopened.view().segments) == 1


def test_failed_update_commits_nothing(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:5])

    def events():
        yield from corpus_events[5:10]
        raise RuntimeError("the source broke mid-way")

    with pytest.raises(RuntimeError):
        index.update(events())
    assert len(open_index(index_dir)) == 5
    assert index.update(corpus_events[:10]).added == 5


def test_hits_show_the_new_text_after_an_update(index_dir, corpus_events):
    """Shown documents are cached by segment; an update must never show the old text."""
    index = create_index(index_dir)
    index.update(corpus_events)
    target = next(e for e in corpus_events if e.slug == "mistral-7b")
    before = index.search("Mistral efficiency").hits
    assert target.slug in [h.slug for h in before]
    changed = edited(target, summary="Mistral 7B, rewritten: efficiency in a small model.")
    index.update([changed if e is target else e for e in corpus_events])
    hit = next(h for h in index.search("Mistral efficiency").hits if h.slug == target.slug)
    assert "rewritten" in hit.snippet.text
    assert index.get(target.slug).summary == changed.summary


def test_edits_do_not_leave_a_trail_of_tiny_segments(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    events = list(corpus_events)
    for round_number in range(6):
        target = events[round_number]
        events[round_number] = edited(target, summary=f"{target.summary} Edit {round_number}.")
        index.update(events)
        assert index.stats().segments <= 2
        assert index.search(f'"edit {round_number}"').total == 1
    assert len(index) == len(corpus_events)
    assert {h.slug for h in index.search("edit", per_page=50).hits} >= {
        e.slug for e in events[:6]}


def test_delete_removes_named_slugs_without_delete_missing(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:10])
    named = {corpus_events[0].slug, corpus_events[1].slug, corpus_events[2].slug, "unknown"}
    report = index.update(corpus_events[1:2] + corpus_events[10:12], delete_missing=False,
                          delete=named, keep={corpus_events[2].slug})
    # Named and indexed, neither given again nor kept: only the first goes.
    assert (report.added, report.deleted, report.unchanged) == (2, 1, 1)
    assert set(index.slugs()) == {e.slug for e in corpus_events[1:12]}


def test_repeated_updates_keep_few_segments_and_reclaim_replaced_events(index_dir,
                                                                        corpus_events):
    """Whoosh's own policy let a dozen segments and every replaced event pile up
    (search/merging.py); here each tier keeps at most three segments, and no segment
    keeps a third of its documents deleted."""
    from eventsearch.search.merging import MAX_DELETED_SHARE, SEGMENTS_PER_TIER, TIER_FACTOR

    events = [dataclasses.replace(e, slug=f"{e.slug}-{n}", content_hash="")
              for n in range(4) for e in corpus_events][:240]
    index = create_index(index_dir)
    index.update(events)
    seen_segments = []
    for round_number in range(1, 19):
        for at in range(round_number * 20, round_number * 20 + 20):
            at %= len(events)
            events[at] = edited(events[at], impact=f"{events[at].impact} churnmark{round_number}")
        index.update(events)
        segments = index.view().segments
        seen_segments.append(len(segments))
        tiers = Counter(int(math.log(max(1, s.count - len(s.deleted)), TIER_FACTOR))
                        for s in segments)
        assert max(tiers.values()) <= SEGMENTS_PER_TIER, round_number
        for segment in segments:
            assert len(segment.deleted) < MAX_DELETED_SHARE * segment.count, round_number
    assert len(index) == len(events)
    assert max(seen_segments) <= 6 and min(seen_segments) <= 3
    for round_number in (1, 9, 18):
        assert index.search(f"churnmark{round_number}").total == 20


def _times(index) -> dict[str, tuple[float, float]]:
    """(added, changed) of every indexed event, by slug."""
    return {h.slug: (h.added, h.changed) for h in index.search("", per_page=100).hits}


def test_times_indexed_are_kept_by_unchanged_updates_merges_and_rebuilds(index_dir,
                                                                       corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:40])
    first = _times(index)
    assert len(set(first.values())) == 1  # one update, one time
    ((added, changed),) = set(first.values())
    assert added == changed > 0

    index.update(corpus_events[:40])  # nothing changed: nothing written
    assert _times(index) == first

    target = corpus_events[3]
    events = [edited(target, impact="Rewritten.") if e is target else e
              for e in corpus_events[:60]]
    index.update(events, merge=False)
    second = _times(index)
    assert second[target.slug][0] == added and second[target.slug][1] > changed
    new = {slug for slug in second if slug not in first}
    assert len(new) == 20 and all(second[s][0] == second[s][1] > changed for s in new)
    assert {s: t for s, t in second.items() if s != target.slug and s in first} == {
        s: t for s, t in first.items() if s != target.slug}

    # A merge copies the rows as they are (those of a tiny segment folded into a commit,
    # and the tiers that EventIndex.merge merges); so does a rebuild of unchanged events.
    for group in range(3):
        changed_now = {e.slug for e in events[10 + 12 * group:22 + 12 * group]}
        events = [edited(e, impact=f"Edit {group}.") if e.slug in changed_now else e
                  for e in events]
        index.update(events, merge=False)
        index.update([*events, edited(corpus_events[70], slug=f"extra-{group}")],
                     merge=False)
    before = _times(index)
    assert "extra-2" in before and len(set(before.values())) > 4
    segments = len(index.view().segments)
    assert index.merge() > 0 and len(index.view().segments) < segments
    assert _times(index) == before
    index.update(events, rebuild=True)
    assert _times(index) == {s: t for s, t in before.items() if s != "extra-2"}


def test_sort_added_lists_the_newest_indexed_first(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:50])
    index.update(corpus_events[:60])
    hits = index.search("", sort="added", per_page=100).hits
    assert [h.added for h in hits] == sorted((h.added for h in hits), reverse=True)
    assert {h.slug for h in hits[:10]} == {e.slug for e in corpus_events[50:60]}
    # Filters and words apply as to any sort.
    found = index.search("network", year=(1980, 2030), sort="added", per_page=100)
    plain = index.search("network", year=(1980, 2030), per_page=100)
    assert found.total == plain.total > 0
    assert {h.slug for h in found.hits} == {h.slug for h in plain.hits}
    assert [h.added for h in found.hits] == sorted((h.added for h in found.hits),
                                                   reverse=True)
