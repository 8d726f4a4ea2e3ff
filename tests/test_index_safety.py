"""The index under stress: readers during commits, two writers, kill -9, old schemas."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from eventsearch.search import IndexLocked, create_index, open_index

from bench.generate import generate_corpus
from tests.conftest import CORPUS, ROOT


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eventsearch", *args], capture_output=True,
                          text=True,
                          cwd=ROOT, timeout=300, **kwargs)


def test_readers_keep_working_and_see_each_commit(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events)
    errors: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                totals.add(index.search("", per_page=1).total)
                index.search("network model", per_page=5)
                # Leave the writer the GIL: its many small writes would otherwise each wait
                # behind the readers (the GIL convoy), which is slow but not what we test.
                time.sleep(0.02)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    events = list(corpus_events)
    for round_number in range(6):
        target = events[round_number]
        events[round_number] = dataclasses.replace(
            target, content_hash="", impact=f"{target.impact} quokka{round_number}")
        index.update(events[: len(events) - round_number % 2])
        # This thread's next search sees the commit, with no reopening by hand.
        assert [h.slug for h in index.search(f"quokka{round_number}").hits] == [target.slug]
    stop.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert totals <= {len(corpus_events), len(corpus_events) - 1}


def test_a_commit_by_another_process_shows_on_the_next_search(tmp_path, index_dir):
    pages = tmp_path / "pages"
    shutil.copytree(CORPUS, pages)
    assert cli("index", str(pages), "--index", str(index_dir)).returncode == 0
    index = open_index(index_dir)
    assert index.search("quokkaz").total == 0
    page = pages / "mistral-7b.html"
    page.write_text(page.read_text().replace('class="event-summary">',
                                             'class="event-summary">Quokkaz. ', 1))
    (pages / "eliza.html").unlink()
    done = cli("index", str(pages), "--index", str(index_dir), "--json")
    assert done.returncode == 0, done.stderr
    assert '"updated": 1' in done.stdout and '"deleted": 1' in done.stdout
    assert [h.slug for h in index.search("quokkaz").hits] == ["mistral-7b"]
    assert index.get("eliza") is None


HOLD_LOCK = """
import sys, time
from whoosh import index
ix = index.open_dir(sys.argv[1], indexname="events")
writer = ix.writer()
print("locked", flush=True)
time.sleep(30)
"""


def test_second_writer_waits_a_bounded_time_then_fails_clearly(index_dir, corpus_events):
    index = create_index(index_dir)
    index.update(corpus_events[:5])
    with subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(index_dir)],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT) as holder:
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(IndexLocked, match="being written by another process; gave "
                                                  "up after waiting 0.5 s"):
                index.update(corpus_events[:6], lock_timeout=0.5)
            assert len(index) == 5
        finally:
            holder.kill()
    # The lock dies with its holder: the next writer goes straight in.
    assert index.update(corpus_events[:6], lock_timeout=0.5).added == 1


def _processes_reading(pages) -> list[int]:
    """Processes whose command line names the folder ``pages``."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().decode(errors="replace")
        except OSError:
            continue
        if entry.isdigit() and str(pages) in command:
            found.append(int(entry))
    return found


