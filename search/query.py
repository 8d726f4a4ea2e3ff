"""The query language, parsed into a small tree. Pure Python: compiling to Whoosh is elsewhere.

Plain words (all preferred), ``"phrases"``, ``-excluded``, ``OR``, ``( grouping )``,
``prefix*``, fields (``title:``, ``figure:"Yann LeCun"``, ``category:model``,
``year:2023``, ``year:2020..2024``, ``year:>=2020``, ``year:1980s``) and years or decades
among plain words. No input is an error: what cannot be understood is dropped, and
:attr:`ParsedQuery.notes` says what was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from eventsearch.search.params import MAX_QUERY_CHARS, parse_years

MAX_CLAUSES = 80

FIELD_ALIASES = {
    "title": "title", "figure": "figure", "figures": "figure", "person": "figure",
    "people": "figure", "who": "figure", "category": "category", "cat": "category",
    "kind": "category", "year": "year", "date": "year", "when": "year",
    "summary": "summary", "body": "body", "text": "body", "impact": "impact",
}


@dataclass(frozen=True)
class Word:
    """A plain word (possibly several index terms, like ``GPT-4``), in one field or all."""

    text: str
    field: str | None = None
    implicit_year: tuple[int, int] | None = None  # set for a bare year or decade
    exact: bool = False  # typed as =word: no synonyms, no spelling variants


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None
    exact: bool = False  # typed as ="a phrase": no synonyms
    #: The index terms, when the phrase was made from terms (a synonym's wording).
    terms: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class YearRange:
    start: int | None
    end: int | None


@dataclass(frozen=True)
class Category:
    name: str


@dataclass(frozen=True)
class Figure:
    name: str


@dataclass(frozen=True)
class Figures:
    """Events with any of these figures, as written in the index (one person's spellings)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Synonym:
    """What was typed, or any of its synonyms (search/synonyms.py), which score less."""

    #: A word, a phrase, or a run of plain words typed without quotes (an And of Words).
    original: Word | Phrase | And
    alternatives: tuple[Word | Phrase, ...]


Node = Word | Phrase | Prefix | YearRange | Category | Figure | Not | And | Or | Synonym
FILTERS = (YearRange, Category, Figure)


@dataclass
class ParsedQuery:
    """A parsed query: the text part and the filters that were typed at the top level."""

    text: Node | None
    filters: list[YearRange | Category | Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[Word]:
        """The plain words anywhere in the text part (for spelling)."""
        return [n for n in _walk(self.text) if isinstance(n, Word)]


def _walk(node: Node | None) -> Iterator[Node]:
    if node is None:
        return
    yield node
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from _walk(child)
    elif isinstance(node, Not):
        yield from _walk(node.child)
    elif isinstance(node, Synonym):
        yield from _walk(node.original)


# -- tokens ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<field>[A-Za-z]+):(?=\S)
  | (?P<phrase>"[^"]*"?)
  | (?P<minus>-(?=[^\s-]))
  | (?P<exact>=(?=[^\s=]))
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


def clean_text(text: str) -> str:
    """Drop control and format characters, normalise Unicode, cap the length."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS]
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in text
    ).replace("\u201c", '"').replace("\u201d", '"')


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind != "space":
            out.append((kind, match.group()))
    return out


# -- parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.clauses = 0
        self.notes: list[str] = []

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def peek_kind(self) -> str | None:
        """The kind of the next token, or None at the end."""
        token = self.peek()
        return token[0] if token is not None else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def is_or(self, token: tuple[str, str] | None) -> bool:
        return token is not None and token[0] == "word" and token[1] in ("OR", "|", "||")

    def parse(self) -> Node | None:
        nodes = []
        while self.peek() is not None:
            node = self.parse_or()
            if node is not None:
                nodes.append(node)
            elif self.peek_kind() == "close":
                self.take()  # a stray closing bracket
        return _and(nodes)

    def parse_or(self) -> Node | None:
        branches = [self.parse_and()]
        while self.is_or(self.peek()):
            self.take()
            branches.append(self.parse_and())
        found = [b for b in branches if b is not None]
        if len(found) > 1:
            return Or(tuple(found))
        return found[0] if found else None

    def parse_and(self) -> Node | None:
        nodes = []
        while (token := self.peek()) is not None and token[0] != "close" and not self.is_or(token):
            node = self.parse_unary()
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def parse_unary(self) -> Node | None:
        token = self.peek()
        if token is None:
            return None
        kind, value = token
        negate = exact = False
        if kind == "minus" or (kind == "word" and value == "NOT"):
            self.take()
            negate = True
            if self.at_end():
                return None
        if self.peek_kind() == "exact":
            self.take()
            exact = True
            if self.at_end():
                return None
        node = self.parse_atom()
        if node is None:
            return None
        if exact:
            node = _exactly(node)
        return Not(node) if negate else node

    def at_end(self) -> bool:
        """Nothing follows that an operator could apply to."""
        return self.peek_kind() in (None, "close") or self.is_or(self.peek())

    def parse_atom(self) -> Node | None:
        kind, value = self.take()
        if kind == "open":
            inner = self.parse_or()
            if self.peek_kind() == "close":
                self.take()
            return inner
        if kind == "close":
            return None
        if kind == "word" and value in ("AND", "&&", "+"):
            return None
        if not self.count():
            return None
        if kind == "phrase":
            return _phrase(value, None)
        if kind == "field":
            return self.field_clause(value[:-1].lower())
        if kind == "minus":  # a lone hyphen
            return None
        return _word(value, None)

    def count(self) -> bool:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            if self.clauses == MAX_CLAUSES + 1:
                self.notes.append(f"only the first {MAX_CLAUSES} terms were used")
            return False
        return True

    def field_clause(self, name: str) -> Node | None:
        target = FIELD_ALIASES.get(name)
        kind, value = self.take()
        if kind == "exact" and self.peek() is not None:  # year:=2023, title:=GAN
            exact_kind, exact_value = self.take()
            if target == "year":
                kind, value = "word", f"={exact_value}"
            else:
                node = self.field_clause_value(name, target, exact_kind, exact_value)
                return _exactly(node) if node is not None else None
        return self.field_clause_value(name, target, kind, value)

    def field_clause_value(self, name: str, target: str | None, kind: str,
                           value: str) -> Node | None:
        if kind == "open":
            # field:(a b) applies the field to each word of the group
            words = []
            while self.peek_kind() not in (None, "close"):
                words.append(self.take()[1])
            if self.peek() is not None:
                self.take()
            value = " ".join(w for w in words if w not in ("OR", "AND"))
            kind = "phrase" if target in ("figure", "category") else "words"
        if target is None:
            return _word(f"{name} {value.strip(chr(34))}", None)
        if kind == "phrase":
            value = value.strip('"')
        if target == "year":
            found = parse_years(value)
            if found is None:
                self.notes.append(f"ignored {name}:{value} (not a year or range of years)")
                return None
            return YearRange(*found)
        if target == "category":
            return Category(value.strip()) if value.strip() else None
        if target == "figure":
            return Figure(" ".join(value.split())) if value.strip() else None
        if kind == "phrase":
            return _phrase(f'"{value}"', target)
        if kind == "words":
            return _and([_word(w, target) for w in value.split()])
        return _word(value, target)


def _exactly(node: Node) -> Node:
    """``node`` marked as typed with ``=``: its words searched only as written."""
    if isinstance(node, (Word, Phrase)):
        return replace(node, exact=True)
    if isinstance(node, (And, Or)):
        return type(node)(tuple(_exactly(child) for child in node.children))
    return node


def _and(nodes: Sequence[Node | None]) -> Node | None:
    present = [n for n in nodes if n is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else And(tuple(present))


def _phrase(value: str, field: str | None) -> Node | None:
    text = value.strip('"').strip()
    if not text:
        return None
    if len(text.split()) == 1:
        return _word(text, field)
    return Phrase(text, field)


def _word(value: str, field: str | None) -> Node | None:
    value = value.strip()
    if not value:
        return None
    if value.endswith("*") and len(value.rstrip("*")) >= 2 and "*" not in value.rstrip("*"):
        return Prefix(value.rstrip("*"), field)
    value = value.replace("*", " ").strip()
    if not value:
        return None
    years = parse_years(value, bare=True) if field is None else None
    return Word(value, field, implicit_year=years)


def parse_query(text: str) -> ParsedQuery:
    """Parse what a user typed. Never raises: the worst input gives an empty query."""
    parser = _Parser(_tokens(clean_text(text)))
    try:
        tree = parser.parse()
    except RecursionError:
        parser.notes.append("the query was nested too deeply and was ignored")
        tree = None
    parsed = ParsedQuery(text=None, notes=parser.notes)
    # Filters typed at the top level of an all-words query become filters proper.
    top = list(tree.children) if isinstance(tree, And) else [tree] if tree else []
    rest = []
    for node in top:
        if isinstance(node, FILTERS):
            parsed.filters.append(node)
        else:
            rest.append(node)
    parsed.text = _and(rest)
    return parsed
