"""``eventsearch serve --workers 2``: worker processes over one index on disk, each of
which sees a re-index on its next request."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from eventsearch.web.serving import has_prefork

from tests import serving

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_prefork() or not Path("/proc/self/maps").exists(),
                       reason="needs gunicorn and Linux's /proc to tell the workers apart"),
]


def _workers(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # the process is gone
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
    return found


def _mapped_segments(pid: int, index_dir: Path) -> set[str]:
    """The segment files a process has mapped from the index folder."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {Path(line.split()[-1]).name for line in maps.splitlines()
            if line.split()[-1].startswith(str(index_dir)) and line.endswith(".evs")}


def test_every_worker_serves_and_sees_a_reindex(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(CORPUS, pages)
    index_dir = tmp_path / "index"
    env = {**os.environ, "EVENTSEARCH_INDEX": str(index_dir)}
    command = [sys.executable, "-m", "eventsearch"]
    built = subprocess.run([*command, "index", str(pages)], env=env, cwd=ROOT,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    server = serving.start([*command, "serve", "--port", "0", "--workers", "2"],
                           cwd=ROOT, env=env)
    try:
        line = server.stdout.readline()
        assert "2 workers" in line, line
        address = re.search(r"Serving eventsearch at (http://127\.0\.0\.1:\d+/)", line).group(1)
        deadline = time.monotonic() + 30
        while len(workers := _workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2

        def until_every_worker_maps(segment_names: set[str]) -> None:
            """Search on new connections until each worker has the segments mapped."""
            for _ in range(400):
                answer = requests.get(f"{address}api/search?q=xylophone",
                                      headers={"Connection": "close"}, timeout=10)
                assert answer.status_code == 200
                if all(segment_names <= _mapped_segments(pid, index_dir) for pid in workers):
                    return
            pytest.fail(f"not every worker opened {segment_names}")

        before = {p.name for p in index_dir.glob("*.evs")}
        until_every_worker_maps(before)

        target = pages / "eliza.html"
        target.write_text(target.read_text().replace('class="event-summary">',
                                                     'class="event-summary">Xylophone. ', 1))
        reindex = subprocess.run([*command, "index", str(pages)], env=env, cwd=ROOT,
                                 capture_output=True, text=True)
        assert reindex.returncode == 0, reindex.stderr
        new = {p.name for p in index_dir.glob("*.evs")} - before
        assert new
        until_every_worker_maps(new)
        # Every worker has the new segment open: every answer, on any worker, has the edit.
        for _ in range(20):
            found = requests.get(f"{address}api/search?q=xylophone",
                                 headers={"Connection": "close"}, timeout=10).json()
            assert [h["slug"] for h in found["hits"]] == ["eliza"]
        assert _workers(server.pid) == workers  # no worker died on the way
    finally:
        errors, stopped = serving.stop(server)
    assert stopped, f"Ctrl+C did not stop every server process: {errors}"
    assert "Traceback" not in errors
