"""The JSON API under /api: the same parameters and fields as the Python API."""

from __future__ import annotations

from eventsearch.search.errors import QueryError
from eventsearch.search.params import check_people_sort
from eventsearch.web.app import current_index
from eventsearch.web.openapi import openapi_document
from eventsearch.web.params import BadParameter, count, search_params
from eventsearch.web.render import snippet_json
from flask import Blueprint, current_app, jsonify, request, url_for

bp = Blueprint("api", __name__)


def error_response(status: int, message: str):
    """The one error shape of the API."""
    titles = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
              500: "Internal Server Error", 503: "Service Unavailable"}
    body = {"error": {"status": status, "title": titles.get(status, "Error"),
                      "message": message}}
    return jsonify(body), status


@bp.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter):
    return error_response(400, str(error))


@bp.get("/search")
def search():
    """Search results as JSON: the fields of SearchResults, plus ``pages``."""
    params = search_params(request.args, default_per_page=current_app.config["PER_PAGE"])
    results = current_index().search(params.q, **params.kwargs())
    body = results.to_dict()
    body["pages"] = results.pages
    for hit, shown in zip(results.hits, body["hits"], strict=True):
        shown["snippet"] = snippet_json(hit.snippet)
        for section, listed in zip(hit.sections, shown["sections"], strict=True):
            listed["snippet"] = snippet_json(section.snippet)
    return jsonify(body)


@bp.get("/events/<slug>")
def event(slug: str):
    """One event as JSON, with similar events."""
    index = current_index()
    found = index.get(slug)
    if found is None:
        return error_response(404, f"no event {slug!r}")
    body = found.to_dict()
    # A page read from the server's disk has a file: URL, which would show its paths.
    body["url"] = web_url(body["url"])
    for link in body["related"]:
        link["url"] = web_url(link["url"])
    body["similar"] = [ref.to_dict() for ref in index.related(slug, limit=6)]
    body["page_url"] = url_for("ui.event", slug=slug)
    return jsonify(body)


def web_url(url: str) -> str | None:
    """``url`` if it is a web address, else None (a file on the server's disk)."""
    return url if url.startswith(("http://", "https://")) else None


@bp.get("/suggest")
def suggest():
    """Autocomplete suggestions for what has been typed."""
    prefix = (request.args.get("q") or "")[:200]
    limit = count(request.args, "limit", current_app.config["SUGGEST_LIMIT"], 1, 20)
    found = current_index().suggest(prefix, limit=limit)
    return jsonify({
        "query": prefix,
        "suggestions": [
            {**s.to_dict(), "url": url_for("ui.event", slug=s.slug) if s.slug else
             url_for("ui.search", q=s.text) if s.kind == "query" else
             url_for("ui.search", figure=s.text)}
            for s in found
        ],
    })


@bp.get("/people")
def people():
    """Every person among the key figures, with their number of events."""
    query = " ".join((request.args.get("q") or "").split())
    if len(query) > 200:
        raise BadParameter("q is longer than 200 characters")
    try:
        sort = check_people_sort(request.args.get("sort") or "name")
    except QueryError as exc:
        raise BadParameter(str(exc)) from None
    limit = count(request.args, "limit", 0, 1, 10_000) or None
    index = current_index()
    found = index.people(q=query, sort=sort)
    return jsonify({
        "query": query,
        "sort": sort,
        "total": len(found),
        "people": [{**ref.to_dict(), "url": url_for("ui.person", slug=ref.slug),
                    "api_url": url_for("api.person", slug=ref.slug)}
                   for ref in found[:limit]],
    })


@bp.get("/people/<slug>")
def person(slug: str):
    """One person: their other spellings, their events and the people who appear with
    them (most often first)."""
    found = current_index().person(slug)
    if found is None:
        return error_response(404, f"no person {slug!r}")
    body = found.to_dict()
    for ref in body["events"]:
        ref["url"] = url_for("ui.event", slug=ref["slug"])
    for ref in body["co_figures"]:
        ref["url"] = url_for("ui.person", slug=ref["slug"])
        ref["api_url"] = url_for("api.person", slug=ref["slug"])
    body["page_url"] = url_for("ui.person", slug=found.slug)
    return jsonify(body)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API (its server URL carries any mount prefix)."""
    return jsonify(openapi_document(f"{request.script_root}/api"))


@bp.route("/", defaults={"rest": ""})
@bp.route("/<path:rest>")
def unknown(rest: str):
    """Any other /api path: a JSON 404."""
    return error_response(404, f"no API endpoint /api/{rest}")
