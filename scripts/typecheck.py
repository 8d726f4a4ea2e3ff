"""Type-check the eventsearch package with mypy, as it is installed.

The package's folders sit at the top of the repository (search/, ingest/, web/, corpus/)
and become ``eventsearch.search`` and so on only when installed (pyproject.toml's
package-dir). mypy reads folders, not installs: this script lays out the package as
installed, with links to the folders, in a temporary directory, and runs
``mypy -p eventsearch`` there with the project's settings.

Usage: python scripts/typecheck.py [mypy arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = config["tool"]["setuptools"]["package-dir"]
    with tempfile.TemporaryDirectory(prefix="eventsearch-typecheck-") as tmp:
        package = Path(tmp) / "eventsearch"
        package.mkdir()
        for path in (ROOT / folders["eventsearch"]).iterdir():
            if path.suffix in (".py", ".typed"):
                (package / path.name).symlink_to(path)
        for name, folder in folders.items():
            if name != "eventsearch":
                (package / name.split(".", 1)[1]).symlink_to(ROOT / folder)
        command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                   "--cache-dir", str(ROOT / ".mypy_cache"), "-p", "eventsearch", *sys.argv[1:]]
        return subprocess.run(command, cwd=tmp, env={**os.environ, "MYPYPATH": tmp}).returncode


if __name__ == "__main__":
    sys.exit(main())
