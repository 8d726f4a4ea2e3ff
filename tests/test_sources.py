"""Sources on the command line: index, add, remove and index --watch, on a real index,
with page folders in tmp_path and sites served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import pty
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from eventsearch.ingest import SourceManifest
from eventsearch.search import open_index
from eventsearch.web.cli import cli
from eventsearch.web.indexing import SOURCES_FILE, build_index, commit_sources, read_sources

from tests.conftest import ROOT
from tests.siteserver import Route, event_page, serve, write_site

OLD = 1_600_000_000_000_000_000  # a modification time (ns) well in the past


def run(*args) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def report(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(path, text: str, mtime_ns: int = OLD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def canonical_page(title: str, canonical: str, words: str = "") -> str:
    return event_page(title).replace(
        "<head>", f'<head><link rel="canonical" href="{canonical}">').replace(
        "</h1>", f"</h1><p>{words}</p>" if words else "</h1>")


def slugs(index_dir) -> set[str]:
    return set(open_index(index_dir).slugs())


# --- Issue 9, item 5: events kept by the slug their page gave --------------------------

def test_a_page_whose_canonical_gives_another_slug_keeps_its_event_when_it_fails(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    write(pages / "saved-copy.html", canonical_page("Bert", "https://example.org/e/bert"))
    write(pages / "other.html", event_page("Other"))
    assert report(run("index", pages, "--index", ix, "--json"))["added"] == 2
    assert slugs(ix) == {"bert", "other"}
    (pages / "saved-copy.html").write_bytes(b"\x00\x01\x02 garbage")
    result = run("index", pages, "--index", ix, "--json")
    assert report(result) == {"added": 0, "updated": 0, "deleted": 0, "unchanged": 1,
                              "skipped": 1}
    assert "saved-copy.html: not HTML: binary content" in result.stderr
    assert slugs(ix) == {"bert", "other"}
    # Failing again, it still keeps its event; deleted, the event goes.
    assert report(run("index", pages, "--index", ix, "--json"))["deleted"] == 0
    (pages / "saved-copy.html").unlink()
    assert report(run("index", pages, "--index", ix, "--json"))["deleted"] == 1
    assert slugs(ix) == {"other"}


def test_a_site_that_is_down_keeps_every_event_it_gave(tmp_path):
    pages, ix, root = tmp_path / "pages", tmp_path / "ix", tmp_path / "site"
    write(pages / "local.html", event_page("Local"))
    root.mkdir()
    with serve(root) as (base, _):
        write_site(root, base)
        first = report(run("index", pages, f"{base}/home.html", "--index", ix, "--json",
                           "--delay", 0))
    assert first["added"] == 8
    result = run("index", pages, f"{base}/home.html", "--index", ix, "--json", "--delay", 0)
    assert report(result)["deleted"] == 0
    assert f"skipped {base}/robots.txt: robots.txt unreachable (fetch failed: " in result.stderr
    assert slugs(ix) == {"local", *(f"e{n}" for n in range(1, 8))}


@dataclass
class Site:
    """The small site of tests/siteserver.py, served, and an index folder for it."""

    base: str
    server: object
    root: Path
    routes: dict
    ix: Path

    def index(self, *options) -> Result:
        return run("index", f"{self.base}/home.html", "--index", self.ix, "--json",
                   "--delay", 0, *options)


@pytest.fixture
def site(tmp_path):
    root, routes = tmp_path / "site", {}
    root.mkdir()
    with serve(root, routes, gzip=True) as (base, server):
        write_site(root, base)
        yield Site(base, server, root, routes, tmp_path / "ix")


def test_failures_on_a_site_lose_nothing_and_a_page_gone_is_deleted(site):
    assert report(site.index())["added"] == 7
    site.routes.update({
        "/e4.html": Route(503, {"Content-Type": "text/plain"}, b"busy"),
        "/e6.html": Route(200, {"Content-Type": "text/html"}, b"<html>", pause=1.5),
        "/e1.html": Route(302, {"Location": "/e1.html"}),
        "/maps/b.xml": Route(200, {"Content-Type": "application/xml"}, b"<urlset><url>"),
    })
    (site.root / "e3.html").unlink()
    result = site.index("--timeout", 0.5)
    assert report(result)["deleted"] == 1
    reasons = dict(line.removeprefix(f"skipped {site.base}").split(": ", 1)
                   for line in result.stderr.splitlines() if line.startswith("skipped "))
    assert reasons["/e4.html"] == "HTTP 503 Service Unavailable"
    assert reasons["/e6.html"] == "timed out after 0.5 s"
    assert reasons["/e1.html"] == f"redirect loop at {site.base}/e1.html"
    assert reasons["/maps/b.xml"].startswith("malformed sitemap: ")
    assert reasons["/e3.html"] == "HTTP 404 File not found"
    # e5 is listed only in the malformed sitemap: not reached, its event stays.
    assert "/e5.html" not in reasons
    assert slugs(site.ix) == {"e1", "e2", "e4", "e5", "e6", "e7"}


def test_a_crawl_cut_short_by_the_page_limit_deletes_nothing(site):
    report(site.index())
    (site.root / "e1.html").write_text(event_page("Event One, revised"))
    result = site.index("--max-pages", 3)
    assert report(result)["deleted"] == 0
    assert "not fetched: the page limit (3) was reached" in result.stderr
    assert slugs(site.ix) == {f"e{n}" for n in range(1, 8)}
    assert open_index(site.ix).get("e1").title == "Event One, revised"


# --- Issue 9, item 6: an edit made while indexing ------------------------------------

def test_an_edit_made_while_indexing_is_picked_up_next_time(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    write(pages / "a.html", event_page("Alpha"))
    write(pages / "b.html", event_page("Beta"))
    index, _ = build_index([str(pages)], ix, quiet=True)
    write(pages / "a.html", event_page("Alpha, first draft"), OLD + 1)
    manifest = SourceManifest(ix / SOURCES_FILE)
    read = read_sources([str(pages)], manifest=manifest, indexed=index.slugs())
    # Edited after it was read, before the commit is recorded.
    write(pages / "a.html", event_page("Alpha, final text"), OLD + 2)
    commit_sources(index, manifest, [str(pages)], read, quiet=True)
    assert open_index(ix).get("a").title == "Alpha, first draft"
    assert report(run("index", pages, "--index", ix, "--json"))["updated"] == 1
    assert open_index(ix).get("a").title == "Alpha, final text"


def test_an_edit_within_the_same_clock_tick_is_picked_up(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    (pages).mkdir()
    (pages / "a.html").write_text(event_page("Alpha"))
    mtime = (pages / "a.html").stat().st_mtime_ns
    assert report(run("index", pages, "--index", ix, "--json"))["added"] == 1
    # Same size, same modification time: only the content differs.
    (pages / "a.html").write_text(event_page("Omega"))
    os.utime(pages / "a.html", ns=(mtime, mtime))
    assert report(run("index", pages, "--index", ix, "--json"))["updated"] == 1
    assert open_index(ix).get("a").title == "Omega"


# --- Issue 9, item 11: two pages with one slug ---------------------------------------

def test_deleting_one_of_two_pages_with_one_slug_indexes_the_other(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    write(pages / "a.html", canonical_page("Bert A", "https://example.org/bert", "aardvark"))
    write(pages / "b.html", canonical_page("Bert B", "https://example.org/bert", "bandicoot"))
    result = run("index", pages, "--index", ix, "--json")
    assert report(result)["added"] == 1
    assert "duplicate slug 'bert'" in result.stderr
    assert open_index(ix).get("bert").title == "Bert A"
    (pages / "a.html").unlink()
    assert report(run("index", pages, "--index", ix, "--json"))["updated"] == 1
    index = open_index(ix)
    assert index.get("bert").title == "Bert B"
    assert [hit.slug for hit in index.search("bandicoot").hits] == ["bert"]
    assert report(run("index", pages, "--index", ix, "--json"))["unchanged"] == 1


def test_a_new_page_with_the_slug_of_an_unchanged_one_does_not_win_by_accident(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    write(pages / "b.html", canonical_page("Bert B", "https://example.org/bert"))
    report(run("index", pages, "--index", ix, "--json"))
    write(pages / "a.html", canonical_page("Bert A", "https://example.org/bert"))
    # As in a full read, the first page in order wins, now and on every later run.
    for _ in range(2):
        report(run("index", pages, "--index", ix, "--json"))
        assert open_index(ix).get("bert").title == "Bert A"


# --- Issue 11, item 3: a site re-crawled downloads no unchanged page -----------------

def test_reindexing_an_unchanged_site_downloads_no_event_page(site):
    assert report(site.index())["added"] == 7
    site.server.hits.clear()
    again = report(site.index())
    pages = {hit.path: hit.status for hit in site.server.hits if hit.path.startswith("/e")}
    # Skipped: the sitemap robots.txt names on another host.
    assert again == {"added": 0, "updated": 0, "deleted": 0, "unchanged": 7, "skipped": 1}
    assert pages == {f"/e{n}.html": 304 for n in range(1, 8)}


def test_a_removed_event_is_downloaded_again_not_taken_as_unchanged(site):
    report(site.index())
    assert run("remove", "e4", "--index", site.ix).exit_code == 0
    site.server.hits.clear()
    again = report(site.index())
    assert (again["added"], again["unchanged"]) == (1, 6)
    assert {hit.path: hit.status for hit in site.server.hits}["/e4.html"] == 200


# --- Issue 11, item 4: add and remove ------------------------------------------------

def test_add_adds_and_replaces_and_removes_only_what_the_source_gave(tmp_path):
    first, second, ix = tmp_path / "first", tmp_path / "second", tmp_path / "ix"
    write(first / "a1.html", event_page("A one"))
    write(first / "a2.html", event_page("A two"))
    write(second / "b1.html", event_page("B one"))
    report(run("index", first, "--index", ix, "--json"))
    added = report(run("add", second, "--index", ix, "--json"))
    assert (added["added"], added["deleted"]) == (1, 0)
    assert slugs(ix) == {"a1", "a2", "b1"}
    # The source changed: b1 gone, b2 new; the other events are left alone.
    (second / "b1.html").unlink()
    write(second / "b2.html", event_page("B two"))
    again = report(run("add", second, "--index", ix, "--json"))
    assert (again["added"], again["deleted"], again["unchanged"]) == (1, 1, 0)
    assert slugs(ix) == {"a1", "a2", "b2"}
    # One file of a folder already indexed: replaced, nothing else touched.
    write(first / "a1.html", event_page("A one, revised"), OLD + 1)
    one = report(run("add", first / "a1.html", "--index", ix, "--json"))
    assert (one["updated"], one["deleted"]) == (1, 0)
    assert open_index(ix).get("a1").title == "A one, revised"
    # index keeps its meaning: exactly its sources.
    exact = report(run("index", second, "--index", ix, "--json"))
    assert (exact["deleted"], slugs(ix)) == (2, {"b2"})


def test_add_a_page_url_and_a_site(tmp_path):
    pages, ix, root = tmp_path / "pages", tmp_path / "ix", tmp_path / "site"
    write(pages / "local.html", event_page("Local"))
    root.mkdir()
    report(run("index", pages, "--index", ix, "--json"))
    with serve(root) as (base, _):
        write_site(root, base)
        page = report(run("add", f"{base}/e3.html", "--index", ix, "--json", "--delay", 0))
        assert page["added"] == 1 and slugs(ix) == {"local", "e3"}
        site = report(run("add", f"{base}/home.html", "--index", ix, "--json", "--delay", 0))
    assert site["added"] == 6
    assert slugs(ix) == {"local", *(f"e{n}" for n in range(1, 8))}


def test_add_with_nothing_parseable_changes_nothing(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    write(pages / "a.html", event_page("Alpha"))
    report(run("index", pages, "--index", ix, "--json"))
    write(tmp_path / "bad" / "bad.html", "no markup")
    result = run("add", tmp_path / "bad", "--index", ix)
    assert result.exit_code == 1 and "the index is unchanged" in result.stderr
    assert slugs(ix) == {"a"}


def test_remove_removes_the_events_and_refuses_unknown_slugs(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    for name in ("a", "b", "c"):
        write(pages / f"{name}.html", event_page(name.upper()))
    report(run("index", pages, "--index", ix, "--json"))
    refused = run("remove", "a", "nope", "b", "--index", ix)
    assert refused.exit_code == 1
    assert refused.stderr == "Error: no event 'nope' in the index; nothing removed\n"
    assert slugs(ix) == {"a", "b", "c"}
    removed = report(run("remove", "a", "b", "--index", ix, "--json"))
    assert removed["deleted"] == 2 and slugs(ix) == {"c"}
    assert {r.slug for r in SourceManifest(ix / SOURCES_FILE).files.values()} == {"c"}
    # The pages are still there: the next index of the folder brings them back.
    assert report(run("index", pages, "--index", ix, "--json"))["added"] == 2


def test_remove_without_an_index_says_so(tmp_path):
    result = run("remove", "a", "--index", tmp_path / "none")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no index" in result.stderr.lower()


# --- Issue 11, item 5: index --watch ------------------------------------------------

class Lines:
    """The lines a subprocess writes to a pipe, read in a thread, waited for with a timeout."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self.pump, args=(stream,), daemon=True).start()

    def pump(self, stream) -> None:
        for line in stream:
            self.queue.put(line)

    def next(self, timeout: float = 60) -> str:
        return self.queue.get(timeout=timeout)


