"""Turn one HTML event page into an :class:`Event`. Pure: no file or network I/O.

Pages in our own format (``corpus/README.md``) are read through their classes; any other
page is read through its headings, the way a reader skims it: the title from ``h1``, the
narrative as the text between headings, and the special headings (Key Figures, Lasting
Impact, Related Events) picked out by their wording.
"""

from __future__ import annotations

import re
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag, UnicodeDammit, XMLParsedAsHTMLWarning
from bs4.builder import LXMLTreeBuilder  # type: ignore[attr-defined]  # registered at run time
from eventsearch.ingest.extract import MAX_ELEMENTS, Article, Block, normalize_lang, read_article
from eventsearch.ingest.limits import MAX_PAGE_BYTES, PARSE_TIME_LIMIT
from eventsearch.ingest.model import Event, NotAnEvent, ParseError, RelatedLink, Section

#: Elements nested deeper than this are read as text (as libxml2 and browsers cap depth).
MAX_DEPTH = 256


_JUNK_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
    "embed", "form", "button", "select", "input", "textarea", "nav", "footer", "aside",
)
# Wikipedia and similar sites: chrome, navigation boxes, citations and edit links.
_JUNK_TAG_SET = frozenset(_JUNK_TAGS)
_JUNK_CLASSES = frozenset(
    "mw-editsection mw-jump-link toc navbox vertical-navbox sidebar infobox metadata hatnote "
    "reflist references mw-references-wrap reference printfooter catlinks mw-cite-backlink "
    "noprint shortdescription ambox site-nav skip-link breadcrumb breadcrumbs "
    "cookie-banner".split()
)
_JUNK_IDS = frozenset("toc siteSub contentSub catlinks".split())
_JUNK_ROLES = frozenset(("navigation", "contentinfo"))
_BLOCK_TAGS = frozenset(
    "address article blockquote br dd details dialog div dl dt fieldset figcaption figure "
    "footer h1 h2 h3 h4 h5 h6 header hr li main ol p pre section summary table tbody td "
    "tfoot th thead tr ul caption".split()
)
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
_NAMED_LANDMARKS = frozenset(("html", "title", "h1", "main", "article"))
_YEAR = re.compile(r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})(?![\d.,]*\d)")
_DATE_META = (
    "article:published_time", "og:published_time", "date", "dc.date", "dcterms.date",
    "dc.date.issued", "citation_date", "citation_publication_date", "pubdate",
    "publish-date", "publishdate", "publish_date", "datepublished", "event:year",
)
_LABEL = re.compile(r"^[^\W\d_][^\d|]{0,38}$")
_YEAR_LABEL = re.compile(
    r"^(1[0-9]{3}|20[0-9]{2})\s*(?:[·|•,:\u2013\u2014-]\s*)?([^\W\d_][^\d|]{0,38})?$"
)
_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")
_CATEGORY_CLASS = re.compile(r"(^|[-_])(category|categories|badge|topic|genre|kind)([-_]|$)")
_SITE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022»-]\s+|\s+::\s+")
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022:-]\s+")

# Special headings, matched on their wording (lower case, punctuation dropped).
_FIGURES = re.compile(r"^(key |notable |main |principal )?(figures|people|persons|players)"
                      r"( involved)?$|^who was involved$|^key figures and people$")
_IMPACT = re.compile(r"^(lasting |long.term |historical )?(impact|legacy|significance)"
                     r"( and legacy)?$|^why it (still )?matters$|^aftermath$")
_RELATED = re.compile(r"^(related|see also|related events|related articles|related stories"
                      r"|more events|further events|similar events)$")
_DROPPED = re.compile(r"^(references|external links|notes|further reading|bibliography"
                      r"|sources|citations|footnotes|works cited|notes and references"
                      r"|contents|navigation menu)$")


