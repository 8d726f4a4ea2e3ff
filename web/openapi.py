"""The OpenAPI document of the JSON API (tests/test_web_api.py checks it against behaviour)."""

from __future__ import annotations

from eventsearch.search.params import SORTS

from eventsearch import __version__


def _string(description: str, **extra) -> dict:
    return {"type": "string", "description": description, **extra}


def _param(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


ERROR = {"$ref": "#/components/responses/Error"}

SEARCH_PARAMETERS = [
    _param("q", "The query (docs/query-language.md). Any text is accepted.",
           {"type": "string", "maxLength": 1000}),
    _param("year", "A year (2023), an inclusive range (2020..2024, 2020-2024, 2020.., "
           "..1990, >=2020, <1990) or a decade (1980s): the forms of year: in a query.",
           {"type": "string"}),
    _param("category", "Only events of this category (case-insensitive).",
           {"type": "string", "maxLength": 200}),
    _param("figure", "Only events with this person among the key figures.",
           {"type": "string", "maxLength": 200}),
    _param("sort", "Order of the hits: relevance, year (oldest first), -year (newest "
           "first) or added (newest indexed first).",
           {"type": "string", "enum": list(SORTS), "default": "relevance"}),
    _param("synonyms", "Also search the synonyms of the query's words (1, the default) or "
           "only the words as typed (0). `=word` in the query does the same for one word.",
           {"type": "string", "enum": ["1", "0", "true", "false", "on", "off", "yes", "no"],
            "default": "1"}),
    _param("explain", "Give each hit an explanation of its score (1) or not (0, the "
           "default): each term's BM25F parts by field, the synonyms and corrections "
           "searched, the filters.",
           {"type": "string", "enum": ["1", "0", "true", "false", "on", "off", "yes", "no"],
            "default": "0"}),
    _param("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": 1000,
                                    "default": 1}),
    _param("per_page", "Hits per page.", {"type": "integer", "minimum": 1, "maximum": 100,
                                          "default": 10}),
]

FACET = {"type": "array", "items": {"type": "object", "required": ["value", "count"],
                                    "properties": {"value": {}, "count": {"type": "integer"}}}}