def wait_for(lines: Lines, check, timeout: float = 60) -> None:
    """Read batch reports until ``check()`` holds: each report is one commit."""
    deadline = time.monotonic() + timeout
    while not check():
        json.loads(lines.next(timeout=max(0.1, deadline - time.monotonic())))


@pytest.mark.slow
def test_watch_indexes_changes_and_stops_cleanly_on_ctrl_c(tmp_path):
    pages, ix = tmp_path / "pages", tmp_path / "ix"
    write(pages / "a.html", event_page("Alpha"))
    write(pages / "b.html", event_page("Beta"))
    process = subprocess.Popen(
        [sys.executable, "-m", "eventsearch", "index", str(pages), "--index", str(ix), "--watch",
         "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = Lines(process.stdout), Lines(process.stderr)
        assert json.loads(out.next())["added"] == 2
        assert err.next().startswith(f"Watching {pages} for changes")
        (pages / "c.html").write_text(event_page("Gamma"))
        wait_for(out, lambda: slugs(ix) == {"a", "b", "c"})
        (pages / "a.html").write_text(event_page("Alpha, edited"))
        (pages / "b.html").unlink()
        (pages / ".hidden.html").write_text(event_page("Hidden"))
        (pages / "notes.txt").write_text("not a page")
        wait_for(out, lambda: slugs(ix) == {"a", "c"}
                 and open_index(ix).get("a").title == "Alpha, edited")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert err.next() == "Stopped.\n"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    index = open_index(ix)
    assert set(index.slugs()) == {"a", "c"}
    assert [hit.slug for hit in index.search("edited").hits] == ["a"]


def test_watch_refuses_urls():
    result = run("index", "--watch", "http://127.0.0.1:9/")
    assert result.exit_code == 2 and "--watch watches folders and files, not URLs" in result.stderr


# --- Issue 11, item 3: progress on a terminal only ------------------------------------

def run_on_terminal(*args: str) -> tuple[int, str, str]:
    """Run eventsearch with its stderr on a pseudo-terminal: (exit code, stdout, stderr)."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "eventsearch", *map(str, args)], cwd=ROOT,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        seen.append(data)
    stdout = process.stdout.read().decode()
    process.stdout.close()
    os.close(master)
    return process.wait(), stdout, b"".join(seen).decode(errors="replace")


@pytest.mark.slow
def test_progress_bars_show_on_a_terminal_only(tmp_path):
    pages, ix, root = tmp_path / "pages", tmp_path / "ix", tmp_path / "site"
    for number in range(12):
        write(pages / f"p{number}.html", event_page(f"Page {number}"))
    root.mkdir()
    with serve(root) as (base, _):
        write_site(root, base)
        code, _, terminal = run_on_terminal("index", pages, f"{base}/home.html", "--index", ix,
                                            "--delay", 0)
        piped = run("index", pages, f"{base}/home.html", "--index", tmp_path / "ix2",
                    "--delay", 0)
    assert code == 0
    assert "Reading pages" in terminal and "12/12" in terminal
    assert f"Reading pages {base}/home.html" in terminal and "8/8" in terminal
    assert "Indexing" in terminal
    assert piped.exit_code == 0 and "Reading pages" not in piped.stderr
