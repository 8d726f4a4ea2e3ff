"""The index schema, declared once.

Whoosh indexes one field itself: ``slug``, the unique key it replaces and deletes events
by. Everything else of an event goes to our codec as one column value (``event``): the
codec writes it into the segment's own file, an inverted index of each text field plus
the stored row (search/segment.py), which is what queries read.
"""

from __future__ import annotations

from whoosh import columns
from whoosh.fields import COLUMN, ID, Schema

#: Bumped whenever the schema, the segment file or the analysis changes; an index of
#: another version is rebuilt (``eventsearch index``) or refused (``open_index``), never
#: read wrongly.
SCHEMA_VERSION = 9

#: The searched text fields and their weights, chosen on tests/relevance (docs/relevance.md).
FIELD_BOOSTS = {
    "title": 1.0,
    "figures_text": 1.25,
    "summary": 1.1,
    "body": 1.0,
    "impact": 0.8,
}
TEXT_FIELDS = tuple(FIELD_BOOSTS)

#: The column whose values are whole events, for the codec to index (search/codec.py).
EVENT_FIELD = "event"


class EventColumn(columns.Column):
    """The ``event`` column: its values are Event records, which our codec indexes into
    the segment's own file. Whoosh's own column writer never sees them."""

    def writer(self, dbfile):
        raise TypeError("the event column is written by eventsearch's codec "
                        "(search/codec.py), not by Whoosh's")

    def reader(self, dbfile, basepos, length, doccount):
        raise TypeError("the event column is read from eventsearch's segment file")

    def default_value(self, reverse=False):
        return None


def make_schema() -> Schema:
    """The schema of an eventsearch index."""
    return Schema(slug=ID(unique=True), event=COLUMN(EventColumn()))


def to_document(event) -> dict:
    """The fields of one event's document, as Whoosh's writer takes them."""
    return {"slug": event.slug, EVENT_FIELD: event}
