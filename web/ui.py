"""The pages: search, event, timeline, people, query help. Views call the search API only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from eventsearch.search import Hit
from eventsearch.search.errors import QueryError
from eventsearch.search.params import check_people_sort, format_year
from eventsearch.web.app import current_index
from eventsearch.web.chart import year_chart
from eventsearch.web.feed import (
    CONTENT_TYPE,
    FEED_ENTRIES,
    Entry,
    atom_feed,
    entry_id,
    feed_id,
)
from eventsearch.web.params import BadParameter, SearchParams, search_params
from eventsearch.web.render import snippet_html
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

bp = Blueprint("ui", __name__)
bp.add_app_template_filter(snippet_html, "marked")

#: How many of the people who appear with a person their page lists.
PERSON_CO_FIGURES = 12

SEARCH_KEYS = ("q", "year", "category", "figure", "sort", "synonyms", "explain")


@bp.app_template_global()
def search_url(**changes) -> str:
    """The current search's URL with some parameters changed (None removes one).

    Called dozens of times per page, so the request's parameters and the route are looked
    up once per request.
    """
    state = g.get("search_url")
    if state is None:
        # Each parameter quoted once per request, as urlencode() quotes it.
        state = g.search_url = (url_for("ui.search"), {
            k: quote_plus(request.args[k]) for k in SEARCH_KEYS if request.args.get(k)})
    base, quoted = state[0], dict(state[1])
    for key, value in changes.items():
        if value is None or value == "":
            quoted.pop(key, None)
        else:
            quoted[key] = quote_plus(str(value))
    if quoted.get("sort") == "relevance":
        del quoted["sort"]
    if not quoted:
        return base
    return base + "?" + "&".join(f"{k}={v}" for k, v in quoted.items())


@bp.app_template_global()
def person_url(name: str) -> str:
    """The page of the person a key figure's name stands for (else the events with it)."""
    slugs = g.get("person_slugs")
    if slugs is None:  # looked up once per request, for every name on the page
        slugs = g.person_slugs = current_index().person_slugs()
    slug = slugs.get(name)
    return slug_url("ui.person", slug) if slug else url_for("ui.search", figure=name)


@bp.app_template_global()
def event_url(slug: str, q: str | None = None, anchor: str | None = None) -> str:
    """An event's page, with the words of a search (marked there) and a section's anchor."""
    url = slug_url("ui.event", slug, q=q or None)
    return f"{url}#{quote(anchor, safe=ANCHOR_SAFE)}" if anchor else url


#: What url_for leaves unquoted in a path part and in an anchor (werkzeug's and Flask's).
PATH_SAFE = "!$&'()*+,/:;=@"
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"
_SLUG = "slug-e9c1f3"


def slug_url(endpoint: str, slug: str, **args: Any) -> str:
    """``url_for(endpoint, slug=slug, **args)``, with the route built once per request and
    endpoint: a results page links each event and person several times."""
    key = (endpoint, *args.items())
    built = g.setdefault("slug_urls", {})
    parts = built.get(key)
    if parts is None:
        parts = built[key] = url_for(endpoint, slug=_SLUG, **args).split(_SLUG, 1)
    return f"{parts[0]}{quote(slug, safe=PATH_SAFE)}{parts[1]}"


@bp.get("/")
@bp.get("/search")
def search():
    """The home page (a search box) and the results page."""
    try:
        params = search_params(request.args,
                               default_per_page=current_app.config["PER_PAGE"])
    except BadParameter as exc:
        return error_page(400, str(exc))
    index = current_index()
    browsing = not (params.q.strip() or params.year or params.category or params.figure)
    results = None if browsing and request.path == "/" else index.search(params.q,
                                                                          **params.kwargs())
    chart = ""
    if results is not None and results.facets.year:
        chart = Markup(year_chart(
            [(f.value, f.count) for f in results.facets.year],
            _year_links(),
            label="Matching events per year",
        ))
    return render_template(
        "search.html",
        params=params,
        results=results,
        chart=chart,
        active=_active_filters(params),
        stats=index.stats() if results is None else None,
        feed=_with_query("ui.search_feed", _feed_search(params)),
    )


@bp.get("/search.atom")
def search_feed():
    """An Atom feed of a search (the filters of /search): its matches, newest indexed
    first, ``per_page`` of them (default FEED_ENTRIES)."""
    try:
        params = search_params(request.args, default_per_page=FEED_ENTRIES)
    except BadParameter as exc:
        return error_page(400, str(exc))
    index = current_index()
    # A feed is of the events about the query: those with all its words.
    results = index.search(params.q, **{**params.kwargs(), "sort": "added", "page": 1},
                           all_words=True)
    entries = []
    for hit in results.hits:
        event = index.get(hit.slug)  # None if a commit took it out since the search
        entries.append(Entry(hit, event.summary if event else hit.snippet.text,
                             url_for("ui.event", slug=hit.slug, _external=True)))
    search = _feed_search(params)
    length = [("per_page", str(params.per_page))] if request.args.get("per_page") else []
    identity = index.identity
    body = atom_feed(
        uri=feed_id(identity, search),
        title=_feed_title(params),
        self_url=_with_query("ui.search_feed", search + length, external=True),
        page_url=_with_query("ui.search", search, external=True),
        entries=entries,
        entry_uri=lambda slug: entry_id(identity, slug),
    )
    return Response(body, content_type=CONTENT_TYPE)


