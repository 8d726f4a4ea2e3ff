"""Serving under load while the index is re-indexed again and again (bench/serve_reindex.py,
short): a real server on 127.0.0.1, clients in threads, commits that fold segments under
their feet. Counted: errors (any 5xx or broken connection), stale answers, duplicate hits."""

from __future__ import annotations

import pytest

from bench.serve_reindex import run


@pytest.mark.slow
def test_no_error_stale_or_duplicate_answer_while_reindexing(index_dir, corpus_events):
    found = run(index_dir, list(corpus_events), clients=6, rounds=12, pause=0.3)
    assert found.errors == []
    assert found.duplicates == []
    assert found.stale == []
    assert set(found.totals) <= {len(corpus_events), len(corpus_events) - 1}
    assert found.commits == 12 and found.requests > 200
