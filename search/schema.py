"""The index schema, declared once, and the mapping between Event records and documents."""

from __future__ import annotations

from eventsearch.ingest import Event, RelatedLink, Section
from eventsearch.search.analysis import analyzer, vocabulary
from eventsearch.search.highlight import section_terms
from whoosh import columns
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

#: Bumped whenever the schema or the analysis changes; an index of another version is
#: rebuilt (``eventsearch index``) or refused (``open_index``), never read wrongly.
SCHEMA_VERSION = 7

#: The searched text fields and their weights, chosen on tests/relevance (docs/relevance.md).
FIELD_BOOSTS = {
    "title": 1.5,
    "figures_text": 1.25,
    "summary": 1.1,
    "body": 1.0,
    "impact": 0.8,
}
TEXT_FIELDS = tuple(FIELD_BOOSTS)


def make_schema() -> Schema:
    """The schema of an eventsearch index."""
    text = analyzer()
    return Schema(
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, stored=True),
        year=NUMERIC(int, bits=32, stored=True, sortable=True, signed=True),
        category=ID(stored=True, sortable=True),
        figures=KEYWORD(stored=True, commas=True, lowercase=False, scorable=True),
        figures_text=TEXT(analyzer=text),
        summary=TEXT(analyzer=text, stored=True),
        body=TEXT(analyzer=text),
        impact=TEXT(analyzer=text, stored=True),
        # Each distinct word once per document, unstemmed: for spelling and completions
        # (search/vocabulary.py). A column, not postings: half the build time.
        words=COLUMN(columns.VarBytesColumn()),
        url=STORED(),
        sections=STORED(),
        related=STORED(),
        content_hash=STORED(),
        lang=STORED(),
        # What facets and suggestions read for every document, without stored fields.
        facet_row=COLUMN(columns.PickleColumn(columns.VarBytesColumn())),
    )


def to_document(event: Event) -> dict:
    """The fields of one event's document."""
    body = "\n\n".join(f"{s.heading}\n{s.text}" if s.heading != "Introduction" else s.text
                       for s in event.sections)
    document = {
        "slug": event.slug,
        "title": event.title,
        "category": event.category or "",
        "figures": ",".join(name.replace(",", " ") for name in event.figures),
        "figures_text": "\n".join(event.figures),
        "summary": event.summary,
        "body": body,
        "impact": event.impact,
        "words": vocabulary("\n".join((event.title, " ".join(event.figures), event.summary,
                                       body, event.impact))).encode("utf-8"),
        "url": event.url,
        # Each section with its length and term counts, so that hits score their sections
        # without reading the words again (search/highlight.py).
        # (Stored fields are pickled by Whoosh: tuples load faster than JSON would.)
        "sections": tuple((s.heading, s.anchor, s.text, *section_terms(s.heading, s.text))
                          for s in event.sections),
        "related": tuple((r.title, r.url, r.slug, r.year) for r in event.related),
        "content_hash": event.content_hash,
        "lang": event.lang or "",
        "facet_row": (event.slug, event.title, event.year, event.category,
                      tuple(event.figures), event.content_hash),
    }
    if event.year is not None:
        document["year"] = event.year
    return document


def from_stored(stored: dict) -> Event:
    """Rebuild the Event a document was made from, from its stored fields."""
    return Event(
        slug=stored["slug"],
        url=stored["url"],
        title=stored["title"],
        year=stored.get("year"),
        category=stored.get("category") or None,
        summary=stored["summary"],
        sections=tuple(Section(*s[:3]) for s in stored["sections"]),
        figures=tuple(n for n in stored.get("figures", "").split(",") if n),
        impact=stored["impact"],
        related=tuple(RelatedLink(*r) for r in stored["related"]),
        lang=stored.get("lang") or None,
        content_hash=stored["content_hash"],
    )


def stored_section_terms(stored: dict) -> list[tuple[int, str]]:
    """The length and term counts of each section, as :func:`to_document` stored them."""
    return [(s[3], s[4]) for s in stored["sections"]]