def parse_event(
    html: str | bytes,
    url: str,
    *,
    encoding: str | None = None,
    time_limit: float | None = PARSE_TIME_LIMIT,
) -> Event:
    """Parse one event page into an Event.

    :param html: the page, as text or as bytes in any encoding (declared, BOM or detected).
    :param url: where the page lives; relative links are resolved against it.
    :param encoding: an encoding known from outside the page (an HTTP header), tried first.
    :param time_limit: seconds the page may take; a page that takes longer is given up.
    :raises NotAnEvent: the page is a listing of events (its links are on the exception).
    :raises ParseError: the page cannot be read as an event; the message says why.
    """
    clock = _Clock(time_limit)
    text = _page_text(html, encoding)
    builder = _CleanBuilder(clock)
    with warnings.catch_warnings():
        # An XHTML page with an XML declaration is still a page we can read as HTML.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, builder=builder)
    page = _Page(soup, url, clock)
    if page.own_format:
        return page.event()
    # Another site's page: trafilatura reads its main text unless the tree is too large
    # or too deep for lxml's own tree (it stops at depth 256: text would be lost).
    article = read_article(
        text, page.base, _is_chrome, clock.check,
        main_text=builder.elements <= MAX_ELEMENTS and builder.max_depth < MAX_DEPTH,
    )
    return page.event(article)


def slug_from_url(url: str) -> str:
    """The slug an event at this URL gets: the last path segment, without extension."""
    path = unquote(urlsplit(url).path).rstrip("/")
    name = path.rsplit("/", 1)[-1]
    name = re.sub(r"\.(html?|php|aspx?)$", "", name, flags=re.IGNORECASE)
    if name.lower() in ("", "index", "default"):
        name = path.rsplit("/", 2)[-2] if path.count("/") >= 2 else ""
    return slugify(name)


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: ``Mistral 7B!`` -> ``mistral-7b``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def normalize_space(text: str) -> str:
    """Collapse runs of white space (including non-breaking) to one space."""
    return " ".join(text.split())


def decode_html(data: bytes, encoding: str | None = None) -> str:
    """Decode page bytes: known encoding, BOM, declared charset, then detection."""
    if not data.strip():
        raise ParseError("empty page")
    if b"\x00" in data[:4096] and not data.startswith(_BOMS):
        raise ParseError("not HTML: binary content")
    hints = [encoding] if encoding else []
    with warnings.catch_warnings():
        # Replacement characters are reported below, as binary content or not at all.
        warnings.simplefilter("ignore", UnicodeWarning)
        dammit = UnicodeDammit(data, known_definite_encodings=hints, is_html=True)
    if dammit.unicode_markup is None:
        raise ParseError("undecodable: no encoding fits the bytes")
    text = dammit.unicode_markup
    # A page declared as Latin-1 is almost always Windows-1252 in practice (as browsers do).
    if dammit.original_encoding in ("iso-8859-1", "latin-1", "ascii") and re.search(
        "[\x80-\x9f]", text
    ):
        text = data.decode("windows-1252", errors="replace")
    return text


class _Clock:
    """The page's time budget, checked in the parser's own loops."""

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.deadline = None if limit is None else time.monotonic() + limit
        self.ticks = 0

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise ParseError(f"took longer than {self.limit:g} s to parse")

    def tick(self) -> None:
        """Count one step; look at the clock every 512 steps."""
        self.ticks += 1
        if not self.ticks & 511:
            self.check()


def _page_text(html: str | bytes, encoding: str | None) -> str:
    size = len(html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html)
    if size > MAX_PAGE_BYTES:
        raise ParseError(f"page too large: {size:,} bytes (cap {MAX_PAGE_BYTES:,})")
    text = decode_html(html, encoding) if isinstance(html, bytes) else _valid_text(html)
    if not text.strip():
        raise ParseError("empty page")
    if "\x00" in text[:4096]:
        raise ParseError("not HTML: binary content")
    if not re.search(r"<\s*(html|head|body|title|h1|p|div|article|main)\b", text, re.I):
        raise ParseError("not HTML: no HTML elements found")
    return text


