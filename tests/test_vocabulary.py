"""The vocabulary that spelling corrections and completions draw on (search/vocabulary.py),
kept in a column per event and counted per segment."""

from __future__ import annotations

import dataclasses

from eventsearch.search import create_index
from eventsearch.search.schema import to_document
from eventsearch.search.vocabulary import Vocabulary, WordCounts


def with_word(event, slug: str, word: str):
    return dataclasses.replace(event, slug=slug, summary=f"{event.summary} {word}.",
                               content_hash="")


def test_vocabulary_counts_words_as_written():
    vocabulary = Vocabulary({"efficiency": 3, "efficient": 5, "effort": 1, "mistral": 2})
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
    writer = index._ix.writer()
    for event in corpus_events:
        writer.add_document(**to_document(event))
    writer.add_document(**to_document(with_word(corpus_events[0], "extra-1", "Quuxification")))
    writer.add_document(**to_document(with_word(corpus_events[1], "extra-2", "Quuxification")))
    writer.commit(merge=False)
    assert [s.text for s in index.suggest("quux")] == ["quuxification"]
    assert index.search("quuxificaton").suggestion == "quuxification"

    writer = index._ix.writer()
    writer.delete_by_term("slug", "extra-1")
    writer.commit(merge=False)
    searcher = index._searcher()
    assert searcher.reader().has_deletions()
    assert index._table(searcher).vocabulary(searcher).frequency("quuxification") == 1

    writer = index._ix.writer()
    writer.delete_by_term("slug", "extra-2")
    writer.commit(merge=False)
    searcher = index._searcher()
    assert index._table(searcher).vocabulary(searcher).frequency("quuxification") == 0
    assert index.suggest("quux") == ()
    assert index.search("quuxificaton").suggestion is None


def test_an_update_shows_new_words_at_once(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    assert index.suggest("zymu") == ()
    index.update([*corpus_events, with_word(corpus_events[2], "brewing", "Zymurgy")])
    assert [s.text for s in index.suggest("zymu")] == ["zymurgy"]
    assert index.search("zymurgi").suggestion == "zymurgy"


def test_the_writer_saves_each_segments_word_counts(index_dir, corpus_events):
    from eventsearch.search import open_index
    from eventsearch.search.engine import segments

    index = create_index(index_dir)
    index.update(corpus_events[:40])
    index.update([*corpus_events[:40], with_word(corpus_events[3], "zymurgy", "Zymurgy")])
    saved = {p.stem.removeprefix("words_") for p in index_dir.glob("words_*.pickle")}
    searcher = index._searcher()
    assert saved == {segment for _, _, segment in segments(searcher.reader())}

    fresh = open_index(index_dir)
    searcher = fresh._searcher()
    vocabulary = fresh._table(searcher).vocabulary(searcher)
    assert vocabulary.frequency("zymurgy") == 1
    counted = WordCounts().vocabulary(segments(searcher.reader()))  # from the columns
    assert vocabulary.counts == counted.counts

    index.update(corpus_events, rebuild=True)
    searcher = index._searcher()
    live = {segment for _, _, segment in segments(searcher.reader())}
    assert {p.stem.removeprefix("words_") for p in index_dir.glob("words_*.pickle")} == live


def test_a_damaged_word_counts_file_is_counted_again(index_dir, corpus_events):
    from eventsearch.search import open_index

    index = create_index(index_dir)
    index.update([*corpus_events, with_word(corpus_events[3], "zymurgy", "Zymurgy")])
    for path in index_dir.glob("words_*.pickle"):
        path.write_bytes(b"not a pickle")
    assert open_index(index_dir).search("zymurgi").suggestion == "zymurgy"
