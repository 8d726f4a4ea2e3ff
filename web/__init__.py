"""The web face of eventsearch: a Flask app factory with a ui and an api blueprint."""

from web.app import create_app

__all__ = ["create_app"]