def _valid_text(text: str) -> str:
    """The text with lone surrogates (which no encoder accepts) as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


class _CleanBuilder(LXMLTreeBuilder):
    """lxml's tree builder for BeautifulSoup, leaving out the page's chrome as it builds.

    Scripts, navigation and the other junk never enter the tree, comments neither, a site
    banner (a ``header`` with no ``h1``, outside the article) is dropped once it ends, and
    each block element gets a line break before it and at its end so that words never run
    together. Doing this while building, rather than editing the tree afterwards, keeps
    parsing linear: BeautifulSoup's insert and extract cost time in the number of siblings.

    Elements nested deeper than MAX_DEPTH are left out of the tree (their text is kept, as
    one run of text): BeautifulSoup links each new node by walking up to the root, so a
    deep tree would cost its depth for every node in it. Browsers flatten deep trees too.
    """

    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self.clock = clock
        self.skipping = 0  # depth inside a junk element
        self.in_article = 0  # article/main elements open
        self.banner: list[tuple] | None = None  # events of a header held back
        self.banner_depth = 0
        self.banner_h1 = False
        self.depth = 0  # elements open in the tree
        self.flattened = 0  # elements open below MAX_DEPTH, not in the tree
        self.elements = 0  # elements seen
        self.max_depth = 0

    def start(self, tag, attrib, nsmap={}):  # noqa: B006 (lxml's own signature)
        self.clock.tick()
        self.elements += 1
        if self.skipping:
            self.skipping += 1
            return
        if tag in _JUNK_TAG_SET or (attrib and _is_junk_attrs(attrib)):
            self.skipping = 1
            return
        if self.banner is not None:
            self.banner_depth += 1
            self.banner_h1 = self.banner_h1 or tag == "h1"
            self.banner.append((True, tag, dict(attrib), nsmap))
            return
        if tag == "header" and not self.in_article:
            self.banner, self.banner_depth, self.banner_h1 = [], 1, False
            self.banner.append((True, tag, dict(attrib), nsmap))
            return
        self._start(tag, attrib, nsmap)

    def end(self, tag):
        if self.skipping:
            self.skipping -= 1
            return
        if self.banner is not None:
            self.banner.append((False, tag, None, None))
            self.banner_depth -= 1
            if not self.banner_depth:
                held, self.banner = self.banner, None
                if self.banner_h1:
                    self._replay(held)
            return
        self._end(tag)

    def data(self, data):
        self.clock.tick()
        if self.skipping:
            return
        if self.banner is not None:
            self.banner.append((None, data, None, None))
            return
        super().data(data)

    def comment(self, text):
        """Comments are left out."""

    def pi(self, target, data):
        """Processing instructions are left out."""

    def _start(self, tag, attrib, nsmap) -> None:
        if tag in _BLOCK_TAGS:
            super().data("\n")
        if self.depth >= MAX_DEPTH:
            self.flattened += 1
            return
        if tag in ("article", "main"):
            self.in_article += 1
        self.depth += 1
        self.max_depth = max(self.max_depth, self.depth)
        super().start(tag, attrib, nsmap)

    def _end(self, tag) -> None:
        if tag in _BLOCK_TAGS:
            super().data("\n")
        if self.flattened:
            self.flattened -= 1
            return
        self.depth -= 1
        super().end(tag)
        if tag in ("article", "main"):
            self.in_article -= 1

    def _replay(self, events: list[tuple]) -> None:
        for opening, tag, attrib, nsmap in events:
            if opening is None:
                super().data(tag)
            elif opening:
                self._start(tag, attrib, nsmap)
            else:
                self._end(tag)


@dataclass
class _Bucket:
    """The text and elements between one heading and the next."""

    kind: str  # intro, section, figures, impact, related, dropped
    heading: str = ""
    anchor: str = ""
    level: int = 2
    strings: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)

    def text(self) -> str:
        return _tidy("".join(self.strings))


class _Page:
    def __init__(self, soup: BeautifulSoup, url: str, clock: _Clock) -> None:
        self.soup = soup
        self.url = url
        self.clock = clock
        self.marks = _landmarks(soup, clock)
        title = self.marks.get("title")
        self._head_title = self._text_of(title) if title is not None else ""
        self._meta = _meta_tags(self.marks["meta"])
        self._canonical = _canonical(self.marks.get("link[rel=canonical]"), url)
        # A saved copy of a web page: its links mean what they meant on the site.
        self.base = self._canonical if url.startswith("file:") else url
        self.root = self._content_root()
        self.h1 = self.root.find("h1") or self.marks.get("h1")

    # -- cleaning and structure -------------------------------------------------------

    def _content_root(self) -> Tag:
        body = self.soup.body or self.soup
        for key in ("article.event", "[role=main]", "main", "#mw-content-text", "#content",
                    "article"):
            found = self.marks.get(key)
            if (
                found is not None
                and (body is self.soup or body in found.parents)
                and _words(found.get_text(" ")) >= 20
            ):
                return found
        return body

    # -- the record ---------------------------------------------------------------------

    @property
    def own_format(self) -> bool:
        """Whether the page is in our own format (``article.event``, corpus/README.md)."""
        return self.marks.get("article.event") is not None

    def event(self, article: Article | None = None) -> Event:
        """The page as an Event; ``article`` is what the libraries read in another site's
        page (its main text, date and metadata)."""
        title = self.title(article)
        if not title:
            if listing := self._listing_links():
                raise NotAnEvent(f"listing page ({len(listing)} links), not an event", listing)
            raise ParseError("no title: no h1, og:title or <title>")
        marked = self._marked_listing()
        buckets = self._buckets()
        sections = tuple(
            Section(b.heading, b.anchor, b.text())
            for b in buckets
            if b.kind == "section" and b.text()
        )
        if marked or (not sections and (listing := self._listing_links())):
            links = marked if marked else listing
            raise NotAnEvent(f"listing page ({len(links)} links), not an event", links)
        impact = " ".join(b.text() for b in buckets if b.kind == "impact").strip()
        if article is not None and article.blocks:
            summary, sections, impact = self._narrative(article.blocks, title)
        else:
            intro = next((b for b in buckets if b.kind == "intro"), None)
            summary = self.summary(intro)
            if intro is not None:
                rest = _tidy(intro.text().replace(summary, "", 1)) if summary else intro.text()
                if _words(rest) >= 8:
                    sections = (Section("Introduction", "", rest), *sections)
        if not sections and not summary:
            raise ParseError("no text: the page has a title but no narrative")
        self.clock.check()
        slug = self._slug(title)
        return Event(
            slug=slug,
            url=self._canonical,
            title=title,
            year=self.year(article),
            category=self.category(article, title),
            summary=summary,
            sections=sections,
            figures=self.figures(buckets),
            impact=impact,
            related=self.related(buckets, slug),
            lang=article.lang if article is not None else self.lang(),
        )

    def _narrative(
        self, blocks: tuple[Block, ...], title: str
    ) -> tuple[str, tuple[Section, ...], str]:
        """Summary, sections and impact from the main text's headings and paragraphs."""
        folded = title.casefold()
        # What comes before the page's own title is the site's, not the article's.
        start = next((i + 1 for i, b in enumerate(blocks)
                      if b.level and b.text.casefold() == folded), 0)
        blocks = tuple(b for b in blocks[start:] if not (b.level and b.text.casefold() == folded))
        kinds = [_heading_kind(b.text) if b.level else "" for b in blocks]
        level = min(
            (max(b.level, 2) for b, kind in zip(blocks, kinds, strict=True)
             if b.level and kind == "section"),
            default=2,
        )
        anchors = self._anchors()
        parts: list[tuple[str, str, str, list[str]]] = [("intro", "", "", [])]
        for block, kind in zip(blocks, kinds, strict=True):
            if block.level and (kind != "section" or max(block.level, 2) <= level):
                anchor = anchors.get(block.text.casefold()) or slugify(block.text)
                parts.append((kind, block.text, anchor, []))
            else:
                parts[-1][3].append(block.text)
        intro = parts[0][3]
        summary = next((p for p in intro if _words(p) >= 8), "")
        if not summary:
            described = self._meta.get("description") or self._meta.get("og:description", "")
            summary = _plain(described) or (intro[0] if intro else "")
        sections = [
            Section(heading, anchor, _tidy("\n".join(texts)))
            for kind, heading, anchor, texts in parts[1:]
            if kind == "section" and texts
        ]
        rest = _tidy("\n".join(p for p in intro if p != summary))
        if _words(rest) >= 8:
            sections.insert(0, Section("Introduction", "", rest))
        impact = _tidy(" ".join(" ".join(t) for kind, _, _, t in parts if kind == "impact"))
        return summary, tuple(sections), impact

    def _anchors(self) -> dict[str, str]:
        """Each heading's text (case-folded) and the anchor that links to it."""
        anchors: dict[str, str] = {}
        for heading in self.soup.find_all(_HEADINGS):
            text = self._text_of(heading)
            if text:
                anchors.setdefault(text.casefold(), self._anchor(heading, text))
        return anchors

    def lang(self) -> str | None:
        """The language the page declares on its ``html`` element."""
        html = self.marks.get("html")
        return normalize_lang(html.get("lang")) if html is not None else None

    def _slug(self, title: str) -> str:
        article = self.marks.get("article[data-slug]")
        if article is not None and slugify(article["data-slug"]):
            return slugify(article["data-slug"])
        return slug_from_url(self._canonical) or slugify(title)

    def title(self, article: Article | None = None) -> str:
        if article is not None:
            return self._declared_title(article)
        if self.h1 is not None and (text := self._text_of(self.h1)):
            return text
        og = self._meta.get("og:title", "")
        if og:
            return _strip_site_name(_plain(og))
        return _strip_site_name(_plain(self._head_title))

    def _declared_title(self, article: Article) -> str:
        """Another site's headline: the ``h1`` that agrees with the title the page declares
        (og:title, JSON-LD headline or ``<title>``), else that declared title.

        An ``h1`` that shares no words with it is the site's name or a section's (a logo,
        "Health Center"), not the article's.
        """
        declared = [t for t in (_plain(self._meta.get("og:title", "")), article.headline,
                                _plain(self._head_title)) if t]
        h1s = [h for h in self.soup.find_all("h1", limit=5) if self._text_of(h)]
        if not declared:
            return self._text_of(h1s[0]) if h1s else ""
        key = _content_words(_strip_site_segment(declared[0]))
        for h1 in h1s:
            words = _content_words(self._text_of(h1))
            if words and len(words & key) >= 0.5 * min(len(words), len(key)):
                self.h1 = h1
                return self._text_of(h1)
        headline = _strip_site_segment(declared[0])
        if len(headline.split()) == 1 and h1s:
            # One word is a site's name, not a headline: the page's own h1 says more.
            return self._text_of(h1s[0])
        return headline

    def year(self, article: Article | None = None) -> int | None:
        tag = self.marks.get("time.event-year") or self._near_title("time")
        if tag is not None and (found := _time_year(tag)):
            return found
        if article is not None and (found := self._year_label()[0]):
            return found
        for name in _DATE_META:
            if found := _year_in(self._meta.get(name, "")):
                return found
        if article is not None and article.date_year:
            return article.date_year
        # Any year in the text beside the title: in our format's pages (not another site's,
        # where that text is as often a copyright line or a kicker).
        for element in self._title_neighbours() if article is None else ():
            if found := _year_in(element.get_text(" ")):
                return found
        if self.h1 is not None and (found := _year_in(self._text_of(self.h1))):
            return found
        # A date in the opening text, before the first section (never a related card's).
        first = self.root.find("time")
        if first is not None and first.find_previous(_HEADINGS) is None:
            return _time_year(first)
        return None

    def category(self, article: Article | None = None, title: str = "") -> str | None:
        """The page's category: our own label, a label beside the date or title, the
        article's section in its metadata, or the last step of its breadcrumb trail."""
        found = self._category_label()
        if article is None:
            return found or _plain(self._meta.get("article:section", "")) or None
        if found:
            return found
        label = self._year_label()[1]
        section = article.section or _plain(self._meta.get("article:section", ""))
        crumbs = [c for c in article.breadcrumb if c.casefold() not in (
            title.casefold(), "home", "start", "startseite", "accueil", "inicio")]
        for candidate in (label, section, crumbs[-1] if crumbs else None):
            if candidate and len(candidate) <= 40 and not re.search(r"\d", candidate):
                return candidate
        return None

    def _category_label(self) -> str | None:
        meta = self.marks.get(".event-meta")
        tag = meta.find(class_="event-category") if meta is not None else None
        if tag is None:
            tag = self._near_title(
                lambda t: isinstance(t, Tag)
                and any(_CATEGORY_CLASS.search(c) for c in t.get_attribute_list("class"))
            )
        if tag is not None:
            text = _tidy(tag.get_text(" "))
            if text and len(text) <= 40 and not re.search(r"\d", text):
                return text
        return None

    def _year_label(self) -> tuple[int | None, str | None]:
        """A year shown beside the title, and the label beside it (``2025`` + ``Milestone``,
        read as ``2025Milestone`` once flattened), if there is one."""
        for element in self._title_neighbours():
            for tag in (element, *element.find_all(True)):
                match = _YEAR_LABEL.match(self._text_of(tag))
                if match is None:
                    continue
                label = match.group(2)
                if not label:
                    for sibling in (tag.find_next_sibling(), tag.find_previous_sibling()):
                        text = self._text_of(sibling) if sibling is not None else ""
                        if _LABEL.match(text):
                            label = text
                            break
                return int(match.group(1)), label
        return None, None

    def summary(self, intro: _Bucket | None) -> str:
        tag = self.marks.get(".event-summary")
        if tag is not None:
            return self._text_of(tag)
        paragraphs = [self._text_of(t) for t in intro.tags if t.name == "p"] if intro else []
        paragraphs = [p for p in paragraphs if p]
        for text in paragraphs:
            if _words(text) >= 8:
                return text
        described = self._meta.get("description") or self._meta.get("og:description", "")
        return _plain(described) or (paragraphs[0] if paragraphs else "")

    def figures(self, buckets: list[_Bucket]) -> tuple[str, ...]:
        names: list[str] = [self._text_of(t) for t in self.marks[".figure"]]
        if not names:
            for bucket in buckets:
                if bucket.kind == "figures":
                    names.extend(_names_in(bucket, self._text_of))
        seen: dict[str, None] = {}
        for name in names:
            if name and len(name) <= 80:
                seen.setdefault(name, None)
        return tuple(seen)

    def related(self, buckets: list[_Bucket], own_slug: str) -> tuple[RelatedLink, ...]:
        links: dict[str, RelatedLink] = {}
        for bucket in buckets:
            if bucket.kind != "related":
                continue
            for a in [t for t in bucket.tags if t.name == "a" and t.get("href")]:
                url = urljoin(self.base, _attr(a, "href")).split("#", 1)[0]
                if not url.startswith(("http:", "https:", "file:")) or url in links:
                    continue
                slug = slug_from_url(url)
                if not slug or slug == own_slug:
                    continue
                card = _card_of(a)
                title = _related_title(a, card, self._text_of)
                if not title:
                    continue
                year_tag = card.find("time")
                year = _year_in(_attr(year_tag, "datetime")) if year_tag else None
                year = year or _year_in(_tidy(card.get_text(" ")).replace(title, ""))
                links[url] = RelatedLink(title=title, url=url, slug=slug, year=year)
        return tuple(links.values())

    # -- headings to buckets ------------------------------------------------------------

    def _buckets(self) -> list[_Bucket]:
        """Split the content root's text at its headings, in document order."""
        headings = [h for h in self.root.find_all(_HEADINGS)]
        ordinary = [h for h in headings if _heading_kind(self._text_of(h)) == "section"]
        level = min((int(h.name[1]) for h in ordinary), default=2)
        current = _Bucket("intro")
        buckets = [current]
        skip: set[int] = set()
        for tag in (self.h1, self.marks.get(".event-summary"), self.marks.get(".event-meta")):
            if tag is not None:
                skip.update(id(s) for s in tag.find_all(string=True))
        started = self.h1 is None or self.h1.find_parent() is None or not self._in_root(self.h1)
        for node in self.root.descendants:
            self.clock.tick()
            if isinstance(node, Tag):
                if node is self.h1:
                    started = True
                    continue
                if node.name in _HEADINGS and (text := self._text_of(node)):
                    kind = _heading_kind(text)
                    heading_level = int(node.name[1])
                    if kind != "section" or heading_level <= level:
                        current = _Bucket(kind, text, self._anchor(node, text), heading_level)
                        buckets.append(current)
                        skip.update(id(s) for s in node.find_all(string=True))
                        started = True
                        continue
                current.tags.append(node)
            elif isinstance(node, NavigableString) and started and id(node) not in skip:
                current.strings.append(str(node))
        return buckets

    def _anchor(self, heading: Tag, text: str) -> str:
        if heading.get("id"):
            return _attr(heading, "id")
        inner = heading.find(id=True)
        if inner is not None:
            return _attr(inner, "id")
        parent = heading.parent
        if parent is not None and parent.get("id") and parent.name in ("section", "div"):
            return _attr(parent, "id")
        return slugify(text)

    def _in_root(self, tag: Tag) -> bool:
        return any(parent is self.root for parent in tag.parents)

    # -- listings -----------------------------------------------------------------------

    def _marked_listing(self) -> tuple[str, ...]:
        marker = self.marks.get("[data-page=listing]")
        return self._links(self.soup) if marker is not None else ()

    def _listing_links(self) -> tuple[str, ...]:
        """Links, if the page is mostly links (a timeline, an index), else nothing."""
        links = self._links(self.root)
        if len(links) < 5:
            return ()
        link_words = sum(_words(a.get_text(" ")) for a in self.root.find_all("a"))
        return links if link_words >= 0.5 * _words(self.root.get_text(" ")) else ()

    def _links(self, root: Tag) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in root.find_all("a", href=True):
            url = urljoin(self.url, _attr(a, "href")).split("#", 1)[0]
            if url.startswith(("http:", "https:", "file:")) and url != self.url:
                seen.setdefault(url, None)
        return tuple(seen)

    # -- helpers ------------------------------------------------------------------------

    def _near_title(self, match) -> Tag | None:
        for element in self._title_neighbours():
            if _matches(element, match):
                return element
            found = element.find(match)
            if found is not None:
                return found
        return None

    def _title_neighbours(self) -> list[Tag]:
        """The elements beside the title: its siblings, then its parent's siblings."""
        if self.h1 is None:
            return []
        near: list[Tag] = []
        for anchor in (self.h1, self.h1.parent):
            if anchor is None:
                continue
            near.extend(t for t in anchor.find_previous_siblings(limit=3) if isinstance(t, Tag))
            near.extend(t for t in anchor.find_next_siblings(limit=2) if isinstance(t, Tag))
        return [
            t for t in near
            if t.name not in _HEADINGS and t.name != "h1" and len(self._text_of(t)) <= 80
        ]

    @staticmethod
    def _text_of(tag: Tag) -> str:
        return _tidy(tag.get_text())


