"""How the web shows what the search layer returns: snippets as escaped HTML with <mark>."""

from __future__ import annotations

from eventsearch.search import Snippet
from markupsafe import Markup, escape


def snippet_html(snippet: Snippet) -> Markup:
    """A snippet as safe HTML: its text escaped, each match in ``<mark>``."""
    return Markup("").join(Markup("<mark>{}</mark>").format(part) if marked else escape(part)
                           for part, marked in snippet.parts())


def snippet_json(snippet: Snippet) -> dict:
    """A snippet as the JSON API gives it: the text, the matches, and a ready HTML form."""
    return {"text": snippet.text, "matches": [list(span) for span in snippet.matches],
            "html": str(snippet_html(snippet))}
