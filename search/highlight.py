"""Snippets: the words of a text that matched, as spans, cut around the best passage; and
the sections of a hit scored against the query. Values, not markup: the web renders them
as escaped HTML with <mark>, the command line in bold."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol, TypeVar

from eventsearch.search.analysis import WORD, fold, term_of, terms_of
from eventsearch.search.analysis import terms as text_terms
from eventsearch.search.results import Snippet

SNIPPET_CHARS = 240
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘(])")


class SectionLike(Protocol):
    """What scoring needs of a section: an ingested Section or a stored one."""

    @property
    def heading(self) -> str: ...

    @property
    def text(self) -> str: ...


S = TypeVar("S", bound=SectionLike)


def best_passage(text: str, weights: dict[str, float],
                 width: int = SNIPPET_CHARS) -> tuple[float, Snippet]:
    """(score, snippet) for the best window of ``text``: the most query weight in ``width``.

    With no match the score is 0 and the snippet is the opening of the text.
    """
    spans = _spans(text, weights)
    if not spans:
        return 0.0, _render(text, 0, width, [])
    best_score, best_first = -1.0, 0
    for i, (_, start, _) in enumerate(spans):
        seen = {term for term, s, _ in spans[i:] if s < start + width}
        score = sum(weights[t] for t in seen) + 0.01 * sum(
            1 for _, s, _ in spans[i:] if s < start + width)
        if score > best_score:
            best_score, best_first = score, i
    first_start = spans[best_first][1]
    start = _window_start(text, first_start, width)
    return best_score, _render(text, start, width, spans)


def _spans(text: str, weights: dict[str, float]) -> list[tuple[str, int, int]]:
    """(term, start, end) of the words of ``text`` whose index term is weighed: the same as
    filtering :func:`search.analysis.terms`, without reading every word.

    A word's stem, less its last letter, begins the word as written, once folded
    (:func:`_probes`); so each weighed term is looked for with ``str.find`` in the folded
    text, and every word found at a word start is checked with the analyzer itself.
    tests/test_highlight.py compares this with reading every word.
    """
    folded = fold(text)
    if len(folded) != len(text):  # folding changed the length: offsets would not line up
        return _spans_by_words(text, weights)
    found: dict[int, tuple[str, int, int]] = {}
    for probe in {p for term in weights for p in _probes(term)}:
        at = folded.find(probe)
        while at >= 0:
            if at not in found and _word_starts(folded, at):
                match = WORD.match(text, at)
                if match is not None:
                    word_term = term_of(match.group())
                    if word_term in weights:
                        found[at] = (word_term, at, match.end())
            at = folded.find(probe, at + 1)
    return [found[at] for at in sorted(found)]


def _probes(term: str) -> tuple[str, ...]:
    """What every word with this stem starts with, once folded: the stem less its last
    letter (``scal``: *scaling*, ``capab``: *capability*, ``happ``: *happy*), and for
    Snowball's *dying*, *lying*, *tying* (``die``...), ``dy``."""
    if len(term) < 3:
        return (term,)
    if term.endswith("ie"):
        return (term[:-1], term[:-2] + "y")
    return (term[:-1],)


def _spans_by_words(text: str, weights: dict[str, float]) -> list[tuple[str, int, int]]:
    """:func:`_spans` by reading every word."""
    return [(term, start, end) for term, start, end in text_terms(text) if term in weights]


def _word_starts(text: str, at: int) -> bool:
    """Whether a word (analysis.WORD: ``\\w+(?:\\.\\w+)*``) starts at ``at``."""
    if at == 0:
        return True
    before = text[at - 1]
    if before.isalnum() or before == "_":
        return False
    if before == "." and at >= 2:
        two_before = text[at - 2]
        return not (two_before.isalnum() or two_before == "_")
    return True


def section_terms(heading: str, text: str) -> tuple[int, str]:
    """What :func:`score_sections` needs of a section, worked out when it is indexed: how
    many indexed words its text has, and how often each term occurs (heading words twice),
    packed as ``" term:count term:count "`` (one string loads faster than a dict)."""
    return pack_section(terms_of(WORD.findall(heading)), terms_of(WORD.findall(text)))


def pack_section(heading_terms: list[str], text_terms: list[str]) -> tuple[int, str]:
    """:func:`section_terms` from the section's index terms."""
    counts = Counter(text_terms)
    for term in heading_terms:
        counts[term] += 2
    return len(text_terms), "".join(f" {term}:{count}" for term, count in counts.items()) + " "


def term_count(packed: str, term: str) -> int:
    """How often ``term`` occurs, from :func:`section_terms`'s packed counts."""
    at = packed.find(f" {term}:")
    if at < 0:
        return 0
    start = at + len(term) + 2
    return int(packed[start:packed.index(" ", start)])


def _window_start(text: str, first: int, width: int) -> int:
    """Start at the sentence holding the first match if that keeps it well inside."""
    floor = max(0, first - width // 3)
    starts = [m.end() for m in _SENTENCE_START.finditer(text, floor, first + 1)]
    if first < width // 3 and not starts:
        return 0
    if starts:
        return starts[-1] if starts[-1] <= first else floor
    # Otherwise begin at a word boundary a little before the match.
    space = text.rfind(" ", floor, first)
    return space + 1 if space >= 0 else floor


def _render(text: str, start: int, width: int,
            spans: list[tuple[str, int, int]]) -> Snippet:
    """The window of ``text`` from ``start`` (about ``width`` characters, ending at a word
    boundary), with an ellipsis where it was cut, and the spans inside it."""
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    lead = "…" if start > 0 else ""
    body = text[start:end]
    stripped = len(body) - len(body.lstrip())
    body = body.strip()
    shift = len(lead) - start - stripped
    matches = tuple((s + shift, e + shift) for _, s, e in spans
                    if s >= start + stripped and e <= start + stripped + len(body))
    tail = "…" if end < len(text) else ""
    return Snippet(f"{lead}{body}{tail}", matches)


def mark_terms(text: str, terms: set[str] | dict[str, float]) -> Snippet:
    """The whole of ``text``, with every word that matches ``terms`` marked."""
    spans = [(s, e) for t, s, e in text_terms(text) if t in terms] if terms else []
    return Snippet(text, tuple(spans))


def score_sections(sections: Sequence[S], weights: dict[str, float], limit: int = 3, *,
                   terms: Sequence[tuple[int, str]] | None = None, k1: float = 1.2,
                   b: float = 0.5) -> list[tuple[float, S, Snippet]]:
    """BM25 of each section (heading counts twice) against the query terms, best first.

    Returns (score, section, snippet) for the best ``limit`` sections that match at all.
    ``terms`` is :func:`section_terms` of each section, if the index kept it.
    """
    if terms is None:
        terms = [section_terms(s.heading, s.text) for s in sections]
    counted = []
    for section, (length, packed) in zip(sections, terms, strict=True):
        tf = {t: count for t in weights if (count := term_count(packed, t))}
        counted.append((section, tf, length))
    if not counted:
        return []
    avg = sum(n for _, _, n in counted) / len(counted) or 1.0
    scored = []
    for section, tf, length in counted:
        if not tf:
            continue
        norm = k1 * (1 - b + b * length / avg)
        score = sum(weights[t] * f * (k1 + 1) / (f + norm) for t, f in tf.items())
        scored.append((score, section))
    scored.sort(key=lambda item: -item[0])
    return [(score, section, best_passage(section.text, weights)[1])
            for score, section in scored[:limit]]


def idf(doc_count: int, doc_frequency: int) -> float:
    """Lucene's BM25 idf: never negative, highest for the rarest terms."""
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))
