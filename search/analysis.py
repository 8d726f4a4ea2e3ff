"""Text analysis: one pipeline for indexing, querying, highlighting and spelling.

Words are runs of letters and digits (an apostrophe ends a word, so ``Mistral's`` is
``Mistral``); they are lower-cased, accent-folded (``Lacroix`` matches ``Lacroíx``), English
stop words are dropped and the rest stemmed with Snowball English (``efficiency`` and
``efficient`` share a stem). The same steps run in :func:`terms` for highlighting, so a
highlighted word is exactly a word the index matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import Stemmer
from whoosh.analysis import Token, Tokenizer
from whoosh.support.charset import accent_map

WORD = re.compile(r"\w+(?:\.?\w+)*")

# NLTK's English stop list (179 words). bm25s's "en" list is shorter (33 words); with
# ours, plain BM25 scores higher on all three classic collections (docs/relevance-ir.md).
STOP_WORDS = frozenset("""
a about above after again against ain all am an and any are aren aren't as at be because
been before being below between both but by can couldn couldn't d did didn didn't do does
doesn doesn't doing don don't down during each few for from further had hadn hadn't has
hasn hasn't have haven haven't having he her here hers herself him himself his how i if in
into is isn isn't it it's its itself just ll m ma me mightn mightn't more most mustn
mustn't my myself needn needn't no nor not now o of off on once only or other our ours
ourselves out over own re s same shan shan't she she's should should've shouldn shouldn't
so some such t than that that'll the their theirs them themselves then there these they
this those through to too under until up ve very was wasn wasn't we were weren weren't
what when where which while who whom why will with won won't wouldn wouldn't y you you'd
you'll you're you've your yours yourself yourselves
""".split())

_STEMMER = Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """Snowball English stem of one lower-case word."""
    return _STEMMER.stemWord(word)


class EventAnalyzer(Tokenizer):
    """The analyzer of every text field: split, lower-case, fold, drop stop words, stem.

    One pass in one generator (Whoosh's filter chain of five generators doing the same
    costs three times as much per word when indexing).
    """

    def __eq__(self, other) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches: Iterable[tuple[str, int, int]]
        if not tokenize:
            matches = [(value, 0, len(value))]
        else:
            matches = ((m.group(), m.start(), m.end()) for m in WORD.finditer(value))
        pos = start_pos
        for word, start, end in matches:
            term = term_of(word)
            if term is None:
                continue
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def analyzer() -> EventAnalyzer:
    """The analyzer of every text field."""
    return EventAnalyzer()


def vocabulary_words(text: str) -> list[str]:
    """The distinct words of ``text`` as written (folded, not stemmed, no stop words),
    sorted: what spelling corrections and completions choose from."""
    return sorted(vocabulary_of(set(WORD.findall(text))))


def index_terms(text: str) -> list[str]:
    """The index terms of ``text`` in order, stop words left out: a term's position is
    its place in this list (what phrases match on)."""
    return terms_of(WORD.findall(text))


def terms_of(words: list[str]) -> list[str]:
    """The index terms of words (``WORD.findall``'s), in order, stop words left out."""
    return list(filter(None, map(term_of, words)))


def vocabulary_of(words: set[str]) -> set[str]:
    """:func:`vocabulary_words` of distinct words as written."""
    return set(filter(None, map(_vocabulary_form, words)))


@lru_cache(maxsize=200_000)
def _vocabulary_form(word: str) -> str | None:
    """A word as the vocabulary keeps it (folded), or None for a stop word or a letter."""
    folded = fold(word)
    return folded if len(folded) > 1 and folded not in STOP_WORDS else None


def fold(word: str) -> str:
    """Lower-case and strip accents, as the index does before stemming."""
    if word.isascii():  # the accent map changes no lower-case ASCII letter
        return word.lower()
    return word.lower().translate(accent_map)


@lru_cache(maxsize=200_000)
def term_of(word: str) -> str | None:
    """The index term for one word as written, or None for a stop word."""
    folded = fold(word)
    if folded in STOP_WORDS:
        return None
    return stem(folded)


def terms(text: str) -> Iterator[tuple[str, int, int]]:
    """(index term, start, end) for every indexed word of ``text``: what highlighting marks."""
    for match in WORD.finditer(text):
        term = term_of(match.group())
        if term is not None:
            yield term, match.start(), match.end()


def query_terms(text: str) -> list[str]:
    """The index terms of a piece of query text, in order."""
    return [term for term, _, _ in terms(text)]
