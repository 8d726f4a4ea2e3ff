"""The bundled corpus: event pages of the history of AI, their timeline and their synonyms
file, installed as package data with eventsearch."""

from importlib.resources import files
from pathlib import Path

#: The folder of the bundled corpus (read through importlib.resources: a real folder, in
#: an installed wheel as in a checkout).
BUNDLED_CORPUS = Path(str(files(__name__)))
