"""The lookups around searching, over one view: related events, autocompletion, statistics."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from eventsearch.search import plan
from eventsearch.search import query as q
from eventsearch.search.analysis import fold, index_terms
from eventsearch.search.highlight import idf
from eventsearch.search.results import (
    EventRef,
    FacetCount,
    IndexStats,
    Suggestion,
    SuggestionKind,
)
from eventsearch.search.schema import FIELD_BOOSTS, SCHEMA_VERSION
from eventsearch.search.scoring import Scorer
from eventsearch.search.segment import NO_YEAR, field_texts
from eventsearch.search.view import View

#: How many of an event's most telling terms find events similar to it.
SIMILAR_TERMS = 12


def related_refs(view: View, slug: str, limit: int) -> tuple[EventRef, ...]:
    """The page's own related events first, then events similar in content: those that
    score best for its most telling terms (the most frequent in it, weighed by idf)."""
    table = view.table()
    docnum = table.slug_index.get(slug)
    if docnum is None:
        return ()
    event = view.row(docnum).event()
    refs: dict[str, EventRef] = {}
    for link in event.related:
        other = table.slug_index.get(link.slug)
        if other is not None and link.slug != slug:
            refs.setdefault(link.slug, _ref(view, other))
    if len(refs) < limit:
        for other in _similar(view, event, docnum, limit + len(refs) + 1):
            refs.setdefault(table.slugs[other], _ref(view, other))
    return tuple(refs.values())[:limit]


def _similar(view: View, event, docnum: int, count: int) -> list[int]:
    texts = field_texts(event)
    counts = Counter(index_terms(" ".join((texts["title"], texts["summary"], texts["body"]))))
    weighted = []
    for term, tf in counts.items():
        df = sum(s.data.fields["body"].document_frequency(at)
                 for s, at in view.locations("body", term))
        if df > 1:  # a term of this event alone finds nothing else
            weighted.append((tf * idf(view.count, df), term))
    chosen = [term for _, term in sorted(weighted, reverse=True)[:SIMILAR_TERMS]]
    if not chosen:
        return []
    found = Scorer(view).evaluate(plan.Or(tuple(
        plan.Term("body", term, FIELD_BOOSTS["body"]) for term in chosen)))
    found.mask[docnum] = False
    docs = np.flatnonzero(found.mask)
    ordered = docs[np.lexsort((docs, -found.scores[docs]))]
    return [int(d) for d in ordered[:count]]


def _ref(view: View, docnum: int) -> EventRef:
    table = view.table()
    year = int(table.years[docnum])
    code = int(table.categories[docnum])
    return EventRef(slug=table.slugs[docnum], title=table.titles[docnum],
                    year=None if year == NO_YEAR else year,
                    category=table.category_list[code] if code >= 0 else None)


def suggestions(view: View, prefix: str, limit: int) -> tuple[Suggestion, ...]:
    """Completions of what is being typed: titles and people's names that start with it
    (or have a word that does), then the query with its last word completed."""
    typed = " ".join(q.clean_text(prefix).split())
    wanted = fold(typed)
    if not wanted or limit < 1:
        return ()
    completions = _completions(view, typed, limit=3)
    table = view.table()
    live = table.live_docs()
    figures = np.unique(table.figure_codes[table.live[table.figure_docs]])
    candidates: list[tuple[str, SuggestionKind, str | None]] = [
        (table.titles[d], "title", table.slugs[d]) for d in live]
    candidates += [(table.figure_list[f], "figure", None) for f in figures]
    ranked: list[tuple[int, str, Suggestion]] = []
    seen: set[str] = set()
    for text, kind, ref in candidates:
        folded = fold(text)
        if folded in seen:
            continue
        if folded.startswith(wanted):
            rank = 0 if kind == "title" else 1
        elif f" {wanted}" in f" {folded}":
            rank = 2 if kind == "title" else 3
        else:
            continue
        seen.add(folded)
        ranked.append((rank, folded, Suggestion(text, kind, ref)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    found = [s for _, _, s in ranked]
    titled = {fold(s.text) for s in found}
    found += [c for c in completions if fold(c.text) not in titled]
    # Titles and names first, but always room for the best completion of the words.
    shown = found[:limit]
    if completions and not any(s.kind == "query" for s in shown):
        shown = [*shown[: limit - 1], completions[0]]
    return tuple(shown)


def _completions(view: View, typed: str, limit: int) -> list[Suggestion]:
    """The typed query with its last word completed by the commonest corpus words."""
    head, _, last = typed.rpartition(" ")
    stub = fold(last)
    if len(stub) < 2 or not stub.isalnum():
        return []
    vocabulary = view.vocabulary()
    words = sorted((-vocabulary.frequency(word), word)
                   for word in vocabulary.starting(stub, limit=201) if word != stub)
    lead = f"{fold(head)} " if head else ""
    return [Suggestion(f"{lead}{word}", "query") for _, word in words[:limit]]


def stats_of(view: View, folder: Path) -> IndexStats:
    """How many events, which years and categories, how big on disk."""
    table = view.table()
    years = table.years[table.live & table.has_year]
    files = [p for p in folder.iterdir() if p.is_file()]
    categories = table.categories_count()
    people = np.unique(table.figure_codes[table.live[table.figure_docs]])
    return IndexStats(
        path=str(folder),
        events=view.count,
        schema_version=SCHEMA_VERSION,
        generation=view.generation,
        segments=len(view.segments),
        size_bytes=sum(p.stat().st_size for p in files),
        last_modified=max((p.stat().st_mtime for p in files), default=0.0),
        first_year=int(years.min()) if len(years) else None,
        last_year=int(years.max()) if len(years) else None,
        categories=tuple(FacetCount(c, n) for c, n in sorted(
            categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        figures=len(people),
    )
