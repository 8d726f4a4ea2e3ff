"""People: one person across spellings, their events and co-figures, in the Python API,
the pages and the JSON API, over real indexes on disk and the real Flask app."""

from __future__ import annotations

import re
import shutil

import jsonschema
import pytest
from click.testing import CliRunner
from eventsearch.web import create_app
from eventsearch.web.cli import cli

from eventsearch import (
    Aliases,
    AliasesError,
    Event,
    EventRef,
    Person,
    PersonRef,
    QueryError,
    Section,
    create_index,
    open_index,
)
from tests.conftest import CORPUS

HOSTILE = "<script>alert('x')</script> & \"Mallory\""

ALIASES = """\
# The test's alias file.
Geoffrey Hinton | Geoff Hinton    # the canonical name first
Yann LeCun | Yann Le Cun
"""


def event(slug: str, year: int | None, *figures: str) -> Event:
    title = slug.capitalize()
    return Event(slug=slug, url=f"https://example.org/{slug}.html", title=title, year=year,
                 category="Research", summary=f"The {title} story.",
                 sections=(Section("What happened", "what", f"{title} happened."),),
                 figures=figures, impact="", related=())


EVENTS = [
    event("alpha", 1990, "Geoffrey Hinton", "Yann LeCun", "John Smith"),
    event("beta", 1995, "Geoff Hinton", "Yann Le Cun", "J. Smith"),
    event("gamma", 2001, "geoffrey  HINTON", "Jürgen Schmidhuber", HOSTILE),
    event("delta", None, "Jurgen Schmidhuber", "Yann LeCun"),
    event("epsilon", 2010, "Fei-Fei Li"),
    event("zeta", 2012, "Fei Fei Li", "John Smith"),
]


@pytest.fixture(scope="module")
def people_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("people-index")
    aliases = folder.parent / "people-aliases.txt"
    aliases.write_text(ALIASES, encoding="utf-8")
    index = create_index(folder)
    index.update(EVENTS)
    index.use_aliases(aliases)
    return index


@pytest.fixture(scope="module")
def people_client(people_index):
    return create_app({"INDEX": str(people_index.path), "TESTING": True}).test_client()


def names(refs) -> list[str]:
    return [ref.name for ref in refs]


# -- the Python API ----------------------------------------------------------------------


def test_spellings_merge_by_the_alias_file_and_by_normalisation_only(people_index):
    hinton = people_index.person("geoffrey-hinton")
    assert isinstance(hinton, Person)
    assert (hinton.name, hinton.count) == ("Geoffrey Hinton", 3)
    assert hinton.aliases == ("Geoff Hinton", "geoffrey  HINTON")
    assert [e.slug for e in hinton.events] == ["alpha", "beta", "gamma"]
    assert people_index.person("yann-lecun").count == 3  # Yann Le Cun, by the alias file
    fei_fei = people_index.person("fei-fei-li")  # Fei-Fei Li: punctuation
    assert (fei_fei.name, fei_fei.aliases, fei_fei.count) == ("Fei Fei Li", ("Fei-Fei Li",), 2)
    schmidhuber = people_index.person("jurgen-schmidhuber")  # Jurgen: accents
    assert (schmidhuber.name, schmidhuber.aliases, schmidhuber.count) == (
        "Jürgen Schmidhuber", ("Jurgen Schmidhuber",), 2)  # a tie: the accents shown
    # Never guessed: an initial is not a first name unless a line says so.
    assert people_index.person("john-smith").count == 2
    assert people_index.person("j-smith").count == 1
    assert people_index.person("john-smith").aliases == ()


def test_people_without_an_alias_file_are_merged_by_normalisation_alone(tmp_path):
    index = create_index(tmp_path / "index")
    index.update(EVENTS)
    assert index.aliases() == Aliases() and len(index.aliases()) == 0
    assert index.person("geoffrey-hinton").count == 2  # with "geoffrey  HINTON"
    assert index.person("geoff-hinton").count == 1
    assert index.person("yann-le-cun").count == 1