def _segment_files(folder) -> set[str]:
    return {p.name for p in folder.iterdir() if p.suffix not in (".toc", ".json")
            and not p.name.endswith("_LOCK")}


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["while parsing", "while writing segments"])
def test_kill_9_mid_reindex_leaves_the_last_commit_whole(tmp_path, index_dir, corpus_events,
                                                         moment):
    pages = tmp_path / "generated"
    generated = generate_corpus(pages, 800, seed=11)
    index = create_index(index_dir)
    index.update(corpus_events)
    before = _segment_files(index_dir)

    process = subprocess.Popen([sys.executable, "-m", "eventsearch", "index", str(pages), "--index",
                                str(index_dir)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    if moment == "while parsing":
        time.sleep(0.5)
    else:
        while not (_segment_files(index_dir) - before) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
    assert process.poll() is None, "the re-index finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # Its page-parsing workers do not outlive it.
    deadline = time.monotonic() + 10
    while _processes_reading(pages) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_reading(pages) == []

    survivor = open_index(index_dir)
    assert len(survivor) == len(corpus_events)
    assert survivor.search("Mistral efficiency").hits[0].slug == "mistral-7b"

    finished = cli("index", str(pages), "--index", str(index_dir), "--json")
    assert finished.returncode == 0, finished.stderr
    reopened = open_index(index_dir)
    assert len(reopened) == len(generated)
    assert reopened.get(generated[0]) is not None and reopened.get("mistral-7b") is None


def test_index_of_an_older_schema_is_rebuilt_by_the_cli(index_dir, corpus_events):
    create_index(index_dir).update(corpus_events[:3])
    (index_dir / "eventsearch.json").write_text('{"schema_version": 1}')
    searched = cli("search", "chess", "--index", str(index_dir))
    assert searched.returncode == 1
    assert "schema version 1" in searched.stderr and "Traceback" not in searched.stderr
    rebuilt = cli("index", "--index", str(index_dir))
    assert rebuilt.returncode == 0 and "rebuilding it now" in rebuilt.stderr
    assert len(open_index(index_dir)) == len(corpus_events)


def open_files_in(folder) -> set[str]:
    """The files below ``folder`` that this process holds open."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.add(target)
    return found


def test_a_long_lived_index_does_not_leak_open_files(index_dir, corpus_events):
    """Each commit makes new segment files; a searcher refreshed to them must let go of
    the old ones, in every thread, and close() must let go of the rest."""
    index = create_index(index_dir)
    index.update(corpus_events)
    events = list(corpus_events)
    for round_number in range(8):
        target = events[round_number]
        events[round_number] = dataclasses.replace(
            target, content_hash="", impact=f"{target.impact} wombat{round_number}")
        index.update(events)
        for _ in range(2):
            thread = threading.Thread(target=lambda: index.search("wombat network"))
            thread.start()
            thread.join()
        assert index.search(f"wombat{round_number}").total == 1
        held = open_files_in(index_dir)
        assert held, "the searcher has its segment files open"
        live = {str(index_dir / name) for name in os.listdir(index_dir)}
        assert held <= live, f"files of deleted segments held open: {held - live}"
    index.close()
    assert open_files_in(index_dir) == set()


def test_a_held_view_reads_its_own_generation_after_a_commit_folds_segments(
        index_dir, corpus_events):
    """A search that took its view before a commit reads that generation whole, even when
    the commit folds a tiny segment and deletes its files (docs/search.md)."""
    index = create_index(index_dir)
    index.update(corpus_events[:40])  # one big segment
    index.update(corpus_events[:45])  # and a tiny one, of five events
    held = index.view()
    index.update(corpus_events[:46])  # folds the tiny segment into a new one
    assert len(held.segments) == 2 and index.view().key != held.key
    gone = [s for s in held.segments if s.id not in {n.id for n in index.view().segments}]
    assert gone and not any(index_dir.glob(f"*{gone[0].id}*"))  # its files are deleted
    table = held.table()
    live = table.live_docs()
    assert sorted(table.slugs[d] for d in live) == sorted(e.slug for e in corpus_events[:45])
    for docnum in live:
        assert held.row(int(docnum)).slug == table.slugs[docnum]
    assert {h.slug for h in index.search("", per_page=100).hits} == {
        e.slug for e in corpus_events[:46]}


def test_an_open_index_says_nothing_at_interpreter_exit(index_dir, corpus_events):
    create_index(index_dir).update(corpus_events[:5])
    # Threads still searching as the interpreter exits, as in a server stopped by Ctrl+C.
    script = ("import sys, threading, time\nfrom eventsearch import open_index\n"
              "index = open_index(sys.argv[1])\nindex.search('network')\n"
              "def loop():\n    while True:\n        index.search('chess network')\n"
              "for _ in range(3):\n    threading.Thread(target=loop, daemon=True).start()\n"
              "time.sleep(0.3)\n")
    done = subprocess.run([sys.executable, "-W", "error", "-c", script, str(index_dir)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
