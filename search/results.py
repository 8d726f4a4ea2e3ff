"""Typed, detached results: frozen dataclasses built inside the searcher block."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import Generic, Literal, TypeVar

_FIELDS: dict[type, tuple[str, ...]] = {}

SuggestionKind = Literal["title", "figure", "query"]

#: What a part of a score is (:class:`TermScore`).
TermKind = Literal["word", "phrase", "blend", "not", "filter"]


def _plain(value):
    """What ``dataclasses.asdict`` gives for these results (dataclasses become dicts,
    tuples stay tuples), without its deep copies: results hold only strings, numbers,
    None and more results."""
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(kind):
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if kind is tuple or kind is list:
        return kind(_plain(v) for v in value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


class _AsDict:
    def to_dict(self) -> dict:
        """The object as JSON-ready data, field for field."""
        return _plain(self)


@dataclass(frozen=True)
class Snippet(_AsDict):
    """Text with the spans a query matched in it (``[start, end)`` offsets into
    ``text``, in order). No markup: each face renders it its own way, the web as escaped
    HTML with ``<mark>``, the command line in bold."""

    text: str
    matches: tuple[tuple[int, int], ...] = ()

    def __str__(self) -> str:
        return self.text

    def parts(self) -> Iterator[tuple[str, bool]]:
        """The text in pieces, each with whether it matched."""
        cursor = 0
        for start, end in self.matches:
            if start > cursor:
                yield self.text[cursor:start], False
            yield self.text[start:end], True
            cursor = end
        if cursor < len(self.text):
            yield self.text[cursor:], False

    @property
    def marked(self) -> tuple[str, ...]:
        """The matched words, as written."""
        return tuple(self.text[start:end] for start, end in self.matches)


@dataclass(frozen=True)
class SectionHit(_AsDict):
    """A narrative section that matched: link to it with ``#anchor``."""

    heading: str
    anchor: str
    snippet: Snippet


@dataclass(frozen=True)
class Expansion(_AsDict):
    """Searched besides what was typed: ``also`` (synonyms) for ``typed``."""

    typed: str
    also: tuple[str, ...]


@dataclass(frozen=True)
class TermScore(_AsDict):
    """One part of a hit's score: a term of the query in one field, with BM25F's parts.

    ``score = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * field_length /
    average_length)) * boost``. ``kind`` says what the term is: a ``word`` typed; one word
    of a ``phrase`` (a phrase scores the sum of its words, where they stand together:
    ``phrase``); a ``blend`` of wordings scored as one term (the words as typed, weight 1,
    with their synonyms or spelling corrections at a lower weight: ``terms`` and
    ``weights`` list them; ``tf`` is the weighted sum of their counts, ``document_frequency``
    the largest of theirs). A ``not`` (an excluded word the event lacks) or a ``filter``
    among the words (``year:2023``) scores ``boost``, that is 1 times the boosts above it.
    """

    kind: TermKind
    field: str  # the index field: title, figures_text, summary, body, impact
    terms: tuple[tuple[str, ...], ...]  # index terms (stemmed), one tuple per wording
    weights: tuple[float, ...]  # each wording's weight in a blend, else 1.0
    tf: float  # occurrences in the field (weighted for a blend)
    field_length: float  # the field's length in this event, in words (as stored)
    average_length: float  # the field's mean length over the index
    document_frequency: int  # events that have the term in this field
    idf: float
    k1: float
    b: float
    boost: float  # the field's weight times any boost of the query around the term
    score: float
    phrase: tuple[str, ...] = ()  # for a word of a phrase: the phrase's terms


@dataclass(frozen=True)
class Explanation(_AsDict):
    """Why a hit scored what it did: ``score`` is the sum of ``parts``' scores.

    ``filters`` narrowed what matched without scoring (the search's year, category and
    figure, and field filters or a bare year in the query); ``corrections`` are misspelt
    words searched as their corrections too; the synonyms searched are the results'
    ``expansions``. ``all_words`` says whether the event has every word of the query:
    those are ranked first, before any score (``SearchResults.all_words``).
    """

    score: float
    all_words: bool
    parts: tuple[TermScore, ...]
    filters: tuple[str, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    expansions: tuple[Expansion, ...] = ()


@dataclass(frozen=True)
class Hit(_AsDict):
    """One matching event. ``explanation`` is given when asked for (``explain=True``)."""

    slug: str
    title: str
    year: int | None
    category: str | None
    figures: tuple[str, ...]
    #: When the event was first indexed, and when its current content was (Unix time in
    #: seconds, UTC): ``sort="added"`` puts the newest first.
    added: float
    changed: float
    score: float
    snippet: Snippet
    sections: tuple[SectionHit, ...]
    explanation: Explanation | None = None


#: What a facet counts by: a category or figure's name, or a year or decade.
V = TypeVar("V", str, int)


@dataclass(frozen=True)
class FacetCount(_AsDict, Generic[V]):
    value: V
    count: int


@dataclass(frozen=True)
class Facets(_AsDict):
    """Counts over the whole match set, not just the page shown."""

    category: tuple[FacetCount[str], ...]
    decade: tuple[FacetCount[int], ...]
    figure: tuple[FacetCount[str], ...]
    year: tuple[FacetCount[int], ...]


@dataclass(frozen=True)
class SearchResults(_AsDict):
    """A page of hits, the total, facets and a did-you-mean suggestion."""

    query: str
    total: int  # every match: events with all the words, then events with some of them
    all_words: int  # how many of them have all the words (they are ranked first)
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: Facets
    suggestion: str | None
    elapsed_ms: float
    notes: tuple[str, ...] = ()
    #: What else was searched: the synonyms of words of the query (search/synonyms.py).
    expansions: tuple[Expansion, ...] = ()
    #: False when the search used no synonyms (``synonyms=False``).
    synonyms: bool = True

    @property
    def pages(self) -> int:
        """How many pages the whole result has."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class EventRef(_AsDict):
    """A short reference to an indexed event: enough to show and link it."""

    slug: str
    title: str
    year: int | None
    category: str | None


@dataclass(frozen=True)
class PersonRef(_AsDict):
    """A person, enough to show and link them: ``count`` is their number of events (as a
    co-figure: the number of events they share with the person)."""

    name: str
    slug: str
    count: int


@dataclass(frozen=True)
class Person(_AsDict):
    """A person: every spelling of their name merged (search/people.py), their events
    (oldest first) and the people who appear with them, most often first."""

    name: str
    slug: str
    #: Their other spellings, in the index or in the alias file.
    aliases: tuple[str, ...]
    count: int
    events: tuple[EventRef, ...]
    co_figures: tuple[PersonRef, ...]


@dataclass(frozen=True)
class Suggestion(_AsDict):
    """An autocomplete entry: an event title (with its slug), a person's name, or the
    query with its last word completed."""

    text: str
    kind: SuggestionKind
    slug: str | None = None


@dataclass(frozen=True)
class UpdateReport(_AsDict):
    """What an update did to the index."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    elapsed_s: float = 0.0
    notes: tuple[str, ...] = ()
    #: Segments merged after the update's commit (search/merging.py), and how long it took.
    merged: int = 0
    merge_s: float = 0.0

    @property
    def changed(self) -> bool:
        """True if the update wrote anything."""
        return bool(self.added or self.updated or self.deleted)


@dataclass(frozen=True)
class IndexStats(_AsDict):
    """A summary of what an index holds."""

    path: str
    events: int
    schema_version: int
    generation: int
    segments: int
    size_bytes: int
    last_modified: float
    first_year: int | None
    last_year: int | None
    categories: tuple[FacetCount[str], ...]
    figures: int
