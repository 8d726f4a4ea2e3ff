"""People: every key figure of the index, one person across the spellings of their name.

Two spellings are one person when they are the same name up to case, accents,
whitespace and punctuation (``Jürgen Schmidhuber`` / ``jurgen  schmidhuber``,
``Fei-Fei Li`` / ``Fei Fei Li``), or when the alias file lists them together. Nothing is
guessed beyond that: ``J. Smith`` is not ``John Smith`` unless a line says so.

The alias file, one person per line (docs/search.md, "People")::

    # A comment: a line that starts with #, or the end of a line after " #".
    Geoffrey Hinton | Geoff Hinton | Geoffrey E. Hinton   # the name shown first
    Yann LeCun | Yann Le Cun

The name first is the one shown; the others are spellings of it. Names are separated by
``|`` (a name may hold a comma: ``Martin Luther King, Jr.``). A line may hold one name
alone, to choose how a name written several ways is shown.

An index keeps a copy of its alias file, as it does its synonyms file; the people table is
made once per view of the index (and alias file), never per request.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
from eventsearch.search.analysis import fold
from eventsearch.search.errors import AliasesError
from eventsearch.search.facets import Table
from eventsearch.search.params import PeopleSort
from eventsearch.search.results import EventRef, Person, PersonRef
from eventsearch.search.storage import IndexedCopy

_WORD = re.compile(r"[^\W_]+")
_QUOTES = str.maketrans("", "", "'’ʼ")


def name_key(name: str) -> str:
    """What two spellings of one name share: lower case, no accents, apostrophes dropped,
    every other run of punctuation or space one space (``Marc'Aurelio`` is
    ``marcaurelio``, ``Shun-ichi Amari`` is ``shun ichi amari``)."""
    return " ".join(_WORD.findall(fold(name).translate(_QUOTES)))


def person_slug(name: str) -> str:
    """The slug of a person's page: their name's key, with hyphens (``geoffrey-hinton``)."""
    return "-".join(name_key(name).split())


@dataclass(frozen=True)
class Aliases:
    """The alias file: each spelling's key, with the name of the person it spells."""

    #: The key of every name in the file (the first of a line too) -> the first of its line.
    names: dict[str, str] = field(default_factory=dict)
    #: Each line's first name -> the other names of the line, as written.
    spellings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str | None = None

    def __len__(self) -> int:
        return len(self.spellings)

    def name_of(self, name: str) -> str | None:
        """The name shown for ``name`` if the file lists it, else None."""
        return self.names.get(name_key(name))


NO_ALIASES = Aliases()


def parse_aliases(text: str, source: str | None = None) -> Aliases:
    """Read an alias file's text.

    :raises AliasesError: a line has a name with no letter or digit, or a name is given
        to two people; the message lists every such line.
    """
    names: dict[str, str] = {}
    spellings: dict[str, tuple[str, ...]] = {}
    where: dict[str, int] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        written = [" ".join(part.split()) for part in line.split("|")]
        if not all(name_key(name) for name in written):
            problems.append(f"line {number}: an empty name, or one with no letter or digit")
            continue
        first = written[0]
        clash = next((name for name in written if name_key(name) in names
                      and names[name_key(name)] != first), None)
        if clash is not None:
            other = where[name_key(clash)]
            problems.append(f"line {number}: {clash!r} is already a name of "
                            f"{names[name_key(clash)]!r} (line {other})")
            continue
        for name in written:
            names.setdefault(name_key(name), first)
            where.setdefault(name_key(name), number)
        others = [n for n in written[1:] if n != first]
        spellings[first] = tuple(dict.fromkeys(spellings.get(first, ()) + tuple(others)))
    if problems:
        prefix = f"{source}: " if source else ""
        raise AliasesError(prefix + "; ".join(problems))
    return Aliases(names, spellings, source)


def load_aliases(path: str | os.PathLike[str]) -> Aliases:
    """Read an alias file.

    :raises AliasesError: the file cannot be read or a line of it is wrong.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AliasesError(f"cannot read the alias file {path}: {exc}") from None
    return parse_aliases(text, os.fspath(path))


class AliasesFile(IndexedCopy[Aliases]):
    """An index's copy of its alias file, and where it came from (the meta file)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "people.txt", "people", load_aliases, AliasesError, NO_ALIASES,
                         "its alias file")


