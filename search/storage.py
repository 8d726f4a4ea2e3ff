"""The index folder: where it is, its meta file (schema version, identity, synonyms), and
what Whoosh raises on a missing or damaged index, turned into our errors."""

from __future__ import annotations

import json
import os
import pickle
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsearch.search.errors import IndexCorrupt, IndexNotFound
from eventsearch.search.schema import SCHEMA_VERSION
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

META_FILE = "eventsearch.json"
INDEX_NAME = "events"


def default_index_dir() -> Path:
    """Where the index lives unless told otherwise: ``$EVENTSEARCH_INDEX``, else
    ``$XDG_DATA_HOME/eventsearch/index`` (``~/.local/share/eventsearch/index``)."""
    if os.environ.get("EVENTSEARCH_INDEX"):
        return Path(os.environ["EVENTSEARCH_INDEX"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "eventsearch" / "index"


def storage(folder: Path) -> FileStorage:
    return FileStorage(str(folder))


def has_index(folder: Path) -> bool:
    """Whether ``folder`` holds a table of contents (read no further: it may name code of
    another version)."""
    return any(folder.glob(f"_{INDEX_NAME}_*.toc"))


def write_meta(folder: Path) -> dict[str, Any]:
    """Record the schema version and a new identity for the index made in ``folder``."""
    meta = {"schema_version": SCHEMA_VERSION, "index_id": uuid.uuid4().hex}
    _replace(folder, meta)
    return meta


def update_meta(folder: Path, **changes: Any) -> None:
    """Change entries of the index's meta file, keeping its identity (None removes one)."""
    meta = {**read_meta(folder), **changes}
    _replace(folder, {k: v for k, v in meta.items() if v is not None})


def read_meta(folder: Path) -> dict[str, Any]:
    try:
        found = json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def meta_key(folder: Path) -> tuple[int, int, int] | None:
    """What changes when the meta file is written anew (it is replaced whole)."""
    try:
        found = os.stat(folder / META_FILE)
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def _replace(folder: Path, meta: dict[str, Any]) -> None:
    tmp = folder / f".{META_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / META_FILE)


#: What Whoosh raises on a table of contents it cannot read (tests/test_index_damage.py
#: damages one in each of these ways).
_UNREADABLE = (whoosh_index.IndexError, pickle.UnpicklingError, EOFError, struct.error,
               TypeError, ValueError, ImportError)


@contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Turn what Whoosh raises on a missing or damaged index into our errors."""
    try:
        yield
    except IndexCorrupt as exc:
        raise IndexCorrupt(exc.detail, folder) from None
    except whoosh_index.EmptyIndexError:
        raise IndexNotFound(folder) from None
    except FileNotFoundError as exc:
        if not folder.is_dir():
            raise IndexNotFound(folder) from None
        missing = Path(exc.filename).name if exc.filename else "a file"
        raise IndexCorrupt(f"{missing} is missing", folder) from None
    except _UNREADABLE as exc:
        raise IndexCorrupt(f"its table of contents cannot be read: {exc}", folder) from None
