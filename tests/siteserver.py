"""A real HTTP server on 127.0.0.1 serving a folder, with routes that misbehave on purpose.

Files are served with an ETag and a Last-Modified date, answer conditional requests with
304, and are gzip-compressed for clients that accept it when ``gzip=True``. A route is a
:class:`Route` (or a ``(status, headers, body, pause)`` tuple): a fixed answer, sent after
``pause`` seconds, its body written one byte every ``drip`` seconds if ``drip`` is set.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Route:
    """A fixed answer for one path."""

    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    pause: float = 0.0
    drip: float = 0.0


@dataclass(frozen=True)
class Hit:
    """One request the server answered: its path, the status sent, its User-Agent."""

    path: str
    status: int
    user_agent: str


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves files from ``self.server.root``; ``self.server.routes`` override paths."""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            return self.serve_file()
        if isinstance(route, tuple):
            route = Route(*route)
        if route.pause:
            time.sleep(route.pause)
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.write_body(route.body, route.drip)

    def serve_file(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        try:
            body = path.read_bytes()
            modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
        except OSError:
            self.send_error(404, "File not found")
            return
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if self.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in self.headers
            and self.headers.get("If-Modified-Since") == modified
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        headers = {"Content-Type": self.guess_type(str(path)), "ETag": etag,
                   "Last-Modified": modified}
        if self.server.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.write_body(body, 0)

    def write_body(self, body: bytes, drip: float) -> None:
        self.server.sent[self.path] = 0
        try:
            if not drip:
                self.wfile.write(body)
                self.server.sent[self.path] = len(body)
            for byte in body if drip else b"":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                self.server.sent[self.path] += 1
                time.sleep(drip)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def translate_path(self, path: str) -> str:
        relative = path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        return str(Path(self.server.root) / relative)

    def log_request(self, code="-", size="-") -> None:
        status = int(getattr(code, "value", code))
        self.server.requests.append(self.path)
        self.server.hits.append(Hit(self.path, status, self.headers.get("User-Agent", "")))

    def log_message(self, format: str, *args) -> None:
        pass


@contextmanager
def serve(root: Path, routes: dict | None = None, *, gzip: bool = False):
    """Serve ``root`` on a free port of 127.0.0.1; yields the base URL and the server.

    The server's ``requests`` lists the paths asked for, ``hits`` each request's status and
    User-Agent, ``sent`` the body bytes written for each path before the client hung up.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    server.daemon_threads = True
    server.root = root
    server.routes = routes if routes is not None else {}
    server.gzip = gzip
    server.requests = []
    server.hits = []
    server.sent = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- A small site, for crawls ------------------------------------------------------------

def event_page(title: str, *links: str) -> str:
    """A short event page titled ``title``, linking to ``links``."""
    anchors = "".join(f'<p>See <a href="{link}">{link}</a>.</p>' for link in links)
    return (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>In 1999 something happened that is told here at some length.</p>"
            f"<p>It mattered for years afterwards, as this page explains.</p>{anchors}"
            "</body></html>")


def urlset(base: str, *paths: str) -> bytes:
    """A sitemap listing these paths of the site at ``base``."""
    urls = "".join(f"<url><loc>{base}{path}</loc></url>" for path in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()


def write_site(root, base: str) -> None:
    """A home page (a title and links, no narrative) linking two events; the others are
    found through an event page's links, robots.txt's sitemap index (a gzipped and a plain
    sitemap) and /sitemap.xml."""
    (root / "maps").mkdir()
    (root / "home.html").write_text(
        '<html><head><title>Home</title></head><body><nav><a href="/e1.html">One</a> '
        '<a href="/e2.html">Two</a></nav></body></html>')
    (root / "e1.html").write_text(event_page("Event One"))
    (root / "e2.html").write_text(event_page("Event Two", "/e7.html", "http://elsewhere.invalid/"))
    for number in range(3, 8):
        (root / f"e{number}.html").write_text(event_page(f"Event {number}"))
    (root / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {base}/maps/index.xml\n"
                                     "Sitemap: http://elsewhere.invalid/sitemap.xml\n")
    (root / "maps" / "index.xml").write_text(
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/maps/a.xml.gz</loc></sitemap>"
        "<sitemap><loc>/maps/b.xml</loc></sitemap></sitemapindex>")
    (root / "maps" / "a.xml.gz").write_bytes(gzip.compress(urlset(base, "/e3.html", "/e4.html")))
    (root / "maps" / "b.xml").write_bytes(urlset(base, "/e5.html"))
    (root / "sitemap.xml").write_bytes(urlset(base, "/e6.html", "/e1.html"))
