"""``eventsearch parse``: records on stdout, skipped pages on stderr, clear exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields

from click.testing import CliRunner
from eventsearch.ingest import Event
from eventsearch.web.cli import cli

from tests.conftest import CORPUS, PAGES
from tests.siteserver import serve

EVENT_FIELDS = [f.name for f in fields(Event)]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_parse_folder_json_lists_records_with_exactly_the_event_fields():
    result = run("parse", str(PAGES), "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == len(list(PAGES.glob("*.html"))) - 2
    for record in records:
        assert list(record) == EVENT_FIELDS
        for section in record["sections"]:
            assert list(section) == ["heading", "anchor", "text"]
        for link in record["related"]:
            assert list(link) == ["title", "url", "slug", "year"]
    assert "skipped" in result.stderr and "binary.html: not HTML: binary content" in result.stderr


def test_parse_single_file_prints_a_readable_record():
    result = run("parse", str(PAGES / "nested-inline.html"))
    assert result.exit_code == 0
    assert "Word2vec Turns Words into Vectors" in result.stdout
    assert "Key figures: Tomáš Mikolov; Kai Chen; Greg Corrado; Jeffrey Dean" in result.stdout


def test_parse_missing_source_fails_with_one_line_and_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "eventsearch", "parse", "/no/such/place"],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: no such file or folder: /no/such/place"
    assert result.stdout == ""


def test_parse_nothing_parseable_fails(tmp_path):
    (tmp_path / "bad.html").write_text("plain words, no markup")
    result = run("parse", str(tmp_path))
    assert result.exit_code == 1
    assert f"no event could be parsed from {tmp_path}" in result.stderr
    assert "bad.html: not HTML" in result.stderr


def test_parse_url_crawls_the_site():
    with serve(CORPUS) as (base, _):
        result = run("parse", f"{base}/resnet.html", "--json", "--delay", "0")
    assert result.exit_code == 0, result.output
    slugs = [r["slug"] for r in json.loads(result.stdout)]
    assert slugs[0] == "resnet" and len(slugs) > 1


def test_every_command_has_help_text():
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        result = run(name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
