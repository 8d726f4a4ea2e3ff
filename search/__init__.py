"""Search: the Whoosh index, the query language and typed results. The only user of whoosh.

    from eventsearch.search import open_index
    index = open_index("var/index")
    results = index.search("Mistral efficiency", year=(2020, 2025))
"""

from eventsearch.search.errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexOutdated,
    IndexWriteError,
    QueryError,
    SearchError,
    SynonymsError,
)
from eventsearch.search.index import EventIndex, create_index, default_index_dir, open_index
from eventsearch.search.results import Hit, SearchResults, SectionHit, UpdateReport

__all__ = [
    "EventIndex",
    "Hit",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexOutdated",
    "IndexWriteError",
    "QueryError",
    "SearchError",
    "SearchResults",
    "SectionHit",
    "SynonymsError",
    "UpdateReport",
    "create_index",
    "default_index_dir",
    "open_index",
]
