"""``python -m web`` runs the eventsearch command."""

from web.cli import main

main()
