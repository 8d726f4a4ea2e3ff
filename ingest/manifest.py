"""What each page file looked like when it was last indexed, so unchanged files are not
read again: an edit to one page of ten thousand re-reads one page."""

from __future__ import annotations

import json
import os
from pathlib import Path


def file_key(page: Path) -> tuple[int, int]:
    """(size, modification time in ns): what changes when a file is edited or replaced."""
    stat = page.stat()
    return stat.st_size, stat.st_mtime_ns


class SourceManifest:
    """A JSON file mapping each page file's absolute path to its key and its slug."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = {k: (int(v[0]), int(v[1]), str(v[2])) for k, v in raw.items()}
        except (OSError, ValueError, TypeError, IndexError, AttributeError):
            self.entries = {}

    def unchanged(self, page: Path) -> str | None:
        """The slug the page gave last time, if the file has not changed since; else None."""
        entry = self.entries.get(str(page.resolve()))
        if entry is None:
            return None
        try:
            return entry[2] if file_key(page) == entry[:2] else None
        except OSError:
            return None

    def save(self, slugs: dict[Path, str]) -> None:
        """Record these pages (path to slug) as they are now, replacing the old record."""
        entries = {}
        for page, slug in slugs.items():
            try:
                entries[str(page.resolve())] = (*file_key(page), slug)
            except OSError:
                continue
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(tmp, self.path)
