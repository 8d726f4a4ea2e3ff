"""Atom feeds of searches (RFC 4287), written with the standard library's ElementTree.

A feed lists a search's matches newest indexed first (``sort="added"``). Its ``updated``
is the newest ``changed`` time of its entries, so it moves only when they do; an empty
feed says the Unix epoch, which never moves. Ids are ``urn:uuid:`` URIs made from the
index's identity (a new one when an index is made anew): the feed's from its search, an
entry's from its event's slug.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from eventsearch.search import Hit

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
#: How many entries a feed has unless ``per_page`` asks for fewer or more (up to the API's
#: MAX_PER_PAGE).
FEED_ENTRIES = 50
#: The ``updated`` of a feed without entries: a time that never moves.
EMPTY_UPDATED = 0.0

# What XML 1.0 cannot hold, even escaped: control characters, lone surrogates, U+FFFE/F.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class Entry:
    """One event of a feed."""

    hit: Hit
    summary: str
    url: str  # the event's page, absolute


def feed_id(identity: str, search: Iterable[tuple[str, str]]) -> str:
    """The id of a search's feed: the same for the same search of the same index."""
    key = "&".join(f"{name}={value}" for name, value in sorted(search))
    return _urn(f"{identity}/search?{key}")


def entry_id(identity: str, slug: str) -> str:
    """The id of an event's entry, in every feed of the index."""
    return _urn(f"{identity}/events/{slug}")


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'eventsearch:{name}')}"


def timestamp(seconds: float) -> str:
    """A Unix time as an RFC 3339 date in UTC, to the millisecond (two updates a second
    apart or less still give their feeds different times)."""
    shown = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return shown.replace("+00:00", "Z")


def atom_feed(*, uri: str, title: str, self_url: str, page_url: str, entries: list[Entry],
              entry_uri: Callable[[str], str]) -> bytes:
    """The feed as UTF-8 XML.

    :param uri: the feed's id (:func:`feed_id`).
    :param self_url: the feed's own address; ``page_url``: the search's results page.
    :param entry_uri: the id of an event's entry, from its slug (:func:`entry_id`).
    """
    feed = ET.Element(_atom("feed"))
    _text(feed, "id", uri)
    _text(feed, "title", title)
    updated = max((e.hit.changed for e in entries), default=EMPTY_UPDATED)
    _text(feed, "updated", timestamp(updated))
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, page_url, "alternate", "text/html")
    author = ET.SubElement(feed, _atom("author"))
    _text(author, "name", "eventsearch")
    _text(feed, "generator", "eventsearch")
    for entry in entries:
        hit = entry.hit
        element = ET.SubElement(feed, _atom("entry"))
        _text(element, "id", entry_uri(hit.slug))
        _text(element, "title", hit.title if hit.year is None else f"{hit.title} ({hit.year})")
        _link(element, entry.url, "alternate", "text/html")
        _text(element, "published", timestamp(hit.added))
        _text(element, "updated", timestamp(hit.changed))
        if hit.category:
            ET.SubElement(element, _atom("category"), term=_clean(hit.category))
        if hit.year is not None:
            ET.SubElement(element, _atom("category"), term=str(hit.year), label="Year")
        _text(element, "summary", entry.summary).set("type", "text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _atom(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _clean(text: str) -> str:
    """Text XML can hold: ElementTree escapes markup, not characters XML forbids."""
    return _NOT_XML.sub("", text)


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _atom(name))
    element.text = _clean(text)
    return element


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, _atom("link"), rel=rel, type=kind, href=_clean(href))
