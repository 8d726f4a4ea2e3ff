"""The grammar of search parameters, one for every face: years, sorts, paging limits.

The web's query string, the CLI's options and the Python API all read years, sorts and
page numbers with these functions, so ``2020..2024`` means the same thing everywhere and
``²`` or ``12345`` is refused everywhere with the same message.
"""

from __future__ import annotations

import re
from typing import Literal, get_args, overload

from eventsearch.search.errors import QueryError

#: ``year`` oldest first, ``-year`` newest first, ``added`` newest indexed first.
Sort = Literal["relevance", "year", "-year", "added"]
SORTS: tuple[str, ...] = get_args(Sort)
#: The orders of the list of people: by name, or most events first.
PeopleSort = Literal["name", "count"]
PEOPLE_SORTS: tuple[str, ...] = get_args(PeopleSort)

#: Longer queries are cut here: nobody types more, and it bounds the work per query.
MAX_QUERY_CHARS = 1000
MAX_PER_PAGE = 100
MAX_PAGE = 1000

#: A year filter: one year, or an inclusive range with either end open.
YearSpec = int | tuple[int | None, int | None]

#: The years a bare number among plain words may be (``2023`` yes, ``7`` or ``50000`` no).
BARE_YEAR_MIN, BARE_YEAR_MAX = 1000, 2999
YEAR_SYNTAX = "a year (2023), a range (2020..2024, 2020.., ..1990, >=2020) or a decade (1980s)"

_YEAR = r"(\d{1,4})"
_RANGE = re.compile(rf"^{_YEAR}?\s*(?:\.\.|-|–|to)\s*{_YEAR}?$")
_COMPARE = re.compile(rf"^(>=|<=|>|<|=)?\s*{_YEAR}$")
_DECADE = re.compile(r"^(\d{3})0'?s$")
_COUNT = re.compile(r"[0-9]{1,9}")


# A bare year or decade is always a closed range.
@overload
def parse_years(value: str, *, bare: Literal[True]) -> tuple[int, int] | None: ...


@overload
def parse_years(value: str, *, bare: bool = False) -> tuple[int | None, int | None] | None: ...


def parse_years(value: str, *, bare: bool = False) -> tuple[int | None, int | None] | None:
    """``2023``, ``2020..2024``, ``2020-2024``, ``>=2020``, ``1980s`` as an inclusive
    (start, end) pair; None if ``value`` is none of these.

    With ``bare`` (a word among plain words) only a four-digit year from 1000 to 2999 or a
    decade counts.
    """
    value = value.strip().lower()
    if not value.isascii():
        return None
    if decade := _DECADE.match(value):
        first = int(decade.group(1)) * 10
        return first, first + 9
    if bare:
        if re.fullmatch(r"\d{4}", value) and BARE_YEAR_MIN <= int(value) <= BARE_YEAR_MAX:
            return int(value), int(value)
        return None
    if compare := _COMPARE.match(value):
        op, year = compare.group(1) or "=", int(compare.group(2))
        return {
            "=": (year, year), ">=": (year, None), ">": (year + 1, None),
            "<=": (None, year), "<": (None, year - 1),
        }[op]
    if span := _RANGE.match(value):
        start = int(span.group(1)) if span.group(1) else None
        end = int(span.group(2)) if span.group(2) else None
        if start is None and end is None:
            return None
        if start is not None and end is not None and start > end:
            start, end = end, start
        return start, end
    return None


def parse_year_filter(value: str) -> YearSpec:
    """A year filter as typed in ``year=`` or ``--year``: one year as an int, anything else
    as a (start, end) pair.

    :raises QueryError: ``value`` is not a year, range or decade.
    """
    found = parse_years(value)
    if found is None:
        raise QueryError(f"year must be {YEAR_SYNTAX}, not {_shown(value)}")
    start, end = found
    if start is not None and start == end and re.fullmatch(r"\s*=?\s*\d{1,4}\s*", value):
        return start
    return found


@overload
def format_year(year: YearSpec) -> str: ...


@overload
def format_year(year: YearSpec | None) -> str | None: ...


def format_year(year: YearSpec | None) -> str | None:
    """A year filter as written in a URL: ``2023``, ``2020..2024``, ``2020..``."""
    if year is None:
        return None
    if isinstance(year, int):
        return str(year)
    start, end = year
    return f"{start if start is not None else ''}..{end if end is not None else ''}"


def year_range(year: object) -> tuple[int | None, int | None]:
    """Check a year filter given to the Python API: an int, or a (start, end) pair of ints
    or None. A reversed pair is put in order.

    :raises QueryError: anything else.
    """
    if isinstance(year, int) and not isinstance(year, bool):
        return year, year
    if isinstance(year, (tuple, list)) and len(year) == 2 and all(
            y is None or (isinstance(y, int) and not isinstance(y, bool)) for y in year):
        start, end = year
        if start is not None and end is not None and start > end:
            start, end = end, start
        return start, end
    raise QueryError("year must be a year or a (start, end) pair")


def parse_count(name: str, value: str, low: int, high: int) -> int:
    """A whole number typed as a parameter (``page``, ``per_page``, ``limit``): ASCII
    digits only, from ``low`` to ``high``.

    :raises QueryError: anything else, with a message naming the parameter.
    """
    text = value.strip()
    if not _COUNT.fullmatch(text) or not low <= int(text) <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    return int(text)


_SWITCH = {"1": True, "true": True, "on": True, "yes": True,
           "0": False, "false": False, "off": False, "no": False}


def parse_switch(name: str, value: str) -> bool:
    """An on/off parameter: ``1``, ``true``, ``on``, ``yes`` or ``0``, ``false``, ``off``,
    ``no`` (any case).

    :raises QueryError: anything else.
    """
    found = _SWITCH.get(value.strip().lower())
    if found is None:
        raise QueryError(f"{name} must be 1 or 0 (or true/false, on/off, yes/no)")
    return found


def check_count(name: str, value: object, low: int, high: int) -> int:
    """A whole number given to the Python API, from ``low`` to ``high``.

    :raises QueryError: anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    return value


def check_sort(sort: object) -> Sort:
    """:raises QueryError: ``sort`` is not one of :data:`SORTS`."""
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {_shown(sort)}")
    return sort  # type: ignore[return-value]  # checked against SORTS just above


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def check_people_sort(sort: object) -> PeopleSort:
    """:raises QueryError: ``sort`` is not one of :data:`PEOPLE_SORTS`."""
    if sort not in PEOPLE_SORTS:
        raise QueryError(f"sort must be one of {', '.join(PEOPLE_SORTS)}, not {_shown(sort)}")
    return sort  # type: ignore[return-value]  # checked against PEOPLE_SORTS just above
