"""The exceptions of the search layer: one base, a few children."""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error the search layer raises on purpose."""


class IndexNotFound(SearchError):
    """No index at the given path."""

    def __init__(self, path, message: str | None = None) -> None:
        super().__init__(message or f"no index at {path}: build one with `eventsearch index`")
        self.path = path


class IndexOutdated(SearchError):
    """The index was built by another schema version and must be rebuilt."""

    def __init__(self, path, found, expected: int) -> None:
        super().__init__(
            f"the index at {path} was built with schema version {found}, this eventsearch "
            f"needs {expected}: rebuild it with `eventsearch index --rebuild`"
        )
        self.path = path


class IndexLocked(SearchError):
    """Another writer holds the index and did not let go in time."""


class QueryError(SearchError, ValueError):
    """A search parameter is out of range (the query text itself never is an error)."""


class IndexCorrupt(SearchError):
    """A file of the index is missing, truncated or unreadable: the index must be rebuilt
    (``eventsearch index --rebuild``); nothing is read from it meanwhile."""

    def __init__(self, detail: str, path=None) -> None:
        where = f"the index at {path}" if path is not None else "the index"
        super().__init__(f"{where} is damaged ({detail}): rebuild it with "
                         "`eventsearch index --rebuild`")
        self.detail = detail
        self.path = path


class IndexWriteError(SearchError):
    """The index could not be written (a full disk, no permission); the last commit is
    left as it was."""


class SynonymsError(SearchError, ValueError):
    """A synonyms file cannot be read; the message names every bad line."""


class AliasesError(SearchError, ValueError):
    """A people's alias file cannot be read; the message names every bad line."""
