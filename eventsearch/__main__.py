"""``python -m eventsearch`` runs the eventsearch command."""

from eventsearch.web.cli import main

main()