class People:
    """Every person of one view's live events, with their events and co-figures."""

    def __init__(self, table: Table, aliases: Aliases) -> None:
        names: list[str | None] = []  # None: shown as their most used spelling
        seen: list[Counter] = []  # each person's spellings in the index, with counts
        by_key: dict[str, int] = {}
        person_of = np.full(len(table.figure_list), -1, dtype=np.int64)
        live_entries = table.live[table.figure_docs] if len(table.figure_docs) else \
            np.zeros(0, dtype=bool)
        uses = np.bincount(table.figure_codes[live_entries],
                           minlength=len(table.figure_list))
        for code, written in enumerate(table.figure_list):
            key = name_key(written)
            if not key or not uses[code]:
                continue
            listed = aliases.names.get(key)
            key = name_key(listed) if listed else key
            at = by_key.get(key)
            if at is None:
                at = by_key[key] = len(names)
                names.append(listed)
                seen.append(Counter())
            seen[at][written] += int(uses[code])
            person_of[code] = at
        # Unlisted: the spelling most used; on a tie, one with accents (more often right
        # than the same name without them), then the first in code point order.
        shown = [name or min(spelt, key=lambda s: (-spelt[s], s.isascii(), s))
                 for name, spelt in zip(names, seen, strict=True)]

        docs: list[set[int]] = [set() for _ in shown]
        each_doc: dict[int, set[int]] = {}
        people = person_of[table.figure_codes] if len(table.figure_codes) else \
            np.zeros(0, dtype=np.int64)
        for doc, at in zip(table.figure_docs[live_entries].tolist(),
                           people[live_entries].tolist(), strict=True):
            if at >= 0:
                docs[at].add(doc)
                each_doc.setdefault(doc, set()).add(at)
        together: list[Counter] = [Counter() for _ in shown]
        for present in each_doc.values():
            for at in present:
                together[at].update(other for other in present if other != at)

        slugs = [person_slug(name) for name in shown]
        refs = [PersonRef(name, slug, len(found))
                for name, slug, found in zip(shown, slugs, docs, strict=True)]
        #: Every person, by name.
        self.refs: tuple[PersonRef, ...] = tuple(sorted(refs, key=lambda r: _order(r.name)))
        self.by_count: tuple[PersonRef, ...] = tuple(
            sorted(refs, key=lambda r: (-r.count, _order(r.name))))
        self._people: dict[str, Person] = {}
        #: Each spelling's key (from the index or the alias file) -> the person's number.
        self._keys: dict[str, int] = {}
        self._words: list[frozenset[str]] = []
        self._spellings: list[tuple[str, ...]] = [tuple(sorted(s)) for s in seen]
        for at, name in enumerate(shown):
            others = set(seen[at]) | set(aliases.spellings.get(name, ()))
            others.discard(name)
            ordered = sorted(docs[at], key=lambda d: (not table.has_year[d],
                                                      int(table.years[d]), table.titles[d]))
            self._people[slugs[at]] = Person(
                name=name,
                slug=slugs[at],
                aliases=tuple(sorted(others, key=_order)),
                count=len(docs[at]),
                events=tuple(_ref(table, d) for d in ordered),
                co_figures=tuple(sorted((PersonRef(shown[o], slugs[o], n)
                                         for o, n in together[at].items()),
                                        key=lambda r: (-r.count, _order(r.name)))),
            )
            keys = {name_key(spelling) for spelling in others | {name}}
            for key in keys:
                self._keys.setdefault(key, at)
            self._words.append(frozenset(w for key in keys for w in key.split()))
        self._slugs = slugs
        #: Every figure's name as written in the index -> the slug of their person.
        self.slugs: Mapping[str, str] = MappingProxyType({
            written: slugs[int(at)] for written, at in zip(table.figure_list,
                                                           person_of.tolist(), strict=True)
            if at >= 0})

    def __len__(self) -> int:
        return len(self.refs)

    def listing(self, q: str | None = None, sort: PeopleSort = "name") -> tuple[PersonRef, ...]:
        """The people whose name (or another spelling of it) has words starting with each
        word of ``q``, in the order asked for."""
        everyone = self.by_count if sort == "count" else self.refs
        words = name_key(q or "").split()
        if not words:
            return everyone
        wanted = {self._slugs[at] for at, held in enumerate(self._words)
                  if all(any(w.startswith(typed) for w in held) for typed in words)}
        return tuple(ref for ref in everyone if ref.slug in wanted)

    def person(self, slug: str) -> Person | None:
        """The person with this slug, or the one another spelling's slug (or name) names."""
        found = self._people.get(slug)
        if found is None:
            at = self._keys.get(name_key(slug))
            found = self._people[self._slugs[at]] if at is not None else None
        return found

    def spellings_of(self, name: str) -> tuple[str, ...]:
        """Every spelling in the index of the person ``name`` names (() if none)."""
        at = self._keys.get(name_key(name))
        return self._spellings[at] if at is not None else ()


def _order(name: str) -> tuple[str, str]:
    return name_key(name), name


def _ref(table: Table, doc: int) -> EventRef:
    code = int(table.categories[doc])
    return EventRef(slug=table.slugs[doc], title=table.titles[doc],
                    year=int(table.years[doc]) if table.has_year[doc] else None,
                    category=table.category_list[code] if code >= 0 else None)