def _feed_search(params: SearchParams) -> list[tuple[str, str]]:
    """What a feed is of: the query and the filters, as URL parameters (not the sort, the
    page or its length, which do not make it another search)."""
    found = [("q", " ".join(params.q.split())), ("year", params.year_text() or ""),
             ("category", params.category or ""), ("figure", params.figure or ""),
             ("synonyms", "" if params.synonyms else "0")]
    return [(name, value) for name, value in found if value]


def _with_query(endpoint: str, pairs: list[tuple[str, str]], *,
                external: bool = False) -> str:
    """The URL of ``endpoint`` with these parameters, in this order."""
    base = url_for(endpoint, _external=external)
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _feed_title(params: SearchParams) -> str:
    parts = [f"“{' '.join(params.q.split())}”"] if params.q.strip() else []
    if params.year is not None:
        parts.append(f"year {params.year_text()}")
    if params.category:
        parts.append(f"category {params.category}")
    if params.figure:
        parts.append(f"person {params.figure}")
    return "eventsearch: " + (", ".join(parts) if parts else "all events") + \
        ", newest first"


def _year_links() -> Callable[[int], str]:
    """``year -> search_url(year=year)`` for the chart's bars, one URL made for them all:
    a year is digits, which quoting leaves alone, and ``year=`` cannot occur elsewhere in
    the URL, where ``=`` in a value is quoted."""
    marker = "year=0000"
    template = search_url(year="0000")
    before, _, after = template.partition(marker)
    return lambda year: f"{before}year={int(year)}{after}"


def _active_filters(params: SearchParams) -> list[tuple[str, str, str]]:
    """(label, value, URL without it) for each filter in force."""
    active = []
    if params.year is not None:
        active.append(("Year", format_year(params.year), search_url(year=None)))
    if params.category:
        active.append(("Category", params.category, search_url(category=None)))
    if params.figure:
        active.append(("Person", params.figure, search_url(figure=None)))
    return active


@bp.get("/events/<slug>")
def event(slug: str):
    """One event's whole story; the words of ``?q=`` are highlighted."""
    index = current_index()
    found = index.get(slug)
    if found is None:
        abort(404, description=f"There is no event called “{slug}”.")
    query = (request.args.get("q") or "")[:1000]
    mark = index.highlighter(query) if query.strip() else None
    limit = current_app.config["SIMILAR_LIMIT"]
    own = {link.slug for link in found.related}
    related = index.related(slug, limit=len(own) + limit)
    return render_template(
        "event.html",
        event=found,
        query=query,
        mark=(lambda text: snippet_html(mark(text))) if mark else (lambda text: text),
        linked={ref.slug for ref in related},
        similar=[ref for ref in related if ref.slug not in own][:limit],
    )


@bp.get("/timeline")
def timeline():
    """Every event by year, one decade at a time."""
    index = current_index()
    everything = index.search("", per_page=1)
    decades = [f.value for f in everything.facets.decade]
    try:
        decade = int(request.args.get("decade") or (decades[-1] if decades else 0))
    except ValueError:
        return error_page(400, "decade must be a year such as 1980")
    page = index.search("", year=(decade, decade + 9), sort="year", per_page=100)
    by_year: dict[int, list[Hit]] = {}
    for hit in page.hits:
        assert hit.year is not None  # a year filter matches only dated events
        by_year.setdefault(hit.year, []).append(hit)
    chart = Markup(year_chart(
        [(f.value, f.count) for f in everything.facets.year],
        lambda year: url_for("ui.search", year=str(year)),
        label="All events per year",
    ))
    return render_template("timeline.html", decades=everything.facets.decade, decade=decade,
                           by_year=by_year, chart=chart, total=everything.total,
                           shown=page.total)


@bp.get("/people")
def people():
    """Every person among the key figures, with their number of events; ``q`` filters
    by name, ``sort`` is ``name`` or ``count``."""
    query = " ".join((request.args.get("q") or "").split())
    if len(query) > 200:
        return error_page(400, "q is longer than 200 characters")
    try:
        sort = check_people_sort(request.args.get("sort") or "name")
    except QueryError as exc:
        return error_page(400, str(exc))
    index = current_index()
    return render_template("people.html", query=query, sort=sort,
                           people=index.people(q=query, sort=sort), total=len(index.people()))


@bp.get("/people/<slug>")
def person(slug: str):
    """One person: their events on a timeline, and the people who appear with them."""
    found = current_index().person(slug)
    if found is None:
        abort(404, description=f"There is no person called “{slug}”.")
    if found.slug != slug:  # the slug of another spelling of the name
        return redirect(url_for("ui.person", slug=found.slug), 301)
    years: dict[int, int] = {}
    for ref in found.events:
        if ref.year is not None:
            years[ref.year] = years.get(ref.year, 0) + 1
    name = found.name
    chart = Markup(year_chart(
        sorted(years.items()),
        lambda year: url_for("ui.search", figure=name, year=str(year)),
        label=f"Events with {name} per year",
    ))
    return render_template("person.html", person=found, chart=chart,
                           co_figures=found.co_figures[:PERSON_CO_FIGURES])


@bp.get("/help")
def help_page():
    """The query syntax."""
    return render_template("help.html")


def error_page(status: int, message: str):
    """An HTML error page with the right status."""
    titles = {400: "That request could not be understood", 404: "Not found",
              405: "Method not allowed", 503: "Search is not available yet"}
    return render_template("error.html", status=status, title=titles.get(status, "Error"),
                           message=message), status
