"""A damaged index, a full disk, an index made anew under a running reader: clear errors,
never a traceback, never a silent wrong answer."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from eventsearch.search import (
    IndexCorrupt,
    IndexNotFound,
    IndexWriteError,
    create_index,
    open_index,
)
from eventsearch.search.check import check_index

from tests.conftest import ROOT


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eventsearch", *args], capture_output=True,
                          text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def built(tmp_path_factory, corpus_events) -> Path:
    folder = tmp_path_factory.mktemp("whole") / "index"
    create_index(folder).update(corpus_events)
    return folder


def _one(folder: Path, suffix: str) -> Path:
    return next(p for p in folder.iterdir() if p.name.endswith(suffix))


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "garbage table of contents": lambda f: _one(f, ".toc").write_bytes(b"garbage" * 10),
    "truncated table of contents": lambda f: _truncate(_one(f, ".toc")),
    "deleted term file": lambda f: _one(f, ".trm").unlink(),
    "truncated postings": lambda f: _truncate(_one(f, ".pst")),
    "truncated segment file": lambda f: _truncate(_one(f, ".evs")),
    "truncated stored fields": lambda f: _truncate(_one(f, "_stored.col")),
}


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request, built, tmp_path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(built, folder)
    DAMAGE[request.param](folder)
    return folder


def test_a_damaged_index_is_refused_with_a_clear_error(damaged):
    with pytest.raises(IndexCorrupt, match=r"is damaged \(.+\): rebuild it with "):
        open_index(damaged).search("mistral")


def test_every_command_says_the_index_is_damaged_and_index_rebuilds_it(damaged,
                                                                        corpus_events):
    for args in (["search", "mistral"], ["stats"], ["show", "mistral-7b"]):
        done = cli(*args, "--index", str(damaged))
        assert done.returncode == 1, args
        assert "is damaged" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert cli("check", "--index", str(damaged)).returncode == 1

    rebuilt = cli("index", "--index", str(damaged))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "is damaged" in rebuilt.stderr and "rebuilding it now" in rebuilt.stderr
    assert "Traceback" not in rebuilt.stderr
    index = open_index(damaged)
    assert len(index) == len(corpus_events)
    assert index.search("Mistral efficiency").hits[0].slug == "mistral-7b"
    assert check_index(damaged).ok


def test_the_web_answers_503_for_a_damaged_index(damaged):
    from eventsearch.web import create_app

    client = create_app({"INDEX": str(damaged), "TESTING": True}).test_client()
    response = client.get("/api/search?q=mistral")
    assert response.status_code == 503
    assert "is damaged" in response.get_json()["error"]["message"]
    assert client.get("/search?q=mistral").status_code == 503


def test_check_reads_every_file_and_finds_a_changed_byte(built, tmp_path):
    whole = check_index(built)
    # Each segment: Whoosh's terms and postings (of slugs), its stored-fields column, and
    # our own segment file.
    assert whole.ok and whole.events > 60 and whole.files == 4 * whole.segments
    assert whole.bytes_read > 0
    assert cli("check", "--index", str(built)).returncode == 0
    folder = tmp_path / "index"
    shutil.copytree(built, folder)
    _flip(_one(folder, ".pst"))  # same size: only the checksum tells
    found = check_index(folder)
    assert not found.ok
    assert any("has changed since it was written" in p for p in found.problems)
    done = cli("check", "--index", str(folder), "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["ok"] is False


def test_an_index_path_that_is_a_file_is_a_clear_error(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("hello")
    with pytest.raises(IndexNotFound, match="is a file, not an index folder"):
        open_index(path)
    with pytest.raises(IndexWriteError, match="a file is in the way"):
        create_index(path)
    for args in (["search", "x"], ["stats"], ["index"]):
        done = cli(*args, env={"EVENTSEARCH_INDEX": str(path)})
        assert done.returncode == 1, args
        assert "Traceback" not in done.stderr and str(path) in done.stderr


def test_an_index_made_anew_is_not_taken_for_the_old_one(index_dir, corpus_events):
    """Deleted and rebuilt, an index starts again at generation 1: a reader that had the
    old one open must not keep serving it (nor its ETag)."""
    first, second = corpus_events[:20], corpus_events[20:40]
    create_index(index_dir).update(first)
    running = open_index(index_dir)
    assert running.search("", per_page=1).total == 20
    old_generation, old_revision = running.version, running.revision

    shutil.rmtree(index_dir)
    create_index(index_dir).update(second)
    assert running.version == old_generation  # generations alone cannot tell them apart
    assert running.revision != old_revision
    shown = {hit.slug for hit in running.search("", per_page=100).hits}
    assert shown == {e.slug for e in second}
    assert running.get(first[0].slug) is None


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs: writes past it fail with ENOSPC, as on a full disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): "
                    f"{done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# Whoosh's segment writer cannot close its files on a full disk (closing flushes, which
# fails again); they are closed when the writer is collected, with a ResourceWarning.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_full_disk_is_a_clear_error_and_leaves_the_last_commit(small_disk, corpus_events):
    folder = small_disk / "index"
    index = create_index(folder)
    index.update(corpus_events[:10])
    with pytest.raises(IndexWriteError, match="No space left on device.*left as it was") as error:
        index.update([dataclasses.replace(e, slug=f"{e.slug}-{n}", content_hash="")
                      for n in range(10) for e in corpus_events])
    del error  # the failed writer goes with the error's traceback (see the filter above)
    gc.collect()
    survivor = open_index(folder)
    assert len(survivor) == 10
    assert check_index(folder).ok
    # Space freed, the next update goes straight in: the lock went with the failed writer,
    # and the commit deletes what it had half written.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    assert survivor.update(corpus_events[:11], lock_timeout=0.5).added == 1
    assert check_index(folder).ok
    assert not [p for p in folder.iterdir() if p.is_dir() or p.suffix == ".tmp"]
    assert len(list(folder.glob("*.pst"))) == open_index(folder).stats().segments


def test_the_web_does_not_answer_304_for_an_index_made_anew(index_dir, corpus_events):
    from eventsearch.web import create_app

    create_index(index_dir).update(corpus_events[:20])
    client = create_app({"INDEX": str(index_dir), "TESTING": True}).test_client()
    first = client.get("/api/search?q=&per_page=100")
    etag = first.headers["ETag"]
    assert client.get("/api/search?q=&per_page=100",
                      headers={"If-None-Match": etag}).status_code == 304
    shutil.rmtree(index_dir)
    create_index(index_dir).update(corpus_events[20:40])
    again = client.get("/api/search?q=&per_page=100", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert {h["slug"] for h in again.get_json()["hits"]} == {e.slug for e in corpus_events[20:40]}
