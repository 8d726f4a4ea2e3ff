"""The index in a folder as it is now: its Whoosh index object, its identity, and the view
of its last commit (search/view.py), opened again after each commit, and the index itself
opened again when the folder holds an index made anew."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from eventsearch.search.errors import IndexCorrupt, IndexNotFound, IndexOutdated
from eventsearch.search.schema import SCHEMA_VERSION
from eventsearch.search.segment import SegmentData
from eventsearch.search.storage import INDEX_NAME, meta_key, read_meta, reading, storage
from eventsearch.search.view import View, open_view

log = logging.getLogger(__name__)

#: How often a view is opened again when a commit deletes a file while it is opened.
VIEW_RETRIES = 10


class Current:
    """What an :class:`~eventsearch.search.index.EventIndex` has open. Thread-safe."""

    def __init__(self, path: Path, ix, meta: dict) -> None:
        self.path = path
        self._ix = ix
        self._identity: str = meta.get("index_id", "")
        self._meta_key = meta_key(path)
        self._lock = threading.Lock()
        self._view: View | None = None
        self._opened: dict[str, SegmentData] = {}

    def whoosh_index(self):
        """The Whoosh index object, of the index the folder holds now."""
        self.identity()
        return self._ix

    def generation(self) -> int:
        """The generation of the last commit."""
        with reading(self.path):
            return self._ix.latest_generation()

    def close(self) -> None:
        with self._lock:
            self._view = None
            self._opened = {}

    def view(self) -> View:
        """The current view: the last commit, opened whole (a new one after each commit).

        :raises IndexCorrupt: a file of the last commit is missing or damaged.
        :raises IndexNotFound: the index folder is gone.
        :raises IndexOutdated: the folder now holds an index of another schema version.
        """
        identity = self.identity()
        with reading(self.path):
            generation = self._ix.latest_generation()
        current = self._view
        if current is not None and current.identity == identity and \
                current.generation == generation:
            return current
        with self._lock:
            current = self._view
            if current is None or current.key[:2] != (identity, generation):
                current = self._view = self._open_view(identity)
                live = {s.id for s in current.segments}
                self._opened = {k: v for k, v in self._opened.items() if k in live}
        return current

    def _open_view(self, identity: str) -> View:
        """A view of the latest generation, opened again if a commit deletes one of its
        files meanwhile."""
        for attempt in range(VIEW_RETRIES):
            with reading(self.path):
                reader = self._ix.reader()
            try:
                return open_view(reader, storage(self.path), identity, self._opened,
                                 self._ix.latest_generation())
            except FileNotFoundError as exc:
                if attempt == VIEW_RETRIES - 1:
                    missing = Path(exc.filename).name if exc.filename else "a file"
                    raise IndexCorrupt(f"{missing} is missing", self.path) from None
                time.sleep(0.05)
            finally:
                reader.close()
        raise AssertionError("unreachable")

    def identity(self) -> str:
        """The identity of the index in the folder, reopened if it is not the one this
        object opened (the folder was deleted and the index made anew: its generations
        start again at 1, so they alone would not tell)."""
        key = meta_key(self.path)
        if key == self._meta_key:
            return self._identity
        meta = read_meta(self.path)
        if not meta:
            raise IndexNotFound(self.path)
        with self._lock:
            if meta.get("index_id", "") != self._identity:
                if meta.get("schema_version") != SCHEMA_VERSION:
                    raise IndexOutdated(self.path, meta.get("schema_version"),
                                        SCHEMA_VERSION)
                with reading(self.path):
                    self._ix = storage(self.path).open_index(INDEX_NAME)
                log.info("the index at %s was made anew: reopened it", self.path)
                self._view = None
                self._opened = {}
                self._identity = meta.get("index_id", "")
            self._meta_key = key
        return self._identity