def test_everyone_with_their_counts_sorted_by_name_or_count(people_index):
    everyone = people_index.people()
    assert all(isinstance(ref, PersonRef) for ref in everyone)
    assert [(r.name, r.count) for r in everyone] == [
        ("Fei Fei Li", 2), ("Geoffrey Hinton", 3), ("J. Smith", 1), ("John Smith", 2),
        ("Jürgen Schmidhuber", 2), (HOSTILE, 1),
        ("Yann LeCun", 3)]
    by_count = people_index.people(sort="count")
    assert [r.count for r in by_count] == [3, 3, 2, 2, 2, 1, 1]
    assert names(by_count[:2]) == ["Geoffrey Hinton", "Yann LeCun"]  # ties by name
    assert names(people_index.people(sort="count", limit=1)) == ["Geoffrey Hinton"]
    with pytest.raises(QueryError, match="sort must be one of name, count"):
        people_index.people(sort="age")  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        people_index.people(limit=0)


@pytest.mark.parametrize(("q", "expected"), [
    ("geoff", ["Geoffrey Hinton"]),
    ("HINTON", ["Geoffrey Hinton"]),
    ("le cun", ["Yann LeCun"]),  # another spelling's words
    ("jürg", ["Jürgen Schmidhuber"]),
    ("smith", ["J. Smith", "John Smith"]),
    ("fei-fei", ["Fei Fei Li"]),
    ("nobody", []),
    ("", None),
])
def test_the_name_filter(people_index, q, expected):
    found = names(people_index.people(q=q))
    if expected is None:
        assert found == names(people_index.people())
    else:
        assert found == expected


def test_co_figures_count_shared_events_most_first(people_index):
    hinton = people_index.person("geoffrey-hinton")
    assert hinton.co_figures[0] == PersonRef("Yann LeCun", "yann-lecun", 2)
    assert {(c.slug, c.count) for c in hinton.co_figures[1:]} == {
        ("john-smith", 1), ("j-smith", 1), ("jurgen-schmidhuber", 1),
        ("script-alert-x-script-mallory", 1)}
    lecun = people_index.person("yann-lecun")
    assert [e.slug for e in lecun.events] == ["alpha", "beta", "delta"]  # undated last
    assert lecun.events[-1] == EventRef("delta", "Delta", None, "Research")


def test_a_slug_of_another_spelling_finds_the_person_and_unknown_is_none(people_index):
    assert people_index.person("geoff-hinton").slug == "geoffrey-hinton"
    assert people_index.person("yann-le-cun").slug == "yann-lecun"
    assert people_index.person("nobody") is None
    assert people_index.person("") is None


def test_the_figure_filter_finds_every_spelling_of_a_person(people_index):
    assert people_index.search("", figure="Geoff Hinton").total == 3
    assert people_index.search("", figure="John Smith").total == 2
    assert people_index.search("", figure="smith").total == 3  # a word: as before


def test_the_table_is_made_once_per_version_and_follows_the_alias_file(tmp_path):
    aliases = tmp_path / "people.txt"
    aliases.write_text("Geoffrey Hinton | Geoff Hinton\n", encoding="utf-8")
    index = create_index(tmp_path / "index")
    index.update(EVENTS[:2])
    index.use_aliases(aliases)
    first = index.view().people(index.aliases())
    assert index.view().people(index.aliases()) is first
    assert index.person("geoffrey-hinton").count == 2
    index.update(EVENTS[:3])
    assert index.view().people(index.aliases()) is not first
    assert index.person("geoffrey-hinton").count == 3
    # The file changes: the index keeps its copy until told to read it again.
    aliases.write_text("# nobody\n", encoding="utf-8")
    assert index.person("geoffrey-hinton").count == 3
    index.use_aliases(aliases)
    assert index.person("geoffrey-hinton").count == 2
    reopened = open_index(index.path)
    assert reopened.aliases().source == str(aliases.resolve())
    index.use_aliases(None)
    assert reopened.person("geoff-hinton").count == 1


@pytest.mark.parametrize(("text", "message"), [
    ("Geoffrey Hinton | Geoff Hinton\nGeoff Hinton | G. Hinton\n",
     "line 2: 'Geoff Hinton' is already a name of 'Geoffrey Hinton' (line 1)"),
    ("Yann LeCun | ... \n", "line 1: an empty name"),
    ("Yann LeCun || Yann Le Cun\n", "line 1: an empty name"),
])
def test_a_wrong_alias_file_is_refused_with_its_lines(tmp_path, text, message):
    path = tmp_path / "people.txt"
    path.write_text(text, encoding="utf-8")
    index = create_index(tmp_path / "index")
    with pytest.raises(AliasesError, match=re.escape(message)):
        index.use_aliases(path)
    with pytest.raises(AliasesError, match="cannot read"):
        index.use_aliases(tmp_path / "missing.txt")
    assert index.aliases() == Aliases()


