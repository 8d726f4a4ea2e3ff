"""The vocabulary that spelling corrections and completions draw on (search/vocabulary.py),
kept per segment in its file and counted over a view's live events."""

from __future__ import annotations

import dataclasses
from collections import Counter

from eventsearch.search import create_index, open_index
from eventsearch.search.analysis import vocabulary_words
from eventsearch.search.vocabulary import Vocabulary


def with_word(event, slug: str, word: str):
    return dataclasses.replace(event, slug=slug, summary=f"{event.summary} {word}.",
                               content_hash="")


def words_of(events) -> Counter:
    """How many of ``events`` use each word: counted straight from their text."""
    return Counter(word for e in events for word in vocabulary_words(" ".join(
        (e.title, " ".join(e.figures), e.summary, e.body, e.impact))))


def test_vocabulary_counts_words_as_written():
    vocabulary = Vocabulary(Counter({"efficiency": 3, "efficient": 5, "effort": 1,
                                     "mistral": 2}))
    assert vocabulary.frequency("efficiency") == 3
    assert vocabulary.frequency("efficency") == 0
    assert vocabulary.within("efficency", 1) == ["efficiency"]
    assert vocabulary.within("efficent", 1) == ["efficient"]
    assert sorted(vocabulary.within("efficiencz", 2)) == ["efficiency", "efficient"]
    assert vocabulary.within("mistrall", 1) == ["mistral"]
    assert vocabulary.within("xistral", 1) == []  # the first letter must match
    assert vocabulary.starting("eff") == ["efficiency", "efficient", "effort"]
    assert vocabulary.starting("effi", limit=1) == ["efficiency"]
    assert vocabulary.starting("zz") == []


def test_words_of_deleted_events_are_taken_off(index_dir, corpus_events):
    """Deleted documents stay in their segment until a merge; their words must not."""
    index = create_index(index_dir)
    extras = [with_word(corpus_events[0], "extra-1", "Quuxification"),
              with_word(corpus_events[1], "extra-2", "Quuxification")]
    index.update([*corpus_events, *extras])
    assert [s.text for s in index.suggest("quux")] == ["quuxification"]
    assert index.search("quuxificaton").suggestion == "quuxification"

    index.update([], delete_missing=False, delete={"extra-1"}, merge=False)
    view = index.view()
    assert [len(s.deleted) for s in view.segments] == [1]  # deleted, still in its segment
    assert view.vocabulary().frequency("quuxification") == 1

    index.update([], delete_missing=False, delete={"extra-2"}, merge=False)
    assert index.view().vocabulary().frequency("quuxification") == 0
    assert index.suggest("quux") == ()
    assert index.search("quuxificaton").suggestion is None


def test_an_update_shows_new_words_at_once(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    assert index.suggest("zymu") == ()
    index.update([*corpus_events, with_word(corpus_events[2], "brewing", "Zymurgy")])
    assert [s.text for s in index.suggest("zymu")] == ["zymurgy"]
    assert index.search("zymurgi").suggestion == "zymurgy"


def test_the_vocabulary_over_segments_is_the_words_of_the_live_events(index_dir,
                                                                      corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:40])
    changed = [*corpus_events[5:40], with_word(corpus_events[3], "zymurgy", "Zymurgy"),
               *corpus_events[60:70]]
    index.update(changed, merge=False)
    fresh = open_index(index_dir)  # another process would read the same files
    assert len(fresh.view().segments) == 2
    assert fresh.view().vocabulary().counts == +words_of(changed)
