"""The bundled corpus: event pages of the history of AI, and their synonyms file. Package
data, read with importlib.resources (eventsearch.web.cli, BUNDLED_CORPUS)."""