def test_the_bundled_corpus_merges_its_own_variants(corpus_index):
    brown = corpus_index.person("tom-brown")
    assert brown.aliases[-1] == "Tom B. Brown" and "Tom B. Brown" in brown.aliases
    assert {e.slug for e in brown.events} == {"gpt-3", "anthropic-founded"}
    assert corpus_index.person("peter-brown").count == 1  # another Brown
    assert corpus_index.person("tom-b-brown").slug == "tom-brown"
    assert corpus_index.person("lukasz-kaiser").name == "Łukasz Kaiser"
    assert corpus_index.people(q="Hinton")[0].count == 7


# -- the pages -------------------------------------------------------------------------


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def listed(html: str) -> list[tuple[str, str]]:
    """(href, name) of each person in the list of /people."""
    return re.findall(r'<li><a href="(/people/[^"]+)">([^<]+)</a>', html)


def test_the_people_page_lists_counts_filters_and_sorts(people_client):
    html = page(people_client, "/people")
    assert ("/people/geoffrey-hinton", "Geoffrey Hinton") in listed(html)
    assert len(listed(html)) == 7 and "7 people" in html
    assert re.search(r'Geoffrey Hinton</a>\s*<span class="count">3 events</span>', html)
    assert re.search(r'J. Smith</a>\s*<span class="count">1 event</span>', html)
    found = page(people_client, "/people?q=geoff")
    assert listed(found) == [("/people/geoffrey-hinton", "Geoffrey Hinton")]
    assert "1 of 7 people match “geoff”" in found
    by_count = page(people_client, "/people?sort=count")
    assert [name for _, name in listed(by_count)][:2] == ["Geoffrey Hinton", "Yann LeCun"]
    assert '<strong aria-current="true">Most events first</strong>' in by_count
    # The form keeps the order; the sort links keep the filter.
    assert '<input type="hidden" name="sort" value="count">' in by_count
    assert 'href="/people?q=smith&amp;sort=count"' in page(people_client, "/people?q=smith")
    assert "Nobody’s name" in page(people_client, "/people?q=zzz")
    assert "sort must be one of" in page(people_client, "/people?sort=age", 400)
    page(people_client, "/people?q=" + "x" * 201, 400)


def test_a_person_page_has_a_timeline_events_and_co_figures(people_client):
    html = page(people_client, "/people/geoffrey-hinton")
    assert "<h1>Geoffrey Hinton</h1>" in html
    assert "Also written <span>Geoff Hinton</span>, <span>geoffrey  HINTON</span>" in html
    assert '<svg class="year-chart"' in html and "3 events from 1990 to 2001" in html
    assert 'href="/search?figure=Geoffrey+Hinton&amp;year=1995"' in html  # a bar
    for slug in ("alpha", "beta", "gamma"):
        assert f'href="/events/{slug}"' in html
    assert re.search(r'<a href="/people/yann-lecun">Yann LeCun</a>\s*'
                     r'<span class="count">2 events together</span>', html)
    assert '<a href="/search?figure=Geoffrey+Hinton">Search events with Geoffrey Hinton</a>' \
        in html
    search = page(people_client, "/search?figure=Geoffrey+Hinton")
    assert "3 results" in search  # every spelling, as the person page counts


def test_another_spelling_redirects_and_an_unknown_person_is_a_404_page(people_client):
    response = people_client.get("/people/geoff-hinton")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/people/geoffrey-hinton")
    html = page(people_client, "/people/no-such-person", 404)
    assert "There is no person called “no-such-person”." in html and "<html" in html
    html = page(people_client, "/people/%3Cscript%3Ealert(1)", 404)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_figure_names_link_to_person_pages(people_client):
    html = page(people_client, "/events/beta")
    assert '<a href="/people/geoffrey-hinton">Geoff Hinton</a>' in html
    assert '<a href="/people/j-smith">J. Smith</a>' in html
    results = page(people_client, "/search?q=happened")
    assert '<a href="/people/yann-lecun">Yann Le Cun</a>' in results


@pytest.mark.parametrize("url", ["/people", "/people?q=mallory",
                                 "/people/script-alert-x-script-mallory",
                                 "/people/geoffrey-hinton", "/events/gamma",
                                 "/search?q=gamma"])
