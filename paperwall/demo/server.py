"""The demo site's HTTP server: threaded, loopback only, random port by default.

Behaves like a publisher site in the ways the crawler must handle:
robots.txt keeps crawlers out of /action; one article answers 503 with
``Retry-After: 1`` the first time it is asked for (per server instance); one
answers a Cloudflare-style 403 challenge; unknown DOIs get a 404 page;
`/resolve/<doi>` redirects like doi.org; pages carry ETag and Last-Modified
and conditional requests get 304.  `changed=True` serves the second state
(some prices and view counts differ).  Every request is logged in
`server.requests` so tests can see what the crawler fetched.

    with DemoServer() as server:          # or server = DemoServer().start()
        print(server.url)                 # http://127.0.0.1:PORT
        server.changed = True             # switch state while running

Standalone: ``python -m paperwall.demo.server --port 8000 [--change-prices]``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from paperwall.demo import render

logger = logging.getLogger(__name__)

# When the pages last changed, per state (fixed: Last-Modified must be stable).
MODIFIED = {
    False: datetime(2024, 3, 4, 10, 0, tzinfo=UTC),
    True: datetime(2024, 3, 11, 10, 0, tzinfo=UTC),
}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    user_agent: str | None
    at: float  # time.monotonic() when answered


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]


class DemoServer:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, changed: bool = False, crawl_delay: float | None = None
    ) -> None:
        self.changed = changed
        self.crawl_delay = crawl_delay  # adds "Crawl-delay: N" to robots.txt (tests)
        self.requests: list[LoggedRequest] = []
        self._failed_once: set[str] = set()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DemoServer:
        # A short poll interval: stop() (shutdown) waits for the next poll.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="demo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def serve_forever(self) -> None:
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    # --- what the crawler sees -------------------------------------------

    def target_urls(self) -> list[str]:
        return [self.url + path for path in render.target_paths()]

    def paths_seen(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)

    def fail_first_time(self, doi: str) -> bool:
        """True on the first request for `doi` in this server's life."""
        with self._lock:
            if doi in self._failed_once:
                return False
            self._failed_once.add(doi)
            return True

    # --- routing -----------------------------------------------------------

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        route = urlsplit(path).path
        if route == "/robots.txt":
            body = render.robots_txt()
            if self.crawl_delay is not None:
                body += f"Crawl-delay: {self.crawl_delay:g}\n".encode()
            return Reply(200, body, {"Content-Type": "text/plain; charset=utf-8"})
        if route == "/":
            return _html(200, render.render_index())
        if route.startswith("/action"):
            return _html(200, render.render_action())
        if route.startswith("/resolve/"):
            doi = unquote(route[len("/resolve/"):])
            return Reply(302, b"", {"Location": f"{self.url}/doi/abs/{doi}"})
        for prefix in ("/doi/abs/", "/doi/full/"):
            if route.startswith(prefix):
                return self.article_reply(unquote(route[len(prefix):]), route, headers)
        return _html(404, render.render_not_found(route))

    def article_reply(self, doi: str, route: str, headers: dict[str, str]) -> Reply:
        art = render.article(doi)
        if art is None:
            return _html(404, render.render_not_found(route))
        behaviour = art.get("behaviour")
        if behaviour == "challenge":
            reply = _html(403, render.render_challenge(route))
            reply.headers.update({"Server": "cloudflare", "cf-mitigated": "challenge"})
            return reply
        if behaviour == "fail_once" and self.fail_first_time(art["doi"]):
            reply = _html(503, b"<html><head><title>503 Service Unavailable</title></head>"
                               b"<body><h1>Service Unavailable</h1></body></html>")
            reply.headers["Retry-After"] = "1"
            return reply
        body = render.render_article(art["doi"], self.changed) or b""
        return conditional(_html(200, body), headers, MODIFIED[self.changed])


def _html(status: int, body: bytes) -> Reply:
    return Reply(status, body, {"Content-Type": "text/html; charset=UTF-8"})


def conditional(reply: Reply, request_headers: dict[str, str], modified: datetime) -> Reply:
    """Add validators to a 200 page and answer 304 when the client has it.

    If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)."""
    etag = '"' + hashlib.sha256(reply.body).hexdigest()[:32] + '"'
    reply.headers.update({"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)})
    inm = request_headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        fresh = etag in tags or "*" in tags
    else:
        fresh = _not_modified_since(request_headers.get("if-modified-since"), modified)
    if fresh:
        return Reply(304, b"", {k: v for k, v in reply.headers.items() if k != "Content-Type"})
    return reply


def _not_modified_since(value: str | None, modified: datetime) -> bool:
    if not value:
        return False
    try:
        since = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified <= since


def _handler_for(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "paperwall-demo/0.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                reply = server.reply(self.path, headers)
            except Exception:  # a demo bug must show as a 500, not a dropped connection
                logger.exception("demo server failed on %s", self.path)
                reply = _html(500, b"<html><body><h1>Internal Server Error</h1></body></html>")
            server.log(LoggedRequest("GET" if send_body else "HEAD", self.path, reply.status,
                                     self.headers.get("User-Agent"), time.monotonic()))
            self.send_response(reply.status, HTTPStatus(reply.status).phrase)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if send_body and reply.body:
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the request log is server.requests; keep stderr for the crawl

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m paperwall.demo.server",
        description="Serve the paperwall demo site.",
        epilog="Example: python -m paperwall.demo.server --port 8000  "
        "(then: paperwall crawl http://127.0.0.1:8000/doi/abs/10.5555/pwim.2023.2170001)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    parser.add_argument("--change-prices", action="store_true", help="serve the second state")
    parser.add_argument("--crawl-delay", type=float, default=None, help="add a Crawl-delay to robots.txt")
    args = parser.parse_args(argv)
    server = DemoServer(args.host, args.port, changed=args.change_prices, crawl_delay=args.crawl_delay)
    print(f"paperwall demo site at {server.url}/  (Ctrl-C to stop)", flush=True)
    for url in server.target_urls():
        print(f"  {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
