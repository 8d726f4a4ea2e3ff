"""A real HTTP server on 127.0.0.1 serving a folder, with routes that misbehave on purpose."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves files from ``self.server.root``; ``self.server.routes`` override paths."""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            return super().do_GET()
        status, headers, body, pause = route
        if pause:
            time.sleep(pause)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def translate_path(self, path: str) -> str:
        relative = path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        return str(Path(self.server.root) / relative)

    def log_message(self, format: str, *args) -> None:
        self.server.requests.append(self.path)


@contextmanager
def serve(root: Path, routes: dict | None = None):
    """Serve ``root`` on a free port of 127.0.0.1; yields the base URL and the server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    server.daemon_threads = True
    server.root = root
    server.routes = routes or {}
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
