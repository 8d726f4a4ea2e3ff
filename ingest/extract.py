"""Read an article page from another site through libraries made for each part of it.

The main text comes from trafilatura, the publication date from htmldate, and the page's
embedded metadata (JSON-LD and microdata) from extruct; ``ingest.parse`` turns what they
find into an Event. Pure, like the parser: no file or network I/O.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import extruct
import htmldate
import lxml.html
import trafilatura
from lxml import etree

log = logging.getLogger(__name__)

#: Pages with more elements than this are not given to trafilatura (its time grows with the
#: tree and cannot be interrupted); the parser's own reading of headings takes them.
MAX_ELEMENTS = 50_000

_TEXT_BLOCKS = frozenset("p list item table row quote code".split())
_HEAD_LEVEL = re.compile(r"h([1-6])$")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Block:
    """One piece of the main text: a heading (level 1-6) or a paragraph (level 0)."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Article:
    """What the libraries found in a page: its main text and its metadata."""

    blocks: tuple[Block, ...]
    date_year: int | None
    headline: str
    section: str | None
    breadcrumb: tuple[str, ...]
    lang: str | None


def read_article(
    text: str,
    url: str,
    drop: Callable[[etree._Element], bool],
    check: Callable[[], None],
    *,
    main_text: bool = True,
) -> Article:
    """Read one page's main text (unless ``main_text`` is false) and metadata.

    :param drop: whether an element is page chrome, left out of the main text before
        trafilatura reads it.
    :param check: called between the steps; raises when the page is out of time.
    """
    tree = _tree(text)
    if tree is None:
        return Article((), None, "", None, (), None)
    items = _embedded(tree, url)
    check()
    year = _date_year(tree, url)
    check()
    crumbs = _breadcrumb(tree, items)
    lang = _lang(tree, items)
    blocks: tuple[Block, ...] = ()
    if main_text:
        _drop_chrome(tree, drop)
        blocks = _main_text(tree, url)
        check()
    return Article(
        blocks=blocks,
        date_year=year,
        headline=_first(items, "headline") or "",
        section=_first(items, "articleSection"),
        breadcrumb=crumbs,
        lang=lang,
    )


def _tree(text: str) -> lxml.html.HtmlElement | None:
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    # lxml parses control characters but refuses them when text is moved (drop_tree).
    text = _CONTROL.sub(" ", text)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _embedded(tree: lxml.html.HtmlElement, url: str) -> list[dict]:
    """JSON-LD and microdata items (each flattened to its own dict, nested ones too)."""
    found: list = []
    jsonld = extruct.JsonLdExtractor()
    # One script at a time: a page's broken block must not hide its good ones.
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            found.extend(jsonld.extract_items(script, base_url=url))
        except (ValueError, TypeError, RecursionError) as exc:
            log.debug("unreadable JSON-LD on %s: %s", url, exc)
    try:
        for item in extruct.MicrodataExtractor().extract_items(tree, url):
            found.append({"@type": item.get("type"), **item.get("properties", {})})
    except (ValueError, TypeError, RecursionError) as exc:
        log.debug("unreadable microdata on %s: %s", url, exc)
    return list(_items(found, depth=0))


def _items(values, depth: int) -> Iterator[dict]:
    if depth > 8:
        return
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, dict):
            yield value
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                if key in value:
                    yield from _items(value[key], depth + 1)


def _first(items: list[dict], key: str) -> str | None:
    for item in items:
        value = item.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _date_year(tree: lxml.html.HtmlElement, url: str) -> int | None:
    """The year of the page's own publication date, from its markup, metadata or URL."""
    web_url = url if url.startswith(("http:", "https:")) else None
    try:
        found = htmldate.find_date(tree, url=web_url, original_date=True,
                                   extensive_search=False)
    except (ValueError, TypeError, OverflowError) as exc:
        log.debug("no date read from %s: %s", url, exc)
        return None
    return int(found[:4]) if found else None


