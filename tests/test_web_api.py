"""The JSON API: same answers as the Python API, one error shape, an honest OpenAPI document."""

from __future__ import annotations

import itertools
from dataclasses import fields

import jsonschema
import pytest
from eventsearch.web import create_app
from eventsearch.web.params import SearchParams
from eventsearch.web.render import snippet_json

DOCUMENTED_STATUS = {400, 404, 405, 503}


def validate(document: dict, schema_name: str, body: dict) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}",
              "components": document["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)


@pytest.fixture(scope="module")
def openapi(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_search_returns_what_the_python_api_returns(client, corpus_index, openapi):
    response = client.get("/api/search?q=Mistral+efficiency&year=2020..2025&per_page=5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    validate(openapi, "SearchResults", body)
    expected = corpus_index.search("Mistral efficiency", year=(2020, 2025), per_page=5)
    expected_body = expected.to_dict()
    for key in ("elapsed_ms",):
        body.pop(key), expected_body.pop(key)
    assert body.pop("pages") == expected.pages
    assert body == {**expected_body, "hits": [
        {**h, "figures": list(h["figures"]), "snippet": snippet_json(hit.snippet),
         "sections": [{**s, "snippet": snippet_json(section.snippet)}
                      for s, section in zip(h["sections"], hit.sections, strict=True)]}
        for h, hit in zip(expected_body["hits"], expected.hits, strict=True)], "facets": {
        k: list(v) for k, v in expected_body["facets"].items()}, "notes": [],
        "expansions": [{**e, "also": list(e["also"])} for e in expected_body["expansions"]]}


@pytest.mark.parametrize("query", [
    "category=model&sort=-year", "figure=Yann+LeCun", "year=1990..", "year=..1960&sort=year",
    "q=transfor*&page=2&per_page=3", "q=Mistrall+efficency",
])
def test_search_parameters_follow_the_document(client, openapi, query):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200
    validate(openapi, "SearchResults", response.get_json())


def test_event_and_suggest_endpoints(client, openapi):
    event = client.get("/api/events/mistral-7b").get_json()
    validate(openapi, "Event", event)
    assert event["title"] == "Mistral 7B" and event["page_url"] == "/events/mistral-7b"
    assert event["similar"] and all(s["slug"] != "mistral-7b" for s in event["similar"])


def test_event_json_shows_no_server_paths(client, openapi, corpus_dir):
    response = client.get("/api/events/mistral-7b")
    body = response.get_data(as_text=True)
    assert "file:" not in body and str(corpus_dir) not in body
    event = response.get_json()
    assert event["url"] is None and event["related"]
    assert all(link["url"] is None for link in event["related"])


def test_suggest_endpoint(client, openapi):
    suggestions = client.get("/api/suggest?q=yann").get_json()
    validate(openapi, "Suggestions", suggestions)
    assert {"text": "Yann LeCun", "kind": "figure", "slug": None,
            "url": "/search?figure=Yann+LeCun"} in suggestions["suggestions"]
    words = client.get("/api/suggest?q=Mistral+effic&limit=3").get_json()["suggestions"]
    assert "mistral efficiency" in [s["text"] for s in words]
    assert client.get("/api/suggest?q=").get_json()["suggestions"] == []


@pytest.mark.parametrize(("url", "status"), [
    ("/api/search?page=0", 400), ("/api/search?page=x", 400), ("/api/search?per_page=101", 400),
    ("/api/search?sort=best", 400), ("/api/search?year=abc", 400),
    ("/api/search?year=2020..2024..2028", 400), ("/api/search?category=" + "x" * 201, 400),
    ("/api/suggest?limit=0", 400), ("/api/suggest?limit=21", 400),
    # Digits that str.isdigit() accepts but int() does not, and numbers too long for int().
    ("/api/search?page=\u00b2", 400), ("/api/search?per_page=\u00b9", 400),
    ("/api/suggest?limit=\u00b2", 400), ("/api/search?page=\u0661", 400),
    ("/api/search?page=" + "9" * 4301, 400), ("/api/suggest?limit=" + "1" * 5000, 400),
    ("/api/search?year=20202024", 400), ("/api/search?year=2020+2024", 400),
    ("/api/search?year=12345", 400), ("/api/search?year=\u00b2\u00b2", 400),
    ("/api/events/no-such-event", 404), ("/api/nothing-here", 404), ("/api/", 404),
])
def test_errors_share_one_shape(client, openapi, url, status):
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "application/json"
    body = response.get_json()
    validate(openapi, "Error", body)
    assert body["error"]["status"] == status and body["error"]["message"]


def test_wrong_method_and_no_index(client, openapi, tmp_path):
    response = client.post("/api/search")
    assert response.status_code == 405
    validate(openapi, "Error", response.get_json())
    empty = create_app({"INDEX": str(tmp_path / "none"), "TESTING": True}).test_client()
    for url in ("/api/search?q=x", "/api/events/eliza", "/api/suggest?q=x"):
        response = empty.get(url)
        assert response.status_code == 503
        validate(openapi, "Error", response.get_json())


def test_openapi_documents_exactly_the_routes_and_parameters(app, openapi):
    routes = {rule.rule.removeprefix("/api").replace("<slug>", "{slug}")
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and "<path:rest>" not in rule.rule
              and rule.rule != "/api/"}
    assert routes == set(openapi["paths"])
    search = openapi["paths"]["/search"]["get"]
    # Every parameter the web reads (web/params.py), and no other.
    assert {p["name"] for p in search["parameters"]} == {f.name for f in fields(SearchParams)}
    assert "explain" in {p["name"] for p in search["parameters"]}
    for operation in (p["get"] for p in openapi["paths"].values()):
        assert {int(code) for code in operation["responses"]} - {200} <= DOCUMENTED_STATUS
    jsonschema.Draft202012Validator.check_schema(
        {"$defs": openapi["components"]["schemas"]})


def test_documented_limits_are_the_enforced_limits(client, openapi):
    for parameter in openapi["paths"]["/search"]["get"]["parameters"]:
        schema = parameter["schema"]
        name = parameter["name"]
        if schema.get("type") == "integer":
            for value, ok in ((schema["minimum"], True), (schema["maximum"], True),
                              (schema["minimum"] - 1, False), (schema["maximum"] + 1, False)):
                status = client.get(f"/api/search?q=x&{name}={value}").status_code
                assert status == (200 if ok else 400), (name, value)
        if "enum" in schema:
            for value in schema["enum"]:
                assert client.get(f"/api/search?{name}={value}").status_code == 200


HOSTILE_VALUES = [
    '"><script>alert(1)</script>', "' OR 1=1 --", "%00%01", "\u202e\ufeff", "🤖" * 50,
    "(((((", "year:abc", "-", "*", "x" * 3000, "%E0%A4%A", "../../etc/passwd", "{{7*7}}",
]


@pytest.mark.parametrize(("path", "name"), list(itertools.product(
    ["/api/search", "/search", "/api/suggest", "/", "/search.atom", "/api/people", "/people"],
    ["q", "year", "category", "figure", "sort", "page", "per_page", "limit"])))
def test_nothing_a_client_sends_causes_a_500(client, path, name):
    for value in HOSTILE_VALUES:
        response = client.get(path, query_string={name: value})
        assert response.status_code in (200, 400), (path, name, value, response.status_code)
    for slug in HOSTILE_VALUES:
        assert client.get(f"/events/{slug}").status_code in (404, 308)
        assert client.get(f"/api/events/{slug}").status_code in (404, 308)
        assert client.get(f"/people/{slug}").status_code in (404, 308)
        assert client.get(f"/api/people/{slug}").status_code in (404, 308)
