"""parse_event on our own format and on messy markup from elsewhere."""

from __future__ import annotations

import pytest
from eventsearch.ingest import NotAnEvent, ParseError, RelatedLink, Section, parse_event
from eventsearch.ingest.parse import MAX_PAGE_BYTES, slug_from_url

from tests.conftest import PAGES


def parse_fixture(name: str):
    path = PAGES / name
    return parse_event(path.read_bytes(), path.as_uri())


def test_reference_style_page_keeps_fields_apart():
    event = parse_fixture("reference-style.html")
    assert event.title == "Open Source Models Close the Gap"
    assert event.year == 2025
    assert event.category == "Milestone"
    assert event.figures == ("Mark Zuckerberg", "Yann LeCun", "Arthur Mensch", "Guillaume Lample")
    assert event.summary.startswith("Freely downloadable language models")
    assert [s.heading for s in event.sections] == [
        "Introduction", "A Race Without a Finish Line", "Small and Efficient",
    ]
    assert event.impact == (
        "Organisations everywhere could run capable models on hardware they controlled."
    )
    assert [(r.title, r.slug, r.year) for r in event.related] == [
        ("Meta Llama 2 (Open Source)", "llama-2-open-source", 2023),
        ("ChatGPT Launches", "chatgpt-launch", 2022),
    ]
    # Nothing from the footer, the back link, the script or the related cards leaks in.
    text = event.body + event.summary + event.impact
    for leak in ("Copyright", "Back to AI Timeline", "dataLayer", "Meta's openly licensed"):
        assert leak not in text


def test_nested_inline_tags_entities_and_scripts():
    event = parse_fixture("nested-inline.html")
    assert event.title == "Word2vec Turns Words into Vectors"
    assert event.year == 2013
    assert event.category == "Research"
    assert event.summary == (
        "Tomáš Mikolov’s team at Google showed that a shallow network could learn word "
        "meanings from raw text & do it fast."
    )
    assert event.sections == (
        Section(
            "How it works",
            "how",
            "Each word is mapped to a dense vector; words used in similar contexts end up "
            "close together, so that king − man + woman lands near queen. Two training "
            "schemes, CBOW and skip-gram, predict a word from its neighbours or the reverse.",
        ),
    )
    assert event.figures == ("Tomáš Mikolov", "Kai Chen", "Greg Corrado", "Jeffrey Dean")
    assert event.impact.startswith("Word embeddings became")
    assert [(r.title, r.slug, r.year) for r in event.related] == [
        ("BERT", "bert", 2018),
        ("Attention Is All You Need", "transformer-attention-is-all-you-need", 2017),
    ]
    everything = repr(event)
    for leak in ("injected text", "Archive", "Efficient Estimation", "Example News"):
        assert leak not in everything


def test_page_without_sections_keeps_its_text():
    event = parse_fixture("no-sections.html")
    assert event.title == "The Lighthill Report"
    assert event.summary.startswith("In 1973 the applied mathematician James Lighthill")
    assert event.sections == (
        Section("Introduction", "", "His report judged that the field had not met its early "
                "promises, and funding for AI in British universities fell sharply in the "
                "years that followed."),
    )
    assert event.figures == () and event.related == () and event.impact == ""


def test_script_inside_title_is_dropped_and_site_name_stripped():
    event = parse_fixture("script-in-title.html")
    assert event.title == "Deep Blue Defeats Kasparov"
    assert "alert" not in repr(event)


def test_year_beside_the_title_and_figures_with_roles():
    event = parse_fixture("year-beside-title.html")
    assert event.title == "ELIZA Holds a Conversation"
    assert event.year == 1966
    assert event.figures == ("Joseph Weizenbaum", "Kenneth Colby")
    assert [s.heading for s in event.sections] == ["Why People Confided in It"]


def test_saved_wikipedia_article_gives_real_title_and_headings():
    event = parse_fixture("wikipedia-deep-blue.html")
    assert event.title == "Deep Blue versus Garry Kasparov"
    assert [s.heading for s in event.sections] == ["1996 match", "1997 rematch"]
    assert event.summary.startswith("Deep Blue versus Garry Kasparov was a pair")
    assert [s.anchor for s in event.sections] == ["1996_match", "1997_rematch"]
    assert event.slug == "deep-blue-versus-garry-kasparov"
    assert event.category is None
    text = repr(event)
    for leak in ("[1]", "edit", "Jump to content", "Main menu", "From Wikipedia", "Belle",
                 "newspaper report", "last edited", "12 languages", "Retrieved from"):
        assert leak not in text, leak
    assert [r.title for r in event.related] == ["Computer chess", "Human–computer chess matches"]
    assert event.related[0].url == "https://en.wikipedia.org/wiki/Computer_chess"


