"""What a query is compiled to and scored as (search/compiler.py makes it, search/scoring.py
scores it): index terms in fields, phrases, blends of synonyms, and the ways to combine
them. Plain, frozen values: a plan can be compared, shown and kept."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Term:
    """One index term in one field."""

    field: str
    term: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Index terms next to each other, in order, in one field."""

    field: str
    terms: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Blend:
    """Several wordings of one thing in one field, scored as one term, as Lucene's
    ``SynonymQuery`` scores synonyms (and, here, phrases too): a document's term frequency
    is the sum of each wording's occurrences times its weight, its document frequency the
    largest of the wordings'. A wording typed (weight 1) so always counts more than a
    synonym (a lower weight) that occurs as often, whatever the words' own rarity."""

    field: str
    forms: tuple[tuple[tuple[str, ...], float], ...]
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class Match:
    """The documents of a mask (a year range, a category, people), each scoring 1."""

    mask: np.ndarray
    label: str


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Not:
    """Every other live document, each scoring 1."""

    child: Node


@dataclass(frozen=True)
class Nothing:
    """Matches no document (a filter that names no category, say)."""


Node = Term | Phrase | Blend | Match | Or | And | Not | Nothing
NOTHING = Nothing()
