"""Reading search parameters from a request: the same rules for the pages and the API,
and the same grammar as the CLI and the Python API (search/params.py)."""

from __future__ import annotations

from dataclasses import dataclass

from eventsearch.search.errors import QueryError
from eventsearch.search.params import (
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    YearSpec,
    check_sort,
    format_year,
    parse_count,
    parse_switch,
    parse_year_filter,
)
from werkzeug.datastructures import MultiDict


class BadParameter(ValueError):
    """A request parameter is malformed; the message says which and how."""


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    year: YearSpec | None = None
    category: str | None = None
    figure: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    synonyms: bool = True
    explain: bool = False

    def kwargs(self) -> dict:
        """Keyword arguments for EventIndex.search."""
        return {"year": self.year, "category": self.category, "figure": self.figure,
                "sort": self.sort, "page": self.page, "per_page": self.per_page,
                "synonyms": self.synonyms, "explain": self.explain}

    def year_text(self) -> str | None:
        """The year filter as it is written in a URL: ``2023`` or ``2020..2024``."""
        return format_year(self.year)


def count(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter, ``default`` when absent or empty.

    :raises BadParameter: anything but ASCII digits from ``low`` to ``high``.
    """
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_count(name, raw, low, high)
    except QueryError as exc:
        raise BadParameter(str(exc)) from None


def _text(args: MultiDict, name: str, limit: int = 200) -> str | None:
    value = args.get(name, "")
    if len(value) > limit:
        raise BadParameter(f"{name} is longer than {limit} characters")
    value = " ".join(value.split())
    return value or None


def search_params(args: MultiDict, *, default_per_page: int = 10) -> SearchParams:
    """Validate a request's search parameters.

    :raises BadParameter: a parameter is malformed (the query text never is).
    """
    year = args.get("year")
    try:
        sort = check_sort(args.get("sort") or "relevance")
        year_filter = parse_year_filter(year) if year else None
        synonyms = parse_switch("synonyms", args["synonyms"]) if args.get("synonyms") else True
        explain = parse_switch("explain", args["explain"]) if args.get("explain") else False
    except QueryError as exc:
        raise BadParameter(str(exc)) from None
    return SearchParams(
        q=(args.get("q") or "")[:MAX_QUERY_CHARS],
        year=year_filter,
        category=_text(args, "category"),
        figure=_text(args, "figure"),
        sort=sort,
        page=count(args, "page", 1, 1, MAX_PAGE),
        per_page=count(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
        synonyms=synonyms,
        explain=explain,
    )
