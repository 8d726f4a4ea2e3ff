"""Synonyms: a plain-text file of groups, applied to queries (never to the index).

The format, one group per line (docs/query-language.md, "Synonyms")::

    # A comment: a line that starts with #, or the end of a line after " #".
    LLM, LLMs, large language model        # two-way: each form also finds the others
    GPT => generative pre-trained transformer   # one-way: GPT also finds the right side

Forms are compared as the index sees words (lower case, accents folded, stop words
dropped, stemmed), so ``large language models`` is the form ``large language model``.
A query word or phrase that is a form also matches the other forms of its group (a form
of several words as a phrase), inside phrases too; words typed as written score above
their synonyms (:data:`SYNONYM_BOOST`). ``=word`` or ``="a phrase"`` searches only what
is typed.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from eventsearch.search import query as q
from eventsearch.search.analysis import query_terms
from eventsearch.search.errors import SynonymsError
from eventsearch.search.results import Expansion
from eventsearch.search.storage import IndexedCopy

#: How much a synonym's match counts against the words as typed, chosen on the judged
#: queries of tests/relevance (docs/relevance.md).
SYNONYM_BOOST = 0.5
#: At most this many other forms are searched for one word or phrase of a query.
MAX_ALTERNATIVES = 8
#: A phrase with several forms in it is searched in at most this many other wordings.
MAX_PHRASE_VARIANTS = 16

Terms = tuple[str, ...]


@dataclass(frozen=True)
class Synonyms:
    """Groups of forms, looked up by their index terms."""

    #: For each form's terms: the other forms it also searches (as written in the file).
    expansions: dict[Terms, tuple[str, ...]] = field(default_factory=dict)
    #: Each form's terms, as written in the file (for showing).
    written: dict[Terms, str] = field(default_factory=dict)
    groups: int = 0
    source: str | None = None

    def __bool__(self) -> bool:
        return bool(self.expansions)

    def __len__(self) -> int:
        return self.groups

    @property
    def longest(self) -> int:
        """The most terms in one form."""
        return max(map(len, self.expansions), default=0)

    def of(self, terms: Terms) -> tuple[str, ...]:
        """The other forms that ``terms`` (a form) also searches; () if it is no form."""
        return self.expansions.get(terms, ())

    def knows(self, word: str) -> bool:
        """Whether ``word`` alone is a form (a known acronym is never spell-corrected)."""
        return tuple(query_terms(word)) in self.expansions


NO_SYNONYMS = Synonyms()


def parse_synonyms(text: str, source: str | None = None) -> Synonyms:
    """Read a synonyms file's text.

    :raises SynonymsError: a line is not a group; the message lists every such line.
    """
    found: dict[Terms, dict[Terms, str]] = {}
    written: dict[Terms, str] = {}
    problems: list[str] = []
    groups = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            problems.append(f"line {number}: more than one '=>'")
            continue
        left, arrow, right = line.partition("=>")
        sides = [_forms(left)] + ([_forms(right)] if arrow else [])
        bad = [form for side in sides for form in side if not query_terms(form)]
        if bad:
            problems.append(f"line {number}: {bad[0]!r} has no word that is searched "
                            "(only stop words or punctuation)")
            continue
        if arrow and (not sides[0] or not sides[1]):
            problems.append(f"line {number}: a one-way line needs forms on both sides of "
                            "'=>'")
            continue
        if not arrow and len(sides[0]) < 2:
            problems.append(f"line {number}: a group needs at least two forms, separated "
                            "by commas (or 'form => other form')")
            continue
        groups += 1
        keyed = [{tuple(query_terms(form)): form for form in side} for side in sides]
        for side in keyed:
            for terms, form in side.items():
                written.setdefault(terms, form)
        sources, targets = (keyed[0], keyed[1]) if arrow else (keyed[0], keyed[0])
        for terms in sources:
            found.setdefault(terms, {}).update(
                (other, form) for other, form in targets.items() if other != terms)
    if problems:
        where = f"{source}: " if source else ""
        raise SynonymsError(where + "; ".join(problems))
    expansions = {terms: tuple(others.values()) for terms, others in found.items() if others}
    return Synonyms(expansions, written, groups, source)


def load_synonyms(path: str | Path) -> Synonyms:
    """Read a synonyms file.

    :raises SynonymsError: the file cannot be read or a line is not a group.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SynonymsError(f"cannot read the synonyms file {path}: {exc}") from None
    return parse_synonyms(text, str(path))


