"""The index, search, show, stats and serve commands, end to end."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner
from eventsearch.search import open_index
from eventsearch.web.cli import cli

from tests import serving
from tests.conftest import CORPUS, ROOT


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-index")
    result = run("index", "--index", str(folder), "--json")
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def test_index_defaults_to_the_bundled_corpus_and_reports_json(built):
    folder, report = built
    assert list(report) == ["added", "updated", "deleted", "unchanged", "skipped"]
    assert report["added"] == len(open_index(folder)) >= 60
    again = json.loads(run("index", "--index", str(folder), "--json").stdout)
    assert again == {"added": 0, "updated": 0, "deleted": 0, "unchanged": report["added"],
                     "skipped": 0}


def test_index_reports_skipped_pages_and_keeps_going(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(CORPUS / "eliza.html", pages)
    (pages / "broken.html").write_bytes(b"\x00\x01\x02 not a page")
    result = run("index", str(pages), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0
    assert "1 added, 0 updated, 0 deleted, 0 unchanged, 1 skipped" in result.stdout
    assert "broken.html: not HTML: binary content" in result.stderr


def test_index_of_nothing_parseable_changes_nothing(tmp_path, built):
    folder, _ = built
    (tmp_path / "bad.html").write_text("no markup here")
    before = len(open_index(folder))
    result = run("index", str(tmp_path), "--index", str(folder))
    assert result.exit_code == 1 and "the index is unchanged" in result.stderr
    assert len(open_index(folder)) == before


def test_search_json_carries_the_api_fields(built):
    folder, _ = built
    result = run("search", "Mistral efficiency", "--index", str(folder), "--json")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    expected = open_index(folder).search("Mistral efficiency").to_dict()
    assert set(body) == set(expected)
    assert [h["slug"] for h in body["hits"]] == [h["slug"] for h in expected["hits"]]
    assert set(body["hits"][0]) == set(expected["hits"][0])


def test_search_text_output_with_filters(built):
    folder, _ = built
    result = run("search", "network", "--index", str(folder), "--year", "1980..1989",
                 "--sort", "year", "--limit", "3")
    assert result.exit_code == 0
    years = [int(y) for y in re.findall(r"\((\d{4}) ·", result.stdout)]
    assert years == sorted(years) and all(1980 <= y <= 1989 for y in years)
    assert len(years) == 3
    by_figure = run("search", "", "--index", str(folder), "--figure", "Yann LeCun",
                    "--category", "research")
    assert "LeCun's Convolutional Networks Read Handwriting" in by_figure.stdout
    typo = run("search", "Mistrall efficency", "--index", str(folder))
    assert "Did you mean: mistral efficiency" in typo.stdout


def test_index_location_from_the_environment(built):
    folder, _ = built
    result = run("stats", "--json", env={"EVENTSEARCH_INDEX": str(folder)})
    assert result.exit_code == 0 and json.loads(result.stdout)["path"] == str(folder)


def test_show_and_stats(built):
    folder, _ = built
    shown = run("show", "mistral-7b", "--index", str(folder))
    assert shown.exit_code == 0 and shown.stdout.startswith("Mistral 7B")
    assert "Key figures: Arthur Mensch; Guillaume Lample; Timothée Lacroix" in shown.stdout
    as_json = json.loads(run("show", "mistral-7b", "--index", str(folder), "--json").stdout)
    assert as_json["slug"] == "mistral-7b" and as_json["year"] == 2023
    missing = run("show", "nope", "--index", str(folder))
    assert missing.exit_code == 1 and "no event 'nope' in the index" in missing.stderr
    stats = run("stats", "--index", str(folder))
    assert re.search(r"events:\s+\d+, 1943 to 2025", stats.stdout)


@pytest.mark.parametrize("args", [
    ["search", "x", "--year", "abc"], ["search", "x", "--page", "0"],
    ["search", "x", "--sort", "best"], ["search", "x", "--limit", "500"],
    # The API answers 400 to these: the CLI used to read them as 2020 or 1234.
    ["search", "x", "--year", "20202024"], ["search", "x", "--year", "2020 2024"],
    ["search", "x", "--year", "12345"], ["search", "x", "--year", "\u00b2"],
])
def test_bad_options_are_one_line_errors(built, args):
    folder, _ = built
    result = run(*args, "--index", str(folder))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_missing_index_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "eventsearch", "search", "x", "--index",
                             str(tmp_path / "none")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"Error: no index at {tmp_path / 'none'}: build one with "
                                     "`eventsearch index`")


@pytest.mark.slow
def test_serve_builds_the_index_then_serves_and_sees_reindexing(tmp_path):
    index_dir = tmp_path / "fresh-index"
    env = {**os.environ, "EVENTSEARCH_INDEX": str(index_dir)}
    server = serving.start([sys.executable, "-m", "eventsearch", "serve", "--port", "0"],
                           cwd=ROOT, env=env)
    try:
        line = server.stdout.readline()
        address = re.search(r"Serving eventsearch at (http://127\.0\.0\.1:\d+/)", line).group(1)
        page = requests.get(f"{address}search?q=Mistral+efficiency", timeout=10)
        assert page.status_code == 200 and "Mistral 7B" in page.text
        # gunicorn names itself without a version; waitress is told to say "eventsearch".
        assert page.headers["Server"] in ("gunicorn", "eventsearch")

        pages = tmp_path / "pages"
        shutil.copytree(CORPUS, pages)
        target = pages / "eliza.html"
        target.write_text(target.read_text().replace('class="event-summary">',
                                                     'class="event-summary">Xylophone. ', 1))
        reindex = subprocess.run([sys.executable, "-m", "eventsearch", "index", str(pages)],
                                 env=env, cwd=ROOT, capture_output=True, text=True)
        assert reindex.returncode == 0, reindex.stderr
        found = requests.get(f"{address}api/search?q=xylophone", timeout=10).json()
        assert [h["slug"] for h in found["hits"]] == ["eliza"]
    finally:
        errors, stopped = serving.stop(server)
    assert stopped, f"Ctrl+C did not stop every server process: {errors}"
    assert f"No index at {index_dir} yet: building it from the bundled corpus." in errors
    assert "Traceback" not in errors


def test_unchanged_files_are_not_read_again(tmp_path, corpus_events):
    pages = tmp_path / "pages"
    shutil.copytree(CORPUS, pages)
    index_dir = tmp_path / "ix"
    assert run("index", str(pages), "--index", str(index_dir)).exit_code == 0
    target = pages / "eliza.html"
    stat = target.stat()
    # Same size, same modification time: the file is taken as unchanged and not read.
    target.write_text(target.read_text().replace("Weizenbaum", "Qxzzqxzzqx"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    quiet = json.loads(run("index", str(pages), "--index", str(index_dir), "--json").stdout)
    total = len(corpus_events)
    assert quiet == {"added": 0, "updated": 0, "deleted": 0, "unchanged": total, "skipped": 0}
    assert open_index(index_dir).search("Qxzzqxzzqx").total == 0
    # Touched: read again, and only it changes.
    os.utime(target)
    touched = json.loads(run("index", str(pages), "--index", str(index_dir), "--json").stdout)
    assert touched == {"added": 0, "updated": 1, "deleted": 0, "unchanged": total - 1,
                       "skipped": 0}
    assert [h.slug for h in open_index(index_dir).search("Qxzzqxzzqx").hits] == ["eliza"]
    # A page removed is deleted even though nothing else was read.
    (pages / "lstm.html").unlink()
    removed = json.loads(run("index", str(pages), "--index", str(index_dir), "--json").stdout)
    assert removed == {"added": 0, "updated": 0, "deleted": 1, "unchanged": total - 1,
                       "skipped": 0}
