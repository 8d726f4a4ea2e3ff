"""The package type-checks: scripts/typecheck.py (mypy over the package as installed, with
pyproject.toml's settings) finds no error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_error():
    pytest.importorskip("mypy", reason="mypy is not installed (it is in the test extra)")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "typecheck.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
