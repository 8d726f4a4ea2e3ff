"""The web face of eventsearch: a Flask app factory with a ui and an api blueprint.

Flask is imported when ``create_app`` is first asked for, so that the command line's
search and index commands, which live in this package, start without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventsearch.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from eventsearch.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