class SynonymsFile(IndexedCopy[Synonyms]):
    """An index's copy of its synonyms file, and where it came from (the meta file)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "synonyms.txt", "synonyms", load_synonyms, SynonymsError,
                         NO_SYNONYMS, "its synonyms file")


def _forms(side: str) -> list[str]:
    return [" ".join(form.split()) for form in side.split(",") if form.strip()]


# -- applying them to a query ------------------------------------------------------------


def expand(node: q.Node | None, synonyms: Synonyms,
           found: list[Expansion]) -> q.Node | None:
    """``node`` with each word, run of words or phrase that is a form replaced by a
    :class:`~search.query.Synonym` of it and its other forms; what was added is appended
    to ``found``."""
    if node is None or not synonyms:
        return node
    return _expand(node, synonyms, found)


def _expand(node: q.Node, synonyms: Synonyms, found: list[Expansion]) -> q.Node:
    if isinstance(node, q.Word):
        return _word(node, synonyms, found) if not node.exact else node
    if isinstance(node, q.Phrase):
        return _phrase(node, synonyms, found) if not node.exact else node
    if isinstance(node, q.Not):
        return q.Not(_expand(node.child, synonyms, found))
    if isinstance(node, q.Or):
        return q.Or(tuple(_expand(child, synonyms, found) for child in node.children))
    if isinstance(node, q.And):
        return _and(node, synonyms, found)
    return node


def _alternatives(terms: Terms, synonyms: Synonyms,
                  field_: str | None) -> tuple[q.Word | q.Phrase, ...]:
    return tuple(q.Phrase(form, field_) if len(query_terms(form)) > 1 else q.Word(form, field_)
                 for form in synonyms.of(terms)[:MAX_ALTERNATIVES])


def _word(node: q.Word, synonyms: Synonyms, found: list[Expansion]) -> q.Node:
    terms = tuple(query_terms(node.text))
    others = _alternatives(terms, synonyms, node.field)
    if not others or node.implicit_year:
        return node
    found.append(Expansion(node.text, synonyms.of(terms)[:MAX_ALTERNATIVES]))
    return q.Synonym(node, others)


def _and(node: q.And, synonyms: Synonyms, found: list[Expansion]) -> q.Node:
    """Runs of plain words that make a form of several words (``large language model``
    typed without quotes) are a form too; every other child is expanded alone."""
    children = list(node.children)
    out: list[q.Node] = []
    at = 0
    while at < len(children):
        words = _run_at(children, at, synonyms)
        if words:
            terms = tuple(t for w in words for t in query_terms(w.text))
            typed = " ".join(w.text for w in words)
            found.append(Expansion(typed, synonyms.of(terms)[:MAX_ALTERNATIVES]))
            out.append(q.Synonym(q.And(tuple(words)),
                                 _alternatives(terms, synonyms, words[0].field)))
            at += len(words)
            continue
        out.append(_expand(children[at], synonyms, found))
        at += 1
    return out[0] if len(out) == 1 else q.And(tuple(out))


def _run_at(children: list[q.Node], at: int, synonyms: Synonyms) -> list[q.Word]:
    """The longest run of two or more plain words from ``at`` whose terms are a form, or
    an empty list."""
    for size in range(min(len(children) - at, synonyms.longest), 1, -1):
        words = [w for w in children[at:at + size]
                 if isinstance(w, q.Word) and not w.exact and not w.implicit_year]
        if len(words) < size or any(w.field != words[0].field for w in words):
            continue
        terms = tuple(t for w in words for t in query_terms(w.text))
        if synonyms.of(terms):
            return words
    return []


def _phrase(node: q.Phrase, synonyms: Synonyms, found: list[Expansion]) -> q.Node:
    """A phrase whose words hold forms is also searched with each form replaced by its
    others: ``"RLHF training"`` also as ``"reinforcement learning from human feedback
    training"``."""
    terms = tuple(query_terms(node.text))
    spans = []  # (start, end, other forms' terms)
    at = 0
    while at < len(terms):
        for size in range(min(len(terms) - at, synonyms.longest), 0, -1):
            others = synonyms.of(terms[at:at + size])
            if others:
                spans.append((at, at + size, others[:MAX_ALTERNATIVES]))
                found.append(Expansion(synonyms.written.get(terms[at:at + size],
                                                            " ".join(terms[at:at + size])),
                                       others[:MAX_ALTERNATIVES]))
                at += size
                break
        else:
            at += 1
    if not spans:
        return node
    variants = []
    choices = [[None, *others] for _, _, others in spans]
    for picked in itertools.islice(itertools.product(*choices), 1, MAX_PHRASE_VARIANTS + 1):
        out: list[str] = []
        cursor = 0
        for (start, end, _), form in zip(spans, picked, strict=True):
            out.extend(terms[cursor:start])
            out.extend(terms[start:end] if form is None else query_terms(form))
            cursor = end
        out.extend(terms[cursor:])
        variants.append(q.Phrase(" ".join(out), node.field, terms=tuple(out)))
    return q.Synonym(node, tuple(variants))
