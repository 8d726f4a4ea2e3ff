"""The index folder: where it is, its meta file (schema version, identity, synonyms), and
what Whoosh raises on a missing or damaged index, turned into our errors."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import struct
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

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


#: What an index's copy of an editor's file reads as (Synonyms, Aliases): a dataclass
#: with a ``source`` field.
Loaded = TypeVar("Loaded")


class IndexedCopy(Generic[Loaded]):
    """A file an index keeps a copy of in its folder (the synonyms file, the alias file),
    read again whenever the copy changes, with where it came from in the meta file.

    :param name: the copy's name in the index folder, and its key in the meta file.
    :param load: reads a file, raising ``error`` if it cannot or a line of it is wrong.
    :param empty: what an index without a copy has.
    :param what: the file, as an error message names it ("its synonyms").
    """

    def __init__(self, folder: Path, name: str, key: str, load: Callable[[Path], Loaded],
                 error: type[Exception], empty: Loaded, what: str) -> None:
        self.folder = folder
        self.name = name
        self.key = key
        self._load = load
        self._error = error
        self._empty = empty
        self._what = what
        self._loaded: tuple[tuple[int, int, int], Loaded] | None = None

    def current(self) -> Loaded:
        """What the copy holds, read again whenever it changes.

        :raises IndexCorrupt: the copy cannot be read.
        """
        path = self.folder / self.name
        try:
            stat = path.stat()
        except FileNotFoundError:
            return self._empty
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        loaded = self._loaded
        if loaded is None or loaded[0] != key:
            try:
                found = self._load(path)
            except self._error as exc:
                raise IndexCorrupt(f"{self._what} cannot be read: {exc}", self.folder) from None
            found = _with_source(found, read_meta(self.folder).get(self.key))
            loaded = self._loaded = (key, found)
        return loaded[1]

    def use(self, path: str | os.PathLike[str] | None) -> Loaded:
        """Copy the file at ``path`` into the index folder, and record where it came from
        (None: remove the copy).

        :raises error: the file cannot be read, or a line of it is wrong.
        """
        target = self.folder / self.name
        if path is None:
            target.unlink(missing_ok=True)
            update_meta(self.folder, **{self.key: None})
            return self._empty
        source = Path(path).resolve()
        found = self._load(source)
        text = source.read_text(encoding="utf-8")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            tmp = target.with_name(f".{self.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
        if read_meta(self.folder).get(self.key) != str(source):
            update_meta(self.folder, **{self.key: str(source)})
        return _with_source(found, str(source))


def _with_source(found: Loaded, source: str | None) -> Loaded:
    # mypy cannot bound a TypeVar to "a dataclass with a source field"; both are.
    return dataclasses.replace(found, source=source)  # type: ignore[type-var]
