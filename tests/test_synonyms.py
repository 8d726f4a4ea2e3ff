"""Synonyms: the file format, the bundled file against the corpus, and what they do to
searches in the Python API, the JSON API, the page and the CLI."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
from click.testing import CliRunner
from eventsearch.search import SynonymsError, create_index, open_index
from eventsearch.search.analysis import query_terms
from eventsearch.search.synonyms import SYNONYM_BOOST, load_synonyms, parse_synonyms
from eventsearch.web import create_app
from eventsearch.web.cli import cli

from tests.conftest import CORPUS

BUNDLED = CORPUS / "synonyms.txt"


def test_the_format_two_way_one_way_multi_word_and_comments():
    found = parse_synonyms("""
# a comment line
LLM, LLMs, large language model   # a comment after a group

GPT => generative pre-trained transformer
""")
    assert len(found) == 2
    assert found.of(("llm",)) == ("LLMs", "large language model")
    assert found.of(("larg", "languag", "model")) == ("LLM", "LLMs")
    assert found.of(("gpt",)) == ("generative pre-trained transformer",)
    assert found.of(tuple(query_terms("generative pre-trained transformer"))) == ()  # one-way
    assert found.knows("LLMs") and not found.knows("model")


@pytest.mark.parametrize(("text", "message"), [
    ("LLM", "line 1: a group needs at least two forms"),
    ("x\n\nB => ", "line 1: a group needs at least two forms.*; line 3: a one-way line needs"),
    ("a => b => c", "line 1: more than one '=>'"),
    ("LLM, the", "line 1: 'the' has no word that is searched"),
])
def test_a_bad_line_is_named_with_its_number(text, message):
    with pytest.raises(SynonymsError, match=message):
        parse_synonyms(text)


def test_the_bundled_file_covers_the_field_as_the_corpus_writes_it(corpus_events):
    synonyms = load_synonyms(BUNDLED)
    assert len(synonyms) >= 40
    for acronym in ("LLM", "RLHF", "CNN", "RNN", "LSTM", "GAN", "SVM", "MoE", "GPU", "TPU",
                    "NLP", "AGI", "RL", "MLP", "NN", "ASR", "CV", "seq2seq"):
        assert synonyms.knows(acronym), acronym
    pages = [tuple(query_terms(" ".join((e.title, e.summary, e.body, e.impact))))
             for e in corpus_events]

    def on_a_page(form: str) -> bool:
        terms = tuple(query_terms(form))
        return any(page[i:i + len(terms)] == terms
                   for page in pages for i in range(len(page) - len(terms) + 1))

    groups = [line.split("#")[0] for line in BUNDLED.read_text().splitlines()
              if line.split("#")[0].strip()]
    for line in groups:
        forms = [f.strip() for f in line.replace("=>", ",").split(",")]
        assert any(on_a_page(form) for form in forms), f"no form of {line!r} is in the corpus"


@pytest.mark.parametrize(("query", "about"), [
    ("RLHF", "instructgpt-rlhf"), ("LLM", "gpt-3"), ("CNN", "convolutional-networks-lenet"),
    ("MoE", "mixtral-8x7b"), ("GAN", "generative-adversarial-networks"),
    ("LSTM", "lstm"), ("TPU", "google-tpu"), ("seq2seq", "sequence-to-sequence-learning"),
])
def test_acronyms_find_the_events_about_them(corpus_index, query, about):
    results = corpus_index.search(query)
    assert about in [hit.slug for hit in results.hits[:5]], [h.slug for h in results.hits]
    assert results.expansions and results.expansions[0].typed == query
    assert results.suggestion is None  # a known acronym is not "corrected"


def test_without_synonyms_the_acronyms_find_nothing(corpus_index):
    for query in ("RLHF", "LLM", "CNN", "MoE"):
        assert corpus_index.search(query, synonyms=False).total == 0
        assert corpus_index.search(f"={query}").total == 0
        assert corpus_index.search(f"={query}").expansions == ()


def test_a_synonym_counts_less_than_the_words_typed(corpus_index):
    """RLHF is on no page: each page scores as if it held its synonym SYNONYM_BOOST times
    as often, less than the same page for the synonym typed."""
    assert 0 < SYNONYM_BOOST < 1
    by_synonym = {h.slug: h.score for h in corpus_index.search("RLHF", per_page=20).hits}
    typed = corpus_index.search('"reinforcement learning from human feedback"', per_page=20)
    assert set(by_synonym) == {h.slug for h in typed.hits} and by_synonym
    for hit in typed.hits:
        assert 0 < by_synonym[hit.slug] < hit.score


def test_the_page_that_writes_the_word_ranks_above_the_one_that_writes_its_synonym(
        tmp_path, corpus_events):
    base = next(e for e in corpus_events if e.slug == "eliza")
    text = "A short story about a {} that learned to draw faces."
    events = [dataclasses.replace(base, slug=slug, title=f"Story {slug}", content_hash="",
                                  summary=text.format(words), sections=(), impact="")
              for slug, words in (("typed", "GAN"), ("synonym",
                                                    "generative adversarial network"))]
    index = create_index(tmp_path / "index")
    index.update(events)
    index.use_synonyms(BUNDLED)
    for query in ("GAN", "generative adversarial network"):
        hits = index.search(query).hits
        assert len(hits) == 2
        first = "typed" if query == "GAN" else "synonym"
        assert hits[0].slug == first, query


def test_synonyms_apply_inside_phrases_with_minus_and_fields(corpus_index):
    inside = {h.slug for h in corpus_index.search('"MoE model"', per_page=50).hits}
    written = {h.slug for h in corpus_index.search('"mixture of experts model"',
                                                   per_page=50).hits}
    assert inside == written and inside
    with_rlhf = {h.slug for h in corpus_index.search("RLHF", per_page=50).hits}
    without = {h.slug for h in corpus_index.search("language -RLHF", per_page=100).hits}
    assert with_rlhf and not with_rlhf & without
    titled = corpus_index.search("title:CNN", per_page=50).hits
    assert titled and all("onvolutional" in h.title or "CNN" in h.title for h in titled)


def test_runs_of_words_that_make_a_form_find_the_acronym(corpus_index):
    results = corpus_index.search("large language model")
    assert [(e.typed, e.also) for e in results.expansions] == [
        ("large language model", ("LLM", "LLMs"))]


def test_snippets_mark_the_synonym_where_it_matched(corpus_index):
    hit = corpus_index.search("RLHF").hits[0]
    marked = {word.lower() for snippet in (hit.snippet, *(s.snippet for s in hit.sections))
              for word in snippet.marked}
    assert {"reinforcement", "feedback"} <= marked


def test_typo_correction_still_works(corpus_index):
    assert corpus_index.search("Mistrall efficency").suggestion == "mistral efficiency"


def test_the_page_and_the_api_say_what_else_was_searched(client):
    html = client.get("/search?q=RLHF").get_data(as_text=True)
    assert "Also searching:" in html and "reinforcement learning from human feedback" in html
    assert 'href="/search?q=RLHF&amp;synonyms=0"' in html
    typed = client.get("/search?q=RLHF&synonyms=0").get_data(as_text=True)
    assert "No events match" in typed and "Searched only the words as typed" in typed
    body = client.get("/api/search?q=RLHF").get_json()
    assert body["expansions"] == [{"typed": "RLHF",
                                   "also": ["reinforcement learning from human feedback"]}]
    assert body["total"] > 0 and body["synonyms"] is True
    off = client.get("/api/search?q=RLHF&synonyms=0").get_json()
    assert off["total"] == 0 and off["expansions"] == [] and off["synonyms"] is False
    assert client.get("/api/search?q=RLHF&synonyms=maybe").status_code == 400


def test_the_cli_indexes_the_file_and_a_running_site_sees_its_changes(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(CORPUS, pages)
    target = tmp_path / "index"
    runner = CliRunner()
    done = runner.invoke(cli, ["index", str(pages), "--index", str(target)])
    assert done.exit_code == 0, done.output
    assert f"groups from {pages / 'synonyms.txt'}" in done.output
    found = runner.invoke(cli, ["search", "RLHF", "--index", str(target)])
    assert "Also searching: reinforcement learning from human feedback for 'RLHF'" in \
        found.output
    as_json = json.loads(runner.invoke(cli, ["search", "RLHF", "--index", str(target),
                                             "--json"]).output)
    assert as_json["expansions"][0]["typed"] == "RLHF" and as_json["total"] > 0
    plain = runner.invoke(cli, ["search", "RLHF", "--index", str(target), "--no-synonyms"])
    assert plain.output.startswith("0 results")

    site = create_app({"INDEX": str(target), "TESTING": True}).test_client()
    assert site.get("/api/search?q=zorblat").get_json()["total"] == 0
    with open(pages / "synonyms.txt", "a", encoding="utf-8") as handle:
        handle.write("\nzorblat, Mistral\n")
    assert runner.invoke(cli, ["index", str(pages), "--index", str(target)]).exit_code == 0
    assert site.get("/api/search?q=zorblat").get_json()["total"] > 0  # no restart
    assert open_index(target).synonyms().source == str(pages / "synonyms.txt")

    (pages / "synonyms.txt").write_text("LLM\n")
    broken = runner.invoke(cli, ["index", str(pages), "--index", str(target)])
    assert broken.exit_code == 1 and "line 1: a group needs at least two forms" in \
        broken.output
    assert site.get("/api/search?q=zorblat").get_json()["total"] > 0  # the copy stands
    off = runner.invoke(cli, ["index", str(pages), "--index", str(target), "--no-synonyms"])
    assert off.exit_code == 0
    assert site.get("/api/search?q=zorblat").get_json()["total"] == 0