SCHEMAS = {
    "Snippet": {
        "type": "object", "required": ["text", "matches", "html"],
        "description": "A passage and the words of it that matched the query.",
        "properties": {
            "text": {"type": "string", "description": "Plain text, not escaped."},
            "matches": {"type": "array", "description": "[start, end) offsets into text.",
                        "items": {"type": "array", "items": {"type": "integer"},
                                  "minItems": 2, "maxItems": 2}},
            "html": _string("The text as safe HTML: escaped, each match in <mark>."),
        },
    },
    "SectionHit": {
        "type": "object", "required": ["heading", "anchor", "snippet"],
        "properties": {"heading": {"type": "string"}, "anchor": {"type": "string"},
                       "snippet": {"$ref": "#/components/schemas/Snippet"}},
    },
    "Hit": {
        "type": "object",
        "required": ["slug", "title", "year", "category", "figures", "added", "changed",
                     "score", "snippet", "sections"],
        "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"},
            "year": {"type": ["integer", "null"]}, "category": {"type": ["string", "null"]},
            "figures": {"type": "array", "items": {"type": "string"}},
            "added": {"type": "number", "description": "When the event was first indexed "
                      "(Unix time in seconds, UTC)."},
            "changed": {"type": "number", "description": "When its current content was "
                        "indexed (Unix time in seconds, UTC)."},
            "score": {"type": "number"},
            "snippet": {"$ref": "#/components/schemas/Snippet"},
            "sections": {"type": "array", "items": {"$ref": "#/components/schemas/SectionHit"},
                         "description": "Best-matching sections, best first."},
            "explanation": {"oneOf": [{"$ref": "#/components/schemas/Explanation"},
                                      {"type": "null"}],
                            "description": "Why the hit scored what it did (explain=1), "
                                           "else null."},
        },
    },
    "Explanation": {
        "type": "object",
        "required": ["score", "all_words", "parts", "filters", "corrections", "expansions"],
        "description": "The score is the sum of the parts' scores. Events with all the "
                       "words (all_words) are ranked before the others, whatever the score.",
        "properties": {
            "score": {"type": "number", "description": "Unrounded."},
            "all_words": {"type": "boolean"},
            "parts": {"type": "array", "items": {"$ref": "#/components/schemas/TermScore"}},
            "filters": {"type": "array", "items": {"type": "string"},
                        "description": "Filters that narrowed the matches without scoring."},
            "corrections": {"type": "array", "description": "Misspelt word and its "
                            "correction, searched with it.",
                            "items": {"type": "array", "items": {"type": "string"},
                                      "minItems": 2, "maxItems": 2}},
            "expansions": {"type": "array", "items": {"type": "object"},
                           "description": "Synonyms searched, as in the results."},
        },
    },
    "TermScore": {
        "type": "object",
        "required": ["kind", "field", "terms", "weights", "tf", "field_length",
                     "average_length", "document_frequency", "idf", "k1", "b", "boost",
                     "score", "phrase"],
        "description": "One term in one field: score = idf * tf * (k1 + 1) / (tf + k1 * "
                       "(1 - b + b * field_length / average_length)) * boost. A not (an "
                       "excluded word the event lacks) or filter part scores boost.",
        "properties": {
            "kind": {"type": "string", "enum": ["word", "phrase", "blend", "not", "filter"]},
            "field": {"type": "string"},
            "terms": {"type": "array", "description": "Index terms, one list per wording "
                      "(a blend has the words typed, then synonyms or corrections).",
                      "items": {"type": "array", "items": {"type": "string"}}},
            "weights": {"type": "array", "items": {"type": "number"}},
            "tf": {"type": "number"}, "field_length": {"type": "number"},
            "average_length": {"type": "number"},
            "document_frequency": {"type": "integer"}, "idf": {"type": "number"},
            "k1": {"type": "number"}, "b": {"type": "number"}, "boost": {"type": "number"},
            "score": {"type": "number"},
            "phrase": {"type": "array", "items": {"type": "string"},
                       "description": "For a word of a phrase, the phrase's terms."},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "pages", "hits", "facets",
                     "suggestion", "elapsed_ms", "notes", "expansions", "synonyms"],
        "properties": {
            "query": {"type": "string"}, "total": {"type": "integer"},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object", "required": ["category", "decade", "figure", "year"],
                "description": "Counts over the whole match set.",
                "properties": {"category": FACET, "decade": FACET, "figure": FACET,
                               "year": FACET},
            },
            "suggestion": {"type": ["string", "null"], "description": "Did you mean."},
            "elapsed_ms": {"type": "number"},
            "notes": {"type": "array", "items": {"type": "string"},
                      "description": "Parts of the query that were ignored, and why."},
            "expansions": {"type": "array", "description": "What was searched besides what "
                           "was typed: the synonyms (also) of a word or phrase (typed).",
                           "items": {"type": "object", "required": ["typed", "also"],
                                     "properties": {"typed": {"type": "string"},
                                                    "also": {"type": "array",
                                                             "items": {"type": "string"}}}}},
            "synonyms": {"type": "boolean",
                         "description": "False when only the words as typed were searched."},
        },
    },
    "Event": {
        "type": "object",
        "required": ["slug", "url", "title", "year", "category", "summary", "sections",
                     "figures", "impact", "related", "lang", "content_hash", "similar",
                     "page_url"],
        "properties": {
            "slug": {"type": "string"},
            "url": {"type": ["string", "null"],
                    "description": "The page's web address; null for a page read from the "
                                   "server's disk."},
            "title": {"type": "string"}, "year": {"type": ["integer", "null"]},
            "category": {"type": ["string", "null"]}, "summary": {"type": "string"},
            "lang": {"type": ["string", "null"],
                     "description": "The page's language as a BCP 47 tag (en, pt-BR), "
                                    "when the page declares it."},
            "sections": {"type": "array", "items": {
                "type": "object", "required": ["heading", "anchor", "text"],
                "properties": {"heading": {"type": "string"}, "anchor": {"type": "string"},
                               "text": {"type": "string"}}}},
            "figures": {"type": "array", "items": {"type": "string"}},
            "impact": {"type": "string"},
            "related": {"type": "array", "items": {
                "type": "object", "required": ["title", "url", "slug", "year"],
                "properties": {"title": {"type": "string"},
                               "url": {"type": ["string", "null"]},
                               "slug": {"type": "string"},
                               "year": {"type": ["integer", "null"]}}}},
            "content_hash": {"type": "string"},
            "similar": {"type": "array", "items": {
                "type": "object", "required": ["slug", "title", "year", "category"],
                "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                               "year": {"type": ["integer", "null"]},
                               "category": {"type": ["string", "null"]}}}},
            "page_url": {"type": "string"},
        },
    },
    "Suggestions": {
        "type": "object", "required": ["query", "suggestions"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {"type": "array", "items": {
                "type": "object", "required": ["text", "kind", "slug", "url"],
                "properties": {"text": {"type": "string"},
                               "kind": {"type": "string", "enum": ["title", "figure", "query"]},
                               "slug": {"type": ["string", "null"]},
                               "url": {"type": "string"}}}},
        },
    },
    "PersonRef": {
        "type": "object", "required": ["name", "slug", "count", "url", "api_url"],
        "description": "A person: count is their number of events (as a co-figure, the "
                       "number of events they share with the person).",
        "properties": {"name": {"type": "string"}, "slug": {"type": "string"},
                       "count": {"type": "integer", "minimum": 1},
                       "url": _string("Their page on this site."),
                       "api_url": _string("Their record in this API.")},
    },
    "People": {
        "type": "object", "required": ["query", "sort", "total", "people"],
        "properties": {
            "query": {"type": "string"},
            "sort": {"type": "string", "enum": ["name", "count"]},
            "total": {"type": "integer", "description": "Everyone who matches q, before "
                                                        "the limit."},
            "people": {"type": "array", "items": {"$ref": "#/components/schemas/PersonRef"}},
        },
    },
    "Person": {
        "type": "object",
        "required": ["name", "slug", "aliases", "count", "events", "co_figures", "page_url"],
        "description": "One person, every spelling of their name merged (case, accents, "
                       "punctuation, and the index's alias file).",
        "properties": {
            "name": {"type": "string"}, "slug": {"type": "string"},
            "aliases": {"type": "array", "items": {"type": "string"},
                        "description": "Their other spellings, in the index or the alias "
                                       "file."},
            "count": {"type": "integer", "description": "Their number of events."},
            "events": {"type": "array", "description": "Their events, oldest first.",
                       "items": {
                           "type": "object",
                           "required": ["slug", "title", "year", "category", "url"],
                           "properties": {"slug": {"type": "string"},
                                          "title": {"type": "string"},
                                          "year": {"type": ["integer", "null"]},
                                          "category": {"type": ["string", "null"]},
                                          "url": _string("The event's page.")}}},
            "co_figures": {"type": "array", "items": {"$ref": "#/components/schemas/PersonRef"},
                           "description": "The people who appear with them, most shared "
                                          "events first."},
            "page_url": {"type": "string"},
        },
    },
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["status", "title", "message"],
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                           "message": {"type": "string"}}}},
    },
}


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def openapi_document(base: str = "/api") -> dict:
    """The OpenAPI 3.1 description of the API served at ``base``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "eventsearch API", "version": __version__,
                 "description": "Search event narratives. Every error has the Error shape. "
                 "Outside this API, /search.atom?q=... (the parameters of /search "
                 "but sort and page; per_page 50 by default) is an Atom feed of a "
                 "search, newest indexed first."},
        "servers": [{"url": base}],
        "paths": {
            "/search": {"get": {
                "summary": "Search events",
                "parameters": SEARCH_PARAMETERS,
                "responses": {"200": _ok("SearchResults", "A page of results"),
                              "400": ERROR, "503": ERROR},
            }},
            "/events/{slug}": {"get": {
                "summary": "One event, with similar events",
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": _ok("Event", "The event"), "404": ERROR, "503": ERROR},
            }},
            "/suggest": {"get": {
                "summary": "Autocomplete: titles, people and query completions",
                "parameters": [
                    _param("q", "What has been typed so far.", {"type": "string",
                                                                "maxLength": 200}),
                    _param("limit", "How many suggestions.",
                           {"type": "integer", "minimum": 1, "maximum": 20, "default": 8}),
                ],
                "responses": {"200": _ok("Suggestions", "Suggestions, best first"),
                              "400": ERROR, "503": ERROR},
            }},
            "/people": {"get": {
                "summary": "Every person among the key figures, with their number of events",
                "parameters": [
                    _param("q", "Only people with a word of their name (or of another "
                           "spelling of it) starting with each word of q.",
                           {"type": "string", "maxLength": 200}),
                    _param("sort", "By name, or most events first.",
                           {"type": "string", "enum": ["name", "count"], "default": "name"}),
                    _param("limit", "At most this many people (default: everyone).",
                           {"type": "integer", "minimum": 1, "maximum": 10000}),
                ],
                "responses": {"200": _ok("People", "People"), "400": ERROR, "503": ERROR},
            }},
            "/people/{slug}": {"get": {
                "summary": "One person: their events and the people who appear with them",
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": {"type": "string"},
                                "description": "From /people; the slug of another spelling "
                                               "of the name gives the same person."}],
                "responses": {"200": _ok("Person", "The person"), "404": ERROR, "503": ERROR},
            }},
            "/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI document"}},
            }},
        },
        "components": {
            "schemas": SCHEMAS,
            "responses": {"Error": {
                "description": "Any error: 400 bad parameter, 404 unknown, 405 wrong method, "
                               "503 no index yet.",
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}},
            }},
        },
    }
