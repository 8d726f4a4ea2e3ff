"""Shared fixtures: paths to the bundled corpus and to the fixture pages."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = FIXTURES / "pages"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return PAGES


@pytest.fixture(scope="session")
def corpus_events():
    from eventsearch.ingest import load_directory

    return load_directory(CORPUS).events


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, corpus_events):
    """A real Whoosh index of the bundled corpus, on disk, shared by read-only tests."""
    from eventsearch.search import create_index

    index = create_index(tmp_path_factory.mktemp("corpus-index"))
    index.update(corpus_events)
    index.use_synonyms(CORPUS / "synonyms.txt")  # as `eventsearch index` gives it
    index.use_aliases(CORPUS / "people.txt")  # and its alias file of people's names
    return index


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture(scope="session")
def app(corpus_index):
    """The real Flask app over the real corpus index."""
    from eventsearch.web import create_app

    return create_app({"INDEX": str(corpus_index.path), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