def test_a_hostile_name_is_escaped_everywhere(people_client, url):
    html = page(people_client, url)
    assert "<script>alert(" not in html and '"Mallory"<' not in html
    assert "&lt;script&gt;alert(" in html


def test_a_hostile_query_is_escaped(people_client):
    html = page(people_client, '/people?q="><script>alert(1)</script>')
    assert "<script>alert(1)" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


# -- the JSON API ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(people_client):
    return people_client.get("/api/openapi.json").get_json()


def validate(document: dict, schema_name: str, body: dict) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}",
              "components": document["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)


def test_api_people_takes_q_sort_and_limit(people_client, people_index, openapi):
    body = people_client.get("/api/people").get_json()
    validate(openapi, "People", body)
    assert [p["name"] for p in body["people"]] == names(people_index.people())
    assert body["people"][1] == {"name": "Geoffrey Hinton", "slug": "geoffrey-hinton",
                                 "count": 3, "url": "/people/geoffrey-hinton",
                                 "api_url": "/api/people/geoffrey-hinton"}
    body = people_client.get("/api/people?q=smith&sort=count&limit=1").get_json()
    validate(openapi, "People", body)
    assert (body["query"], body["sort"], body["total"]) == ("smith", "count", 2)
    assert [p["name"] for p in body["people"]] == ["John Smith"]


def test_api_person_has_aliases_events_and_co_figures(people_client, openapi):
    body = people_client.get("/api/people/geoffrey-hinton").get_json()
    validate(openapi, "Person", body)
    assert (body["name"], body["slug"], body["count"]) == ("Geoffrey Hinton",
                                                          "geoffrey-hinton", 3)
    assert body["aliases"] == ["Geoff Hinton", "geoffrey  HINTON"]
    assert body["events"][0] == {"slug": "alpha", "title": "Alpha", "year": 1990,
                                 "category": "Research", "url": "/events/alpha"}
    assert body["co_figures"][0] == {"name": "Yann LeCun", "slug": "yann-lecun", "count": 2,
                                     "url": "/people/yann-lecun",
                                     "api_url": "/api/people/yann-lecun"}
    assert body["page_url"] == "/people/geoffrey-hinton"
    hostile = people_client.get("/api/people/script-alert-x-script-mallory").get_json()
    assert hostile["name"] == HOSTILE  # JSON carries the text as it is


@pytest.mark.parametrize(("url", "status"), [
    ("/api/people/nobody", 404), ("/api/people?sort=age", 400), ("/api/people?limit=0", 400),
    ("/api/people?limit=x", 400), ("/api/people?q=" + "x" * 201, 400),
])
def test_api_people_errors_share_the_error_shape(people_client, openapi, url, status):
    response = people_client.get(url)
    assert response.status_code == status
    validate(openapi, "Error", response.get_json())


def test_no_index_is_a_503(tmp_path):
    client = create_app({"INDEX": str(tmp_path / "none"), "TESTING": True}).test_client()
    assert client.get("/api/people").status_code == 503
    assert client.get("/people/x").status_code == 503


def test_the_cli_indexes_the_alias_file_and_a_running_site_sees_its_changes(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("gpt-3.html", "anthropic-founded.html", "people.txt"):
        shutil.copy(CORPUS / name, pages)
    target = tmp_path / "index"
    runner = CliRunner()
    done = runner.invoke(cli, ["index", str(pages), "--index", str(target)])
    assert done.exit_code == 0, done.output
    assert f"names with aliases from {pages / 'people.txt'}" in done.output
    site = create_app({"INDEX": str(target), "TESTING": True}).test_client()
    assert site.get("/api/people/tom-brown").get_json()["count"] == 2

    (pages / "people.txt").write_text("# nobody\n", encoding="utf-8")
    assert runner.invoke(cli, ["index", str(pages), "--index", str(target)]).exit_code == 0
    assert site.get("/api/people/tom-brown").get_json()["count"] == 1  # no restart
    assert site.get("/api/people/tom-b-brown").get_json()["count"] == 1
    assert open_index(target).aliases().source == str(pages / "people.txt")

    (pages / "people.txt").write_text("Tom Brown | Tom B. Brown\nTom B. Brown\n")
    broken = runner.invoke(cli, ["index", str(pages), "--index", str(target)])
    assert broken.exit_code == 1
    assert "line 2: 'Tom B. Brown' is already a name of 'Tom Brown'" in broken.output
    assert site.get("/api/people/tom-brown").get_json()["count"] == 1  # the copy stands