def _breadcrumb(tree: lxml.html.HtmlElement, items: list[dict]) -> tuple[str, ...]:
    """The names in the page's breadcrumb trail: schema.org BreadcrumbList, else markup."""
    for item in items:
        if item.get("@type") == "BreadcrumbList" and isinstance(
            item.get("itemListElement"), list
        ):
            names = []
            for crumb in item["itemListElement"]:
                if not isinstance(crumb, dict):
                    continue
                name = crumb.get("name")
                thing = crumb.get("item")
                if not name and isinstance(thing, dict):
                    name = thing.get("name")
                if isinstance(name, str) and name.strip():
                    names.append(" ".join(name.split()))
            if names:
                return tuple(names)
    for trail in tree.xpath(
        "//*[@aria-label='breadcrumb' or @aria-label='Breadcrumb' or @aria-label='breadcrumbs'"
        " or contains(concat(' ', normalize-space(@class), ' '), ' breadcrumb ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' breadcrumbs ')]"
    )[:1]:
        links = [" ".join(a.text_content().split()) for a in trail.iter("a", "li", "span")
                 if len(a) == 0]
        return tuple(name for name in links if name)
    return ()


def _lang(tree: lxml.html.HtmlElement, items: list[dict]) -> str | None:
    """The page's language as a BCP 47 tag: ``<html lang>``, else its metadata."""
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates.append(_first(items, "inLanguage"))
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").lower()
        if key in ("og:locale", "content-language", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for value in candidates:
        if tag := normalize_lang(value):
            return tag
    return None


def normalize_lang(value: str | None) -> str | None:
    """``en_US`` or ``EN-us`` -> ``en-US``; None for anything that is not a language tag."""
    if not value:
        return None
    value = value.strip().replace("_", "-").split(",")[0].strip()
    match = re.fullmatch(r"([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|\d{3}))?", value)
    if not match:
        return None
    lang, script, region = match.groups()
    parts = [lang.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


def _drop_chrome(tree: lxml.html.HtmlElement, drop: Callable[[etree._Element], bool]) -> None:
    junk = [el for el in tree.iter() if isinstance(el.tag, str) and drop(el)]
    # Innermost first, so that each element is moved out of the tree only once.
    for element in reversed(junk):
        element.drop_tree()


def _main_text(tree: lxml.html.HtmlElement, url: str) -> tuple[Block, ...]:
    if sum(1 for _ in tree.iter()) > MAX_ELEMENTS:
        return ()
    document = trafilatura.bare_extraction(
        tree, url=url if url.startswith(("http:", "https:")) else None,
        favor_recall=True, include_comments=False, include_tables=True,
        with_metadata=False,
    )
    body = getattr(document, "body", None)
    if body is None:
        return ()
    return tuple(_blocks(body))


def _blocks(body: etree._Element) -> Iterator[Block]:
    """Headings and paragraphs of trafilatura's output tree, in order."""
    pending: list[str] = []

    def flush() -> Iterator[Block]:
        text = " ".join("".join(pending).split())
        pending.clear()
        if text:
            yield Block(text)

    stack: list[tuple[etree._Element, bool]] = [(body, False)]
    while stack:
        element, closing = stack.pop()
        if closing:
            if element.tag in _TEXT_BLOCKS:
                yield from flush()
            pending.append(element.tail or "")
            continue
        level = _HEAD_LEVEL.match(element.get("rend") or "") if element.tag == "head" else None
        if element.tag == "head":
            yield from flush()
            text = " ".join(element.xpath("string()").split())
            if text:
                yield Block(text, int(level.group(1)) if level else 2)
            pending.append(element.tail or "")
            continue
        if element.tag in _TEXT_BLOCKS:
            yield from flush()
        if element.tag in ("item", "row", "cell", "lb"):
            pending.append(" ")
        pending.append(element.text or "")
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    yield from flush()
