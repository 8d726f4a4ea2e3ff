"""A page of hits: the matches in order, each with its snippet and the sections that
matched; and the did-you-mean suggestion."""

from __future__ import annotations

from dataclasses import replace

from eventsearch.search.explain import explanation
from eventsearch.search.highlight import best_passage, score_sections
from eventsearch.search.matching import Found
from eventsearch.search.results import Hit, SectionHit
from eventsearch.search.view import View


def page_of_hits(view: View, found: Found, sort: str, page: int,
                 per_page: int, explain: bool = False) -> tuple[Hit, ...]:
    """The hits of one page of ``found``, in the order ``sort`` asks for, each with why
    it scored what it did if ``explain``."""
    offset = (page - 1) * per_page
    if offset >= found.total:
        return ()
    if sort == "added":
        order = found.by_added(view.table().added)
    elif found.compiled.plan is None or sort != "relevance":
        # Newest first unless asked otherwise; an empty query browses newest first.
        order = found.by_year(view.table().years, newest_first=sort != "year")
    else:
        order = found.order()
    weights = found.compiled.weights
    hits = (hit(view, int(d), float(found.scores[d]), weights)
            for d in order[offset:offset + per_page])
    if not explain:
        return tuple(hits)
    return tuple(replace(h, explanation=explanation(found, int(d)))
                 for h, d in zip(hits, order[offset:offset + per_page], strict=True))


def hit(view: View, docnum: int, score: float, weights: dict[str, float]) -> Hit:
    """One hit: its stored row, the best passage of its summary (or of its best section,
    if the summary does not match), and its three best sections."""
    row = view.row(docnum)
    sections = score_sections(row.sections, weights,
                              terms=[(s.length, s.terms) for s in row.sections]) \
        if weights else []
    snippet_score, snippet = best_passage(row.summary, weights)
    if sections and not snippet_score:
        snippet = sections[0][2]
    return Hit(
        slug=row.slug,
        title=row.title,
        year=row.year,
        category=row.category,
        figures=row.figures,
        added=row.added,
        changed=row.changed,
        score=round(score, 4),
        snippet=snippet,
        sections=tuple(SectionHit(s.heading, s.anchor, snip) for _, s, snip in sections[:3]),
    )


def did_you_mean(query: str, corrections: dict[str, str]) -> str | None:
    """The query with its misspelt words corrected, or None."""
    if not corrections:
        return None
    words = []
    for word in query.split():
        bare = word.strip('"()-*')
        fixed = corrections.get(bare)
        words.append(word.replace(bare, fixed) if fixed else word.lower())
    suggestion = " ".join(words)
    return suggestion if suggestion != query else None