@pytest.mark.parametrize(
    "name", ["windows-1252.html", "windows-1252-undeclared.html", "utf16-bom.html",
             "utf8-bom.html"],
)
def test_encodings_come_out_right(name):
    event = parse_fixture(name)
    assert event.title == "Samuel’s Checkers Program — Learning by Playing"
    assert "“machine learning”" in event.summary
    assert "Café" in event.summary
    assert "\ufffd" not in repr(event)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty page"),
        (b"   \n", "empty page"),
        (b"just some words, no markup", "not HTML"),
        (bytes(range(256)) * 8, "not HTML: binary"),
        (b"<html><body><p>No title anywhere in this page at all.</p></body></html>", "no title"),
        (b"<html><head><title>Only a title</title></head><body></body></html>", "no text"),
    ],
)
def test_unparseable_pages_raise_with_a_reason(data, reason):
    with pytest.raises(ParseError, match=reason):
        parse_event(data, "file:///x.html")


def test_page_over_the_size_cap_is_refused():
    big = b"<html><h1>Big</h1><p>" + b"word " * (MAX_PAGE_BYTES // 5) + b"</p></html>"
    with pytest.raises(ParseError, match="too large"):
        parse_event(big, "file:///big.html")


def test_listing_page_is_not_an_event():
    links = "".join(f'<li><a href="e{i}.html">Event number {i}</a></li>' for i in range(8))
    html = f"<html><head><title>Timeline</title></head><body><h1>Timeline</h1><ul>{links}</ul>"
    with pytest.raises(NotAnEvent) as caught:
        parse_event(html, "http://site.test/index.html")
    assert caught.value.links[0] == "http://site.test/e0.html"
    assert len(caught.value.links) == 8


def test_hostile_and_deeply_nested_markup_does_not_crash():
    html = "<h1>Deep</h1>" + "<div>" * 400 + "<p>nested words here for the story</p>" + (
        "</div>" * 400) + '<h2 id="x" onclick="evil()">"><script>alert(1)</script></h2><p>t</p>'
    event = parse_event(html, "file:///deep.html")
    assert event.title == "Deep"
    assert "alert" not in repr(event)


def test_content_hash_follows_content_not_markup():
    page = (PAGES / "no-sections.html").read_text()
    first = parse_event(page, "file:///a/lighthill.html")
    reformatted = parse_event(page.replace("<p>", "<p  >\n"), "file:///b/lighthill.html")
    changed = parse_event(page.replace("sharply", "steeply"), "file:///a/lighthill.html")
    assert first.content_hash == reformatted.content_hash
    assert first.content_hash != changed.content_hash


def test_event_round_trips_through_dict():
    from eventsearch.ingest import Event

    event = parse_fixture("nested-inline.html")
    assert Event.from_dict(event.to_dict()) == event
    assert isinstance(event.related[0], RelatedLink)


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("file:///c/mistral-7b.html", "mistral-7b"),
        ("https://site.test/events/gpt-4/", "gpt-4"),
        ("https://en.wikipedia.org/wiki/Deep_Blue_(chess_computer)", "deep-blue-chess-computer"),
        ("https://site.test/events/alphago/index.html", "alphago"),
    ],
)
def test_slug_from_url(url, slug):
    assert slug_from_url(url) == slug


@pytest.mark.parametrize(("head", "body", "title", "year"), [
    ('<meta property="og:title" content="GPT-2 and Staged Release | Site">'
     '<meta property="article:published_time" content="2019-02-14T10:00:00Z">',
     "<p>OpenAI held back its largest model at first, releasing it in stages.</p>",
     "GPT-2 and Staged Release", 2019),
    ('<title>BERT – Example Archive</title><meta name="date" content="2018-10-11">',
     "<p>Google researchers pre-trained a bidirectional Transformer encoder.</p>",
     "BERT", 2018),
    ("<title>AlexNet</title>",
     '<div class="when"><time datetime="2012-09-30">30 September 2012</time></div>'
     "<p>A deep convolutional network won the ImageNet challenge by a wide margin.</p>",
     "AlexNet", 2012),
])
def test_title_and_year_from_meta_tags_and_time(head, body, title, year):
    event = parse_event(f"<html><head>{head}</head><body>{body}</body></html>",
                        "https://example.org/e/x.html")
    assert (event.title, event.year) == (title, year)


def test_key_people_as_a_run_of_inline_elements():
    html = ("<h1>Deep Learning Award</h1><p>Three researchers shared computing's top prize "
            "for their work on neural networks.</p><h2>Key People</h2>"
            "<p><span>Geoffrey Hinton</span><span>Yann LeCun</span><span>Yoshua Bengio</span>"
            "</p>")
    event = parse_event(html, "https://example.org/e/award.html")
    assert event.figures == ("Geoffrey Hinton", "Yann LeCun", "Yoshua Bengio")
