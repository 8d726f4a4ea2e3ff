"""The package as another tool installs it: a wheel built from the checkout, installed
(not editable) into a fresh virtual environment outside it, then run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

import eventsearch
from tests import serving
from tests.conftest import ROOT


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=900,
                          **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the fresh environment's bin folder)."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info into the tree it builds.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "out", "build", "*.egg-info", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", "__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps",
        "--quiet", "--wheel-dir", str(work / "dist"), str(source))
    wheel = next((work / "dist").glob("eventsearch-*.whl"))
    venv.create(work / "env", with_pip=True)
    bin_dir = work / "env" / "bin"
    # pip 23 cannot resolve lxml's extras as trafilatura and readability-lxml name them.
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", str(wheel), cwd=work)
    return wheel, bin_dir


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_package_with_its_data(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"eventsearch", f"eventsearch-{eventsearch.__version__}.dist-info"}
    for needed in ("eventsearch/py.typed", "eventsearch/corpus/mistral-7b.html",
                   "eventsearch/corpus/synonyms.txt", "eventsearch/corpus/people.txt",
                   "eventsearch/web/templates/search.html",
                   "eventsearch/web/templates/person.html",
                   "eventsearch/web/static/style.css", "eventsearch/search/index.py",
                   "eventsearch/ingest/parse.py"):
        assert needed in names, needed


@pytest.mark.slow
def test_the_installed_command_serves_the_bundled_corpus(installed, tmp_path):
    _, bin_dir = installed
    version = run(bin_dir / "eventsearch", "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"eventsearch, version {eventsearch.__version__}"
    env = {**os.environ, "EVENTSEARCH_INDEX": str(tmp_path / "index")}
    env.pop("PYTHONPATH", None)
    server = serving.start([bin_dir / "eventsearch", "serve", "--port", "0"], cwd=tmp_path,
                           env=env)
    try:
        line = server.stdout.readline()
        assert line.startswith("Serving eventsearch at http://127.0.0.1:"), (
            line, server.stderr.read() if server.poll() is not None else "")
        base = line.split()[3].rstrip("/")
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/search?q=Mistral+efficiency") as reply:
                    body = json.load(reply)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert body["total"] > 0 and body["hits"][0]["slug"] == "mistral-7b"
        with urllib.request.urlopen(f"{base}/api/search?q=RLHF") as reply:
            assert json.load(reply)["expansions"]  # the corpus's synonyms came along
        with urllib.request.urlopen(f"{base}/api/people/tom-b-brown") as reply:
            assert json.load(reply)["slug"] == "tom-brown"  # and its alias file
    finally:
        errors, stopped = serving.stop(server)
    assert stopped, f"Ctrl+C did not stop every server process: {errors}"
    imported = run(bin_dir / "python", "-c",
                   "import eventsearch.search, sys; print(eventsearch.search.__file__)",
                   cwd=tmp_path, env=env)
    assert str(ROOT) not in imported.stdout and "site-packages" in imported.stdout
