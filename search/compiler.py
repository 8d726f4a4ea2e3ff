"""From the query tree (search/query.py) to a plan (search/plan.py), for one view.

Each word becomes its index term in every searched field, weighted by field; a word the
corpus does not have as written is searched with its closest spellings as well (and
suggested); a bare year or decade among the words becomes a filter; synonyms become
blends (search/synonyms.py). The words' idf is kept for highlighting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eventsearch.search import plan
from eventsearch.search import query as q
from eventsearch.search.analysis import fold, query_terms, stem, term_of
from eventsearch.search.highlight import idf
from eventsearch.search.results import Expansion
from eventsearch.search.schema import FIELD_BOOSTS, TEXT_FIELDS
from eventsearch.search.synonyms import NO_SYNONYMS, SYNONYM_BOOST, Synonyms
from eventsearch.search.view import View
from rapidfuzz.distance import Levenshtein

#: A prefix (``transfor*``) stands for at most this many terms, the commonest first.
MAX_PREFIX_TERMS = 200

#: How much a spelling correction's match counts against a word as typed; measured on the
#: classic collections and tests/relevance (docs/relevance-ir.md, "Choices measured").
CORRECTION_BOOST = 0.5


@dataclass
class Compiled:
    """A query made ready to score: the plan, the weight (idf) of each term it searches
    (what snippets mark), the spelling corrections it made, what synonyms it added."""

    plan: plan.Node | None
    weights: dict[str, float] = field(default_factory=dict)
    corrections: dict[str, str] = field(default_factory=dict)
    expansions: tuple[Expansion, ...] = ()


class Compiler:
    """Compiles parsed queries for one view: ``any_word`` for the loose form (some of the
    words), else the strict one (all of them)."""

    def __init__(self, view: View, *, any_word: bool, years_as_words: bool,
                 spelling: dict[str, list[str]] | None = None,
                 synonyms: Synonyms = NO_SYNONYMS) -> None:
        self.view = view
        self.table = view.table()
        self.synonyms = synonyms
        self.spelling = {} if spelling is None else spelling
        self.any_word = any_word
        self.years_as_words = years_as_words
        self.weights: dict[str, float] = {}
        self.corrections: dict[str, str] = {}
        self.year_filters: list[q.YearRange] = []

    def compile(self, node: q.Node | None, top: bool = True) -> plan.Node | None:
        if node is None:
            return None
        if isinstance(node, q.Synonym):
            return self.synonym(node, top)
        if isinstance(node, q.Word):
            if node.implicit_year and not self.years_as_words:
                if top:  # among the words of the query: a filter
                    self.year_filters.append(q.YearRange(*node.implicit_year))
                    return None
                # Inside OR or after -, a condition on the year like any other.
                return plan.Match(self.table.years_between(*node.implicit_year), node.text)
            return self.word(node)
        if isinstance(node, q.Phrase):
            terms = list(node.terms) if node.terms is not None else query_terms(node.text)
            return self.phrase(terms, node.field)
        if isinstance(node, q.Prefix):
            return self.prefix(node)
        if isinstance(node, q.Not):
            child = self.compile_negated(node.child)
            return plan.Not(child) if child is not None else None
        if isinstance(node, (q.YearRange, q.Category, q.Figure)):
            return plan.Match(self.table.mask_for(node), repr(node))
        children = [self.compile(child, top=top and isinstance(node, q.And))
                    for child in node.children]
        found = [c for c in children if c is not None]
        if not found:
            return None
        if isinstance(node, q.Or) or (self.any_word and top):
            positive = [c for c in found if not isinstance(c, plan.Not)]
            negative = [c for c in found if isinstance(c, plan.Not)]
            if negative and positive and not isinstance(node, q.Or):
                return plan.And((plan.Or(tuple(positive)), *negative))
            return plan.Or(tuple(found))
        return plan.And(tuple(found))

    def compile_negated(self, node: q.Node) -> plan.Node | None:
        weights = dict(self.weights)
        compiled = self.compile(node, top=False)
        self.weights = weights  # excluded words are never highlighted
        return compiled

    @staticmethod
    def fields(name: str | None) -> list[str]:
        if name in ("title", "summary", "body", "impact"):
            return [name]
        return list(TEXT_FIELDS)

    def word(self, node: q.Word) -> plan.Node | None:
        tokens = query_terms(node.text)
        if len(tokens) > 1:
            return self.phrase(tokens, node.field)
        if not tokens:
            return None
        token = tokens[0]
        fields = self.fields(node.field)
        if (not node.exact and not self.synonyms.knows(node.text)
                and not self.view.vocabulary().frequency(fold(node.text))):
            # Not a word of the corpus as written: suggest its close spellings, and search
            # them too when no word of the corpus has its stem.
            corrections = [c for c in self.correct(node.text) if c != token]
            if corrections and not self.known(token, fields):
                # A correction is a guess: the word and its corrections count as one term
                # (plan.Blend), each correction by CORRECTION_BOOST, so that three guesses
                # do not weigh three times what was typed.
                forms = (((token,), 1.0), *(((c,), CORRECTION_BOOST) for c in corrections))
                for term in (token, *corrections):
                    self.weigh(term)
                return plan.Or(tuple(plan.Blend(f, forms, FIELD_BOOSTS[f]) for f in fields))
        self.weigh(token)
        return plan.Or(tuple(plan.Term(f, token, FIELD_BOOSTS[f]) for f in fields))

    def synonym(self, node: q.Synonym, top: bool) -> plan.Node | None:
        """What was typed and its synonyms, scored as one term in each field (plan.Blend):
        the wording typed counts fully, a synonym by SYNONYM_BOOST. A run of words typed
        without quotes also matches its words anywhere, as any words do."""
        typed = node.original
        if isinstance(typed, q.And):
            # A run of plain words typed without quotes (synonyms._and makes only those).
            run = [word for word in typed.children if isinstance(word, q.Word)]
            assert len(run) == len(typed.children)
            field_name = run[0].field
            terms = tuple(t for word in run for t in query_terms(word.text))
        else:
            field_name = typed.field
            terms = _terms(typed)
        forms = {terms: 1.0} if terms else {}
        for alternative in node.alternatives:
            forms.setdefault(_terms(alternative), SYNONYM_BOOST)
        forms.pop((), None)
        if not forms:
            return None
        for form in forms:
            for term in form:
                self.weigh(term)
        blend = plan.Or(tuple(plan.Blend(f, tuple(forms.items()), FIELD_BOOSTS[f])
                              for f in self.fields(field_name)))
        if isinstance(typed, q.And):
            words = self.compile(typed, top=top)
            return plan.Or((words, blend)) if words is not None else blend
        return blend

    def phrase(self, tokens: list[str], field_name: str | None) -> plan.Node | None:
        if not tokens:
            return None
        for token in tokens:
            self.weigh(token)
        fields = self.fields(field_name)
        if len(tokens) == 1:
            return plan.Or(tuple(plan.Term(f, tokens[0], FIELD_BOOSTS[f]) for f in fields))
        return plan.Or(tuple(plan.Phrase(f, tuple(tokens), FIELD_BOOSTS[f]) for f in fields))

    def prefix(self, node: q.Prefix) -> plan.Node | None:
        """A prefix stands for the terms that start with it (at most MAX_PREFIX_TERMS,
        the commonest first), in each field."""
        folded = fold(node.text)
        stemmed = stem(folded)
        start = stemmed if folded.startswith(stemmed) else folded
        parts: list[plan.Node] = []
        for f in self.fields(node.field):
            frequency: dict[str, int] = {}
            for segment in self.view.segments:
                data = segment.data.fields[f]
                for number in data.starting(start):
                    term = data.term(number)
                    frequency[term] = frequency.get(term, 0) + data.document_frequency(number)
            chosen = sorted(frequency, key=lambda t: (-frequency[t], t))[:MAX_PREFIX_TERMS]
            for term in chosen:
                self.weigh(term)
            parts.extend(plan.Term(f, term, FIELD_BOOSTS[f]) for term in chosen)
        return plan.Or(tuple(parts)) if parts else plan.NOTHING

    def known(self, token: str, fields: list[str]) -> bool:
        return any(self.view.locations(f, token) for f in fields)

    def correct(self, word: str) -> list[str]:
        """Index terms of the closest known spellings of an unknown word, best first."""
        folded = fold(word)
        if len(folded) < 4 or not folded.isalpha():
            return []
        if folded in self.spelling:
            best = self.spelling[folded]
        else:
            best = self.spelling[folded] = self._closest(folded)
        if best:
            self.corrections[word] = best[0]
        return [t for t in (term_of(c) for c in best) if t]

    def _closest(self, folded: str) -> list[str]:
        maxdist = 1 if len(folded) < 8 else 2
        vocabulary = self.view.vocabulary()
        candidates = [(Levenshtein.distance(folded, candidate), -vocabulary.frequency(candidate),
                       candidate) for candidate in vocabulary.within(folded, maxdist)]
        candidates.sort()
        return [c for _, _, c in candidates[:3]]

    def weigh(self, term: str) -> None:
        if term not in self.weights:
            df = self._document_frequency("body", term) or \
                self._document_frequency("title", term)
            self.weights[term] = idf(max(1, self.view.size), df)

    def _document_frequency(self, field_name: str, term: str) -> int:
        return sum(segment.data.fields[field_name].document_frequency(at)
                   for segment, at in self.view.locations(field_name, term))


def _terms(node: q.Word | q.Phrase) -> tuple[str, ...]:
    """The index terms of a word or phrase node."""
    if isinstance(node, q.Phrase) and node.terms is not None:
        return node.terms
    return tuple(query_terms(node.text))
