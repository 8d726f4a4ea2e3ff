"""load_directory: every page below a folder, bad pages reported and skipped."""

from __future__ import annotations

import shutil

import pytest
from eventsearch.ingest import MAX_PAGE_BYTES, Listing, load_directory

from tests.conftest import PAGES


def test_fixture_folder_reports_bad_pages_and_keeps_the_rest():
    result = load_directory(PAGES)
    reasons = {s.source.rsplit("/", 1)[-1]: s.reason for s in result.skipped}
    assert reasons == {
        "binary.html": "not HTML: binary content",
        "not-html.html": "not HTML: no HTML elements found",
    }
    assert len(result.events) == len(list(PAGES.glob("*.html"))) - 2


def test_folder_walk_finds_htm_and_nested_pages_and_skips_other_files(tmp_path):
    (tmp_path / "deep" / "deeper").mkdir(parents=True)
    shutil.copy(PAGES / "no-sections.html", tmp_path / "deep" / "deeper" / "a.htm")
    shutil.copy(PAGES / "nested-inline.html", tmp_path / "b.HTML")
    (tmp_path / "notes.txt").write_text("<h1>not a page file</h1>")
    (tmp_path / ".hidden").mkdir()
    shutil.copy(PAGES / "no-sections.html", tmp_path / ".hidden" / "c.html")
    result = load_directory(tmp_path)
    assert sorted(e.slug for e in result.events) == ["a", "b"]


def test_oversized_and_unreadable_pages_are_skipped_with_reasons(tmp_path):
    shutil.copy(PAGES / "no-sections.html", tmp_path / "good.html")
    with open(tmp_path / "huge.html", "wb") as f:
        f.write(b"<html><h1>Huge</h1><p>")
        f.write(b"x" * (MAX_PAGE_BYTES + 1))
    (tmp_path / "link.html").symlink_to(tmp_path / "gone.html")
    result = load_directory(tmp_path)
    assert [e.slug for e in result.events] == ["good"]
    reasons = {s.source.rsplit("/", 1)[-1]: s.reason for s in result.skipped}
    assert reasons["huge.html"].startswith("page too large")
    assert "link.html" not in reasons or reasons["link.html"].startswith("unreadable")


def test_listing_page_is_recognised_not_indexed(tmp_path):
    links = "".join(f'<li><a href="p{i}.html">Page {i}</a></li>' for i in range(6))
    (tmp_path / "index.html").write_text(
        f"<html><body><h1>Timeline</h1><ol>{links}</ol></body></html>")
    shutil.copy(PAGES / "no-sections.html", tmp_path / "p0.html")
    result = load_directory(tmp_path)
    assert [e.slug for e in result.events] == ["p0"]
    assert result.skipped == ()
    assert result.listings == (Listing(str(tmp_path / "index.html"),
                                       tuple((tmp_path / f"p{i}.html").as_uri()
                                             for i in range(6))),)


def test_missing_folder_raises():
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load_directory("/nonexistent/folder")


def test_worker_processes_give_the_same_records(tmp_path):
    for i in range(60):
        shutil.copy(PAGES / "nested-inline.html", tmp_path / f"page-{i:02}.html")
    one = load_directory(tmp_path)
    two = load_directory(tmp_path, workers=2)
    assert one == two
    assert len(two.events) == 60