def _is_chrome(element) -> bool:
    """Whether an lxml element is page chrome (the same rule as the tree builder's)."""
    return element.tag in _JUNK_TAG_SET or bool(element.attrib and _is_junk_attrs(element.attrib))


def _is_junk_attrs(attrs) -> bool:
    """Whether an element with these attributes (as lxml gives them) is page chrome."""
    classes = attrs.get("class")
    return bool(
        (classes and not _JUNK_CLASSES.isdisjoint(classes.split()))
        or attrs.get("id") in _JUNK_IDS
        or attrs.get("role") in _JUNK_ROLES
        or attrs.get("aria-hidden") == "true"
        or "hidden" in attrs
    )


def _matches(tag: Tag, match) -> bool:
    return match(tag) if callable(match) else tag.name == match


def _landmarks(soup: BeautifulSoup, clock: _Clock) -> dict:
    """The first element of each kind the parser looks for, found in one pass over the tree
    (a ``find`` per kind would walk the whole tree once for each kind that is absent)."""
    marks: dict = {"meta": [], ".figure": []}
    for tag in soup.find_all(True):
        clock.tick()
        name = tag.name
        attrs = tag.attrs
        if name in _NAMED_LANDMARKS and name not in marks:
            marks[name] = tag
        if name == "meta":
            marks["meta"].append(tag)
        if not attrs:
            continue
        classes = attrs.get("class") or ()
        keys = []
        if name == "article":
            if "event" in classes:
                keys.append("article.event")
            if attrs.get("data-slug") is not None:
                keys.append("article[data-slug]")
        elif name == "time" and "event-year" in classes:
            keys.append("time.event-year")
        elif name == "link" and "canonical" in (attrs.get("rel") or ()) and attrs.get("href"):
            keys.append("link[rel=canonical]")
        if "event-meta" in classes:
            keys.append(".event-meta")
        if "event-summary" in classes:
            keys.append(".event-summary")
        if "figure" in classes:
            marks[".figure"].append(tag)
        if attrs.get("role") == "main":
            keys.append("[role=main]")
        if attrs.get("data-page") == "listing":
            keys.append("[data-page=listing]")
        if attrs.get("id") in ("content", "mw-content-text"):
            keys.append("#" + _attr(tag, "id"))
        for key in keys:
            marks.setdefault(key, tag)
    return marks


