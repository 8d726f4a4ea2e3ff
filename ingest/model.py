"""The records ingest produces: what the indexer sees of an event page."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Section:
    """One narrative section: its heading, the anchor that links to it, its plain text."""

    heading: str
    anchor: str
    text: str


@dataclass(frozen=True)
class RelatedLink:
    """A link from one event page to another event."""

    title: str
    url: str
    slug: str
    year: int | None = None


@dataclass(frozen=True)
class Event:
    """One event page, parsed. ``content_hash`` is derived from the other content fields."""

    slug: str
    url: str
    title: str
    year: int | None
    category: str | None
    summary: str
    sections: tuple[Section, ...]
    figures: tuple[str, ...]
    impact: str
    related: tuple[RelatedLink, ...]
    #: The page's language as a BCP 47 tag (``en``, ``pt-BR``), when the page says.
    lang: str | None = None
    content_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.content_hash:
            # frozen dataclass, so object.__setattr__
            object.__setattr__(self, "content_hash", _content_hash(self))

    @property
    def body(self) -> str:
        """The narrative text of every section, in page order."""
        return "\n\n".join(section.text for section in self.sections)

    def to_dict(self) -> dict:
        """The record as JSON-ready data, with exactly the Event fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Event:
        """Rebuild an Event from :meth:`to_dict` output."""
        return cls(
            slug=data["slug"],
            url=data["url"],
            title=data["title"],
            year=data["year"],
            category=data["category"],
            summary=data["summary"],
            sections=tuple(Section(**s) for s in data["sections"]),
            figures=tuple(data["figures"]),
            impact=data["impact"],
            related=tuple(RelatedLink(**r) for r in data["related"]),
            lang=data.get("lang"),
            content_hash=data.get("content_hash", ""),
        )


def _content_hash(event: Event) -> str:
    # The URL is left out: the same page served from another place is the same content.
    content = asdict(event)
    content.pop("content_hash")
    content.pop("url")
    for link in content["related"]:
        link.pop("url")
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:32]


@dataclass(frozen=True)
class Skipped:
    """A page that was not turned into an event, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Listing:
    """A listing page (a timeline or index): its links are followed, it is not an event."""

    source: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class NotModified:
    """A site page unchanged since the last crawl (HTTP 304): its event stays as indexed.

    ``slug`` is the event it gave then, empty if it gave none.
    """

    source: str
    slug: str


class ParseError(ValueError):
    """The page cannot be read as an event page; the message says why."""


class NotAnEvent(ParseError):
    """The page is a listing of events, not an event."""

    def __init__(self, message: str, links: tuple[str, ...]) -> None:
        super().__init__(message)
        self.links = links
