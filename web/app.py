"""The Flask application factory."""

from __future__ import annotations

import logging
import os
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eventsearch.search import EventIndex, SearchError, default_index_dir, open_index
from flask import Flask, current_app, g, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

DEFAULTS = {
    "INDEX": None,  # the index folder; None means search.default_index_dir()
    "PER_PAGE": 10,
    "SUGGEST_LIMIT": 8,
    "SIMILAR_LIMIT": 4,
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass
class _State:
    index: EventIndex | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def create_app(config: Mapping[str, Any] | None = None, *,
               index: EventIndex | str | os.PathLike[str] | None = None) -> Flask:
    """Build the app: defaults, then ``EVENTSEARCH_*`` environment variables, then ``config``.

    :param index: the index to serve: an open :class:`EventIndex` (shared with the caller,
        say another tool that also searches it), or its folder. Else ``config["INDEX"]``,
        else the default folder. A folder is opened on the first request that needs it, not
        here; while there is no index, pages answer 503 and pick it up once it is built.

    The app may be mounted under a prefix of another WSGI app (werkzeug's
    ``DispatcherMiddleware``, say at ``/search``): every link, form, static file and API
    URL it makes carries the prefix.
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("EVENTSEARCH")
    if config:
        app.config.from_mapping(config)
    state = _State()
    if isinstance(index, EventIndex):
        state.index = index
        app.config["INDEX"] = str(index.path)
    elif index is not None:
        app.config["INDEX"] = os.fspath(index)
    if not app.config["INDEX"]:
        app.config["INDEX"] = str(default_index_dir())
    app.extensions["eventsearch"] = state
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from eventsearch.web import api, ui

    app.register_blueprint(ui.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(SearchError, _search_error)
    app.after_request(_headers)
    return app


def current_index() -> EventIndex:
    """The app's index, opened once and shared by every thread.

    :raises SearchError: there is no usable index (shown as 503).
    """
    state: _State = current_app.extensions["eventsearch"]
    if state.index is None:
        with state.lock:
            if state.index is None:
                state.index = open_index(current_app.config["INDEX"])
    g.index_version = state.index.revision
    return state.index


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def _http_error(error: HTTPException):
    from eventsearch.web import api, ui

    if wants_json():
        return api.error_response(error.code or 500, error.description or error.name)
    return ui.error_page(error.code or 500, error.description or error.name)


def _search_error(error: SearchError):
    from eventsearch.web import api, ui

    status = 503  # the only search errors that reach here: no index, or an outdated one
    message = f"The search index is not available: {error}"
    log.warning("%s", message)
    if wants_json():
        return api.error_response(status, message)
    return ui.error_page(status, message)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    version = g.get("index_version")
    if version is not None and request.method in ("GET", "HEAD") and response.status_code == 200:
        # Answers change only when the index does: tie the validator to its version.
        response.set_etag(f"{version}-{zlib.crc32(request.full_path.encode()):x}", weak=True)
        response.headers["Cache-Control"] = "no-cache"
        response.make_conditional(request)
    return response