def _meta_tags(tags: list[Tag]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for tag in tags:
        key = (_attr(tag, "property") or _attr(tag, "name") or _attr(tag, "itemprop")).lower()
        if key and tag.get("content") and key not in meta:
            meta[key] = _attr(tag, "content")
    return meta


def _canonical(link: Tag | None, url: str) -> str:
    if link is not None:
        canonical = urljoin(url, _attr(link, "href"))
        if urlsplit(canonical).scheme in ("http", "https", "file"):
            return canonical.split("#", 1)[0]
    return url.split("#", 1)[0]


def _heading_kind(text: str) -> str:
    key = re.sub(r"[^a-z ]+", "", text.lower().replace("-", " ")).strip()
    key = " ".join(key.split())
    if _FIGURES.match(key):
        return "figures"
    if _IMPACT.match(key):
        return "impact"
    if _RELATED.match(key):
        return "related"
    if _DROPPED.match(key):
        return "dropped"
    return "section"


def _names_in(bucket: _Bucket, text_of) -> list[str]:
    """Person names under a Key Figures heading: a list, a run of inline elements, or text."""
    items = [t for t in bucket.tags if t.name in ("li", "dt")]
    if items:
        return [_strip_role(text_of(t)) for t in items]
    containers = [t for t in bucket.tags if t.name in _BLOCK_TAGS and t.name != "br"]
    for container in containers:
        children = [c for c in container.children if isinstance(c, Tag) and text_of(c)]
        loose = "".join(str(c) for c in container.children if isinstance(c, NavigableString))
        if len(children) >= 2 and not re.sub(r"[\s,;·•|/]+|\band\b", "", loose):
            return [_strip_role(text_of(c)) for c in children]
    text = bucket.text()
    parts = re.split(r"\s*(?:[,;·•|]|\band\b|\n)\s*", text)
    return [_strip_role(p) for p in parts if p.strip()]


def _strip_role(name: str) -> str:
    """``Yann LeCun — AI scientist`` -> ``Yann LeCun``; ``Turing (1912–1954)`` -> ``Turing``."""
    name = re.split(r"\s+[\u2013\u2014:-]\s+|\s*\(", name, maxsplit=1)[0]
    return name.strip(" ,;.")


def _card_of(a: Tag) -> Tag:
    """The card a related link sits in: its list item or box, else the link itself."""
    for parent in a.parents:
        if parent.name in ("li", "article", "dd", "tr") or (
            parent.name == "div" and len(parent.find_all("a", href=True)) == 1
        ):
            return parent
        if parent.name in ("ul", "ol", "section", "main", "body"):
            break
    return a


def _related_title(a: Tag, card: Tag, text_of) -> str:
    for scope in (a, card):
        found = scope.select_one(".related-title, [class*=title], h3, h4, h5, strong")
        if found is not None and (text := text_of(found)):
            return text
    text = text_of(a)
    # A link that reads "2023 Model Mistral 7B" or "Mistral 7B (2023)": drop year and kind.
    text = re.sub(r"\(\s*\d{4}\s*\)|^\s*\d{4}\b\s*", "", text).strip(" -–—·|,")
    return text


def _strip_site_segment(title: str) -> str:
    """``Headline - Site`` or ``Site | Headline`` -> ``Headline``: a short segment (up to
    three words) at the end, else at the start, is the site's name. Colons are left alone:
    they are part of many headlines."""
    parts = [p.strip() for p in _SITE_SEPARATORS.split(title)]
    if len(parts) > 1:
        for site, rest in ((parts[-1], parts[:-1]), (parts[0], parts[1:])):
            headline = " - ".join(p for p in rest if p)
            if len(site.split()) <= 3 and headline:
                return headline
    return title.strip()


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) >= 4 or w.isdigit()}


def _strip_site_name(title: str) -> str:
    parts = _TITLE_SEPARATORS.split(title)
    return parts[0].strip() if len(parts) > 1 and parts[0].strip() else title.strip()


def _plain(text: str) -> str:
    """Text that may hold markup (a <title> with a <script> in it) as plain words."""
    if "<" in text:
        fragment = BeautifulSoup(text, "html.parser")
        for tag in fragment.find_all(_JUNK_TAGS):
            tag.decompose()
        text = fragment.get_text(" ")
    return _tidy(text)


def _tidy(text: str) -> str:
    text = normalize_space(text.replace("\u00ad", ""))
    return re.sub(r"\s+([,.;:!?)\]])", r"\1", text)


def _words(text: str) -> int:
    return len(text.split())


def _time_year(tag: Tag) -> int | None:
    return _year_in(_attr(tag, "datetime")) or _year_in(tag.get_text())


def _attr(tag: Tag, name: str) -> str:
    """A single-valued attribute of ``tag``, "" if it has none. bs4 types every attribute
    as possibly multi-valued; only ``class``, ``rel`` and a few others are, none read here."""
    value = tag.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def _year_in(text: str) -> int | None:
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None
