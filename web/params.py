"""Reading search parameters from a request: the same rules for the pages and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

MAX_QUERY_CHARS = 1000
SORTS = ("relevance", "year", "-year")


class BadParameter(ValueError):
    """A request parameter is malformed; the message says which and how."""


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    year: int | tuple[int | None, int | None] | None = None
    category: str | None = None
    figure: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10

    def kwargs(self) -> dict:
        """Keyword arguments for EventIndex.search."""
        return {"year": self.year, "category": self.category, "figure": self.figure,
                "sort": self.sort, "page": self.page, "per_page": self.per_page}

    def year_text(self) -> str | None:
        """The year filter as it is written in a URL: ``2023`` or ``2020..2024``."""
        return format_year(self.year)


def format_year(year) -> str | None:
    if year is None:
        return None
    if isinstance(year, int):
        return str(year)
    start, end = year
    return f"{start if start is not None else ''}..{end if end is not None else ''}"


def parse_year(value: str):
    """``2023``, ``2020..2024``, ``2020..`` or ``..1990``."""
    match = re.fullmatch(r"\s*(\d{1,4})?\s*(\.\.)?\s*(\d{1,4})?\s*", value)
    if not match or not (match.group(1) or match.group(3)) or (
            not match.group(2) and match.group(3)):
        raise BadParameter("year must be a year (2023) or a range (2020..2024, 2020.., ..1990)")
    start = int(match.group(1)) if match.group(1) else None
    end = int(match.group(3)) if match.group(3) else None
    return start if not match.group(2) else (start, end)


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise BadParameter(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


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
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"sort must be one of {', '.join(SORTS)}")
    year = args.get("year")
    return SearchParams(
        q=(args.get("q") or "")[:MAX_QUERY_CHARS],
        year=parse_year(year) if year else None,
        category=_text(args, "category"),
        figure=_text(args, "figure"),
        sort=sort,
        page=_int(args, "page", 1, 1, 1000),
        per_page=_int(args, "per_page", default_per_page, 1, 100),
    )
