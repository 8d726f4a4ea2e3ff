"""Serving the app: worker processes under gunicorn where it runs, waitress elsewhere.

Under gunicorn (Linux and other POSIX systems) the app is created once in the master
process, which then forks ``workers`` processes, each with ``threads`` threads; the kernel
hands each new connection to one of them. Every worker opens the index on disk itself, on
its first request, and sees a re-index on its next request after the commit, as a single
process does (search/view.py). Where gunicorn does not run (Windows), one waitress process
serves with ``threads`` threads.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Serving:
    """Where and how to serve."""

    host: str
    port: int
    workers: int
    threads: int


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def has_prefork() -> bool:
    """Whether gunicorn can serve here."""
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:  # not installed (it is not on Windows, where it does not run)
        return False
    return True


def serve(app: Flask, serving: Serving, ready: Callable[[str, int, str], None]) -> None:
    """Serve ``app`` until interrupted; ``ready(host, port, how)`` once it listens."""
    if has_prefork():
        _serve_gunicorn(app, serving, ready)
    else:
        _serve_waitress(app, serving, ready)


def _serve_gunicorn(app: Flask, serving: Serving,
                    ready: Callable[[str, int, str], None]) -> None:
    from gunicorn.app.base import BaseApplication
    from gunicorn.workers.base import Worker
    from gunicorn.workers.gthread import ThreadWorker

    host = f"[{serving.host}]" if ":" in serving.host else serving.host

    class QuitSafeThreadWorker(ThreadWorker):
        """gunicorn's threaded worker, quitting as its plain worker does.

        On SIGQUIT and SIGINT (Ctrl+C, or the master's quick shutdown), gthread shuts its
        thread pool down from inside the signal handler. When the signal lands while the
        worker's main thread is handing a connection to the pool (``submit`` holds the
        pool's lock, which ``shutdown`` takes too), the worker deadlocks and outlives its
        master, holding the port and the terminal. The plain worker's quit only exits: the
        pool's threads finish the requests they hold as the process exits.
        """

        def handle_quit(self, sig, frame) -> None:
            Worker.handle_quit(self, sig, frame)

    class Application(BaseApplication):
        """gunicorn's documented way to run an app object from Python."""

        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{serving.port}",
                "workers": serving.workers,
                "threads": serving.threads,
                "worker_class": QuitSafeThreadWorker,
                # Long queries and page renders are not stuck workers.
                "timeout": 120,
                "graceful_timeout": 10,
                "loglevel": "warning",
                "accesslog": None,
                "proc_name": "eventsearch",
                "when_ready": when_ready,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        # types-gunicorn types the environ as a MutableMapping and start_response as
        # returning None; Flask follows PEP 3333's types (a dict, a write callable).
        def load(self) -> Flask:  # type: ignore[override]
            return app

    def when_ready(arbiter) -> None:
        address = arbiter.LISTENERS[0].sock.getsockname()
        workers = "worker" if serving.workers == 1 else "workers"
        ready(serving.host, address[1],
              f"{serving.workers} {workers} x {serving.threads} threads, gunicorn")

    Application().run()


def _serve_waitress(app: Flask, serving: Serving,
                    ready: Callable[[str, int, str], None]) -> None:
    from waitress.server import MultiSocketServer, create_server

    # A request waiting for a free thread is normal under load, not a warning per request.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(app, host=serving.host, port=serving.port,
                           threads=serving.threads, ident="eventsearch")
    if serving.workers > 1:
        log.warning("gunicorn is not available here: serving with one waitress process")
    # A host name with several addresses (localhost: 127.0.0.1 and ::1) gets one socket
    # each, under a MultiSocketServer. Ports come from getnameinfo, as strings.
    port: str | int
    if isinstance(server, MultiSocketServer):
        _, port = server.effective_listen[0]
    else:
        _, port = server.getsockname()
    ready(serving.host, int(port), f"{serving.threads} threads, waitress")
    try:
        server.run()
    finally:
        server.close()
