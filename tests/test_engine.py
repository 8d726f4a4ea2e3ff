"""The array scorer (search/engine.py) gives Whoosh's own scores, to rounding.

Each query is compiled the way a search compiles it, then scored twice: by Whoosh's
matcher tree (``searcher.search``) and by the arrays. The index has several segments and
deleted documents, the cases where document numbers and statistics are easiest to get wrong.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from eventsearch.search import create_index
from eventsearch.search import query as q
from eventsearch.search.engine import PostingCache, Scorer
from eventsearch.search.index import RANKING, _Compiler
from eventsearch.search.schema import to_document

QUERIES = [
    "Mistral efficiency",
    "neural networks",
    "chess computer Kasparov",
    "deep learning image recognition 2012",
    '"expert systems"',
    '"neural network" backpropagation',
    '"deep learning" OR "machine translation"',
    '"chess computer" -"neural network"',
    '"large language models"',
    '"learning learning"',
    'title:"deep blue"',
    "transformer OR attention",
    "(perceptron OR backpropagation) -Minsky",
    "machine -learning",
    "-chess",
    "transfor*",
    "title:winter",
    'convolutional OR figure:"Yann LeCun"',
    "chess OR category:model",
    "(expert year:1980..1990) OR lisp",
    "year:1980..1990 expert",
    "Mistrall efficency",
    "televisión Géant",
]


#: Queries that are right to match nothing: so that every other query checks some scores.
MATCH_NOTHING: set[str] = set()
MATCH_NOTHING_STRICT = {"televisión Géant"}


@pytest.fixture(scope="module")
def segmented(tmp_path_factory, corpus_events):
    """The corpus in three segments, with deletions in the first two."""
    index = create_index(tmp_path_factory.mktemp("segmented"))
    thirds = [corpus_events[i::3] for i in range(3)]
    for part in thirds:
        writer = index._ix.writer()
        for event in part:
            writer.add_document(**to_document(event))
        writer.commit(merge=False)
    writer = index._ix.writer()
    writer.delete_by_term("slug", thirds[0][0].slug)
    changed = dataclasses.replace(thirds[1][1], summary=thirds[1][1].summary + " Zymurgy.")
    writer.update_document(**to_document(changed))
    writer.commit(merge=False)
    return index


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("any_word", [True, False])
def test_scores_equal_whoosh_scores(segmented, text, any_word):
    searcher = segmented._searcher()
    assert len(searcher.reader().leaf_readers()) >= 3
    assert searcher.reader().has_deletions()
    table = segmented._table(searcher)
    compiled = _Compiler(searcher, table, any_word=any_word, years_as_words=True).compile(
        q.parse_query(text).text)
    assert compiled is not None
    expected = {docnum: score for score, docnum in
                searcher.search(compiled, limit=None).top_n}
    found = Scorer(searcher, PostingCache(), RANKING, table.live, {}).evaluate(compiled)
    got = {int(d): float(found.scores[d]) for d in np.flatnonzero(found.mask)}
    assert got.keys() == expected.keys()
    assert expected or text in MATCH_NOTHING or not any_word and text in MATCH_NOTHING_STRICT
    for docnum, score in expected.items():
        assert got[docnum] == pytest.approx(score, rel=1e-9, abs=1e-12), (text, docnum)


def test_a_small_cache_gives_the_same_scores(segmented):
    searcher = segmented._searcher()
    table = segmented._table(searcher)
    compiled = _Compiler(searcher, table, any_word=True, years_as_words=True).compile(
        q.parse_query("learning machine intelligence computer").text)
    roomy = Scorer(searcher, PostingCache(), RANKING, table.live, {}).evaluate(compiled)
    tiny_cache = PostingCache(budget=10)
    tiny = Scorer(searcher, tiny_cache, RANKING, table.live, {}).evaluate(compiled)
    assert tiny_cache.size <= max(10, max(len(ids) for ids, _ in
                                          tiny_cache._entries.values()))
    assert np.array_equal(roomy.mask, tiny.mask)
    assert np.allclose(roomy.scores, tiny.scores, rtol=1e-12)


def test_the_cache_forgets_segments_merged_away(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:30])
    index.search("learning")
    before = set(index._postings._entries)
    assert before
    index.update(corpus_events, rebuild=True)
    index.search("learning")
    after = set(index._postings._entries)
    assert after and not before & after


def test_positions_decode_in_one_call_as_whoosh_decodes_them_one_by_one():
    from eventsearch.search.engine import _decode_deltas
    from whoosh.formats import Positions

    fmt = Positions()
    lists = [[0], [3, 7, 300, 70000], [5, 6], list(range(0, 4000, 3))]
    deltas = [[b - a for a, b in zip([0, *p], p, strict=False)] for p in lists]
    values = [fmt.encode(positions) for positions in lists]
    assert _decode_deltas(values, fmt) == deltas
    # Without the trailing stop opcode, as Whoosh may store them.
    assert _decode_deltas([v[:-1] for v in values], fmt) == deltas
    # Not a protocol 2 pickle: decoded Whoosh's way, one by one.
    odd = [v[:4] + pickle.dumps([2, 3], protocol=4) for v in values[:1]]
    assert _decode_deltas(odd, fmt) == [[2, 3]]


def test_positions_are_whooshs(segmented):
    """Every position of some terms, as the phrase check reads them, against Whoosh's
    matcher read posting by posting."""
    from eventsearch.search.engine import _read_positions, _read_postings, segments

    searcher = segmented._searcher()
    fmt = searcher.schema["body"].format
    checked = 0
    for leaf, _, _ in segments(searcher.reader()):
        for word in (b"learn", b"network", b"comput", b"zymurgi"):
            if (("body", word)) not in leaf:
                assert len(_read_positions(leaf, "body", word, fmt)[2]) == 0
                continue
            matcher = leaf.postings("body", word)  # skips deleted documents
            expected = []
            while matcher.is_active():
                expected += [matcher.id() << 32 | p for p in matcher.value_as("positions")]
                matcher.next()
            ids, weights, keys = _read_positions(leaf, "body", word, fmt)
            expected_ids, expected_weights = _read_postings(leaf, "body", word)
            assert ids.tolist() == expected_ids.tolist()
            assert weights.tolist() == expected_weights.tolist()
            got = [k for k in keys.tolist() if not leaf.is_deleted(k >> 32)]
            assert got == expected
            checked += len(expected)
    assert checked > 300


def test_statistics_ask_whoosh_once_per_term_as_text_or_bytes(segmented):
    from eventsearch.search.engine import Statistics

    searcher = segmented._searcher()
    stats = Statistics()
    asked = stats.doc_frequency(searcher.reader(), "body", "learn")
    assert asked == searcher.reader().doc_frequency("body", "learn") > 0
    assert stats.doc_frequency(searcher.reader(), "body", b"learn") == asked
    assert len(stats._found) == 1
