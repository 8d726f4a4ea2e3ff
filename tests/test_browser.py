"""End to end in real headless Chromium (Debian's package) driven by Playwright.

The site runs under waitress on 127.0.0.1, over a real index of the bundled corpus.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (pip install -e .[test])")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                       "(scripts/test.sh installs it with apt-get when run as root)"),
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
#: Refreshed when EVENTSEARCH_UPDATE_SCREENSHOT=1; otherwise the run's shot goes to tmp_path.
SCREENSHOT = ROOT / "docs" / "screenshot-results.png"


@pytest.fixture(scope="module")
def site(app):
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """Open a page in a browser context of its own (``width``, ``height``, and any other
    context option), its console errors gathered in ``page.problems``; every context is
    closed when the test ends, passed or failed."""
    contexts = []

    def opened(width: int = 1280, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        return page

    yield opened
    for context in contexts:
        context.close()
    

@pytest.fixture
def page(open_page):
    return open_page()


def test_search_with_a_suggestion_facet_and_section_link(page, site, tmp_path):
    page.goto(f"{site}/")
    box = page.get_by_role("combobox", name="Search events")
    box.click()
    box.press_sequentially("Mistral effic", delay=40)
    options = page.get_by_role("option")
    # Suggestions for a shorter prefix may show first: wait for those of the whole text.
    options.filter(has_text="mistral efficiency").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    wanted = next(i for i, t in enumerate(texts) if t.startswith("mistral efficiency"))
    for _ in range(wanted + 1):
        box.press("ArrowDown")
    assert options.nth(wanted).get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == options.nth(wanted).get_attribute("id")
    box.press("Enter")  # takes the suggestion
    assert box.input_value() == "mistral efficiency"
    assert page.get_by_role("listbox").is_hidden()
    box.press("Enter")  # submits the form
    page.wait_for_url("**/search?q=mistral+efficiency")

    titles = page.locator(".hit-title a").all_inner_texts()
    assert "Mistral 7B" in titles[:3]
    first = page.locator(".hit").first
    assert first.locator(".snippet mark").count() > 0
    assert "3 with all the words" in page.get_by_role("status").inner_text()
    update = os.environ.get("EVENTSEARCH_UPDATE_SCREENSHOT") == "1"
    shot = SCREENSHOT if update else tmp_path / SCREENSHOT.name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    page.locator(".facets").get_by_role("link", name="Model", exact=True).click()
    page.wait_for_url("**category=Model**")
    assert "2 with all the words" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="Remove filter Category: Model").is_visible()

    section = page.locator(".section-hits a").first
    href = section.get_attribute("href")
    anchor = href.split("#", 1)[1]
    section.click()
    page.wait_for_url(f"**#{anchor}")
    top = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
    assert 0 <= top < 900
    assert page.locator("mark").count() > 0  # the query's words, highlighted on the story
    assert page.problems == []


def test_keyboard_escape_closes_suggestions_and_focus_is_visible(page, site):
    page.goto(f"{site}/")
    box = page.get_by_role("combobox", name="Search events")
    box.click()
    box.press_sequentially("yann", delay=40)
    page.get_by_role("option").first.wait_for()
    box.press("Escape")
    assert page.get_by_role("listbox").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert page.problems == []


def test_works_without_javascript(open_page, site):
    page = open_page(java_script_enabled=False)
    page.goto(f"{site}/")
    page.fill("#q", "Mistral efficiency")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=Mistral+efficiency")
    assert "Mistral 7B" in page.locator(".hit-title a").all_inner_texts()
    page.goto(f"{site}/people")
    page.fill("#people-q", "lecun")
    page.press("#people-q", "Enter")
    page.wait_for_url("**/people?q=lecun")
    assert page.locator(".people-list a").all_inner_texts() == ["Yann LeCun"]


def test_phone_width_and_dark_mode(open_page, site):
    page = open_page(375, 740, color_scheme="dark")
    page.goto(f"{site}/search?q=neural+network")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(x) for x in background[4:-1].split(",")[:3])
    assert red + green + blue < 150, background


def test_pages_load_without_console_errors(page, site):
    for path in ("/", "/search?q=chess", "/events/eliza", "/timeline", "/help",
                 "/events/no-such-event", "/people", "/people/geoffrey-hinton",
                 "/people/no-such-person"):
        page.goto(f"{site}{path}")
    assert page.problems == [] or all("404" in p for p in page.problems)


def test_people_search_a_person_their_timeline_and_a_co_figure(page, site):
    page.goto(f"{site}/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="People").click()
    page.wait_for_url("**/people")
    box = page.get_by_role("searchbox", name="Find a person")
    box.fill("hinton")
    box.press("Enter")
    page.wait_for_url("**/people?q=hinton")
    people = page.locator(".people-list a")
    assert people.all_inner_texts() == ["Geoffrey Hinton"]
    assert "7 events" in page.locator(".people-list li").first.inner_text()

    people.first.click()
    page.wait_for_url("**/people/geoffrey-hinton")
    assert page.get_by_role("heading", level=1).inner_text() == "Geoffrey Hinton"
    chart = page.locator("svg.year-chart")
    assert chart.is_visible() and chart.locator("rect").count() >= 5
    assert page.locator(".person-events a").count() == 7
    co_figure = page.locator(".co-figures a").first
    name = co_figure.inner_text()
    co_figure.click()
    page.wait_for_url("**/people/*")
    assert page.get_by_role("heading", level=1).inner_text() == name
    # and back: Geoffrey Hinton is among the people who appear with them.
    assert page.locator(".co-figures").get_by_role("link", name="Geoffrey Hinton").count() == 1

    page.get_by_role("link", name=f"Search events with {name}").click()
    page.wait_for_url("**/search?figure=*")
    assert page.get_by_role("link", name=f"Remove filter Person: {name}").is_visible()
    assert page.problems == []


def test_people_sorting_and_a_figure_link_from_an_event(page, site):
    page.goto(f"{site}/people")
    page.get_by_role("link", name="Most events first").click()
    page.wait_for_url("**/people?sort=count")
    first = page.locator(".people-list li").first.inner_text()
    assert first.startswith("Ilya Sutskever") and "10 events" in first
    page.goto(f"{site}/events/gpt-3")
    page.locator(".figures").get_by_role("link", name="Tom B. Brown").click()
    page.wait_for_url("**/people/tom-brown")
    assert "Also written" in page.locator(".aliases").inner_text()
    assert page.locator(".person-events a").all_inner_texts() == ["GPT-3",
                                                                  "Anthropic Is Founded"]
    assert page.problems == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_phone_shows_results_first_and_folds_the_facets(open_page, site, javascript):
    page = open_page(390, 844, java_script_enabled=javascript)
    page.goto(f"{site}/search?q=neural")
    total = int(page.get_by_role("status").inner_text().split()[0])
    first = page.locator(".hit-title").first.bounding_box()
    assert first["y"] + first["height"] <= 844  # the first title is whole above the fold
    summary = page.locator(".facets summary")
    assert summary.is_visible() and summary.inner_text() == "Filters"
    facet = page.locator(".facets").get_by_role("link", name="Research", exact=True)
    assert facet.is_hidden()

    summary.click()
    assert facet.is_visible()
    assert page.locator(".facets").get_by_role("link", name="1980s").is_visible()
    facet.click()
    page.wait_for_url("**category=Research**")
    assert int(page.get_by_role("status").inner_text().split()[0]) < total
    assert page.get_by_role("link", name="Remove filter Category: Research").is_visible()
    assert summary.inner_text() == "Filters (1)"  # folded again, with the count in force
    assert page.locator(".facets").get_by_role("link", name="1980s").is_hidden()
    first = page.locator(".hit-title").first.bounding_box()
    assert first["y"] + first["height"] <= 844


def test_phone_filters_open_from_the_keyboard_with_a_visible_focus(open_page, site):
    page = open_page(390, 844)
    page.goto(f"{site}/search?q=neural")
    page.get_by_role("link", name="JSON API").focus()
    page.keyboard.press("Shift+Tab")  # the summary is the facets' only stop when folded
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Filters"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.locator(".facets").get_by_role("link", name="Research", exact=True).is_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_wide_screen_keeps_the_facets_as_a_sidebar(open_page, site, javascript):
    page = open_page(1280, 900, java_script_enabled=javascript)
    page.goto(f"{site}/search?q=neural")
    assert page.locator(".facets summary").is_hidden()
    for name in ("Research", "1980s", "Geoffrey Hinton"):
        assert page.locator(".facets").get_by_role("link", name=name, exact=True).is_visible()
    results = page.locator(".results").bounding_box()
    facets = page.locator(".facets").bounding_box()
    assert facets["x"] >= results["x"] + results["width"]  # beside the results, on the right
    assert facets["y"] == results["y"]
