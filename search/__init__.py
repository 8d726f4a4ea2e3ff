"""Search: the index, the query language and typed results. The only user of whoosh.

    from eventsearch.search import open_index
    index = open_index("var/index")
    results = index.search("Mistral efficiency", year=(2020, 2025))
"""

from eventsearch.search.errors import (
    AliasesError,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexOutdated,
    IndexWriteError,
    QueryError,
    SearchError,
    SynonymsError,
)
from eventsearch.search.index import EventIndex, create_index, open_index
from eventsearch.search.params import PeopleSort
from eventsearch.search.people import Aliases
from eventsearch.search.results import (
    EventRef,
    Expansion,
    Explanation,
    FacetCount,
    Facets,
    Hit,
    IndexStats,
    Person,
    PersonRef,
    SearchResults,
    SectionHit,
    Snippet,
    Suggestion,
    TermKind,
    TermScore,
    UpdateReport,
)
from eventsearch.search.storage import default_index_dir

__all__ = [
    "Aliases",
    "AliasesError",
    "EventIndex",
    "EventRef",
    "Expansion",
    "Explanation",
    "FacetCount",
    "Facets",
    "Hit",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexOutdated",
    "IndexStats",
    "IndexWriteError",
    "PeopleSort",
    "Person",
    "PersonRef",
    "QueryError",
    "SearchError",
    "SearchResults",
    "SectionHit",
    "Snippet",
    "Suggestion",
    "TermKind",
    "TermScore",
    "SynonymsError",
    "UpdateReport",
    "create_index",
    "default_index_dir",
    "open_index",
]
