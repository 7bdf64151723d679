"""RFC 9309 in a real crawl: a robots.txt that answers 5xx means "disallow
everything", one that answers 4xx means "no rules".  A local server on
127.0.0.1 serves a T&F-markup article page; only its robots.txt changes."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwall.demo import render
from storage.runs import error_kind
from tests.crawl.conftest import rows, scrapy_crawl

DOI = "10.5555/pwim.2023.2170001"


class _Site(http.server.ThreadingHTTPServer):
    robots_status: int
    requested: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.requested.append(self.path)
        if self.path == "/robots.txt":
            status = self.server.robots_status
            body, kind = (b"User-agent: *\nAllow: /\n" if status == 200 else b"<h1>unavailable</h1>"), "text/plain"
        elif self.path == f"/doi/full/{DOI}":
            status, body, kind = 200, render.render_article(DOI) or b"", "text/html; charset=utf-8"
        else:
            status, body, kind = 404, b"not here", "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[_Site]:
    server = _Site(("127.0.0.1", 0), _Handler)
    server.requested = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _crawl(site: _Site, db: Path, robots_status: int) -> str:
    site.robots_status = robots_status
    url = f"http://127.0.0.1:{site.server_address[1]}/doi/full/{DOI}"
    scrapy_crawl([url], db, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 1})
    return url


def test_a_robots_txt_answering_5xx_means_nothing_is_fetched(site: _Site, tmp_path: Path) -> None:
    db = tmp_path / "r503.db"
    url = _crawl(site, db, 503)
    assert site.requested == ["/robots.txt", "/robots.txt"]  # one retry, then no page
    ((asked, status, outcome, error),) = rows(db, "SELECT url, http_status, outcome, error FROM fetches")
    assert (asked, status, outcome) == (url, None, "error")
    assert error.startswith("not fetched: robots.txt unreachable (HTTP 503)")
    assert error_kind(None, None, outcome, error) == "robots"
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(0,)]


@pytest.mark.parametrize("robots_status", [404, 200])
def test_a_robots_txt_answering_4xx_or_rules_lets_the_page_be_read(
    site: _Site, tmp_path: Path, robots_status: int
) -> None:
    db = tmp_path / f"r{robots_status}.db"
    url = _crawl(site, db, robots_status)
    assert site.requested == ["/robots.txt", f"/doi/full/{DOI}"]
    assert rows(db, "SELECT url, page_status, outcome FROM fetches") == [(url, "article", "new")]


def test_an_unreachable_site_is_a_connection_error() -> None:
    error = (
        "not fetched: robots.txt unreachable (ConnectionRefusedError: Connection was refused by other side: "
        "111: Connection refused.): nothing of the site is fetched (RFC 9309)"
    )
    assert error_kind(None, None, "error", error) == "connection"
    dns = "not fetched: robots.txt unreachable (DNSLookupError: DNS lookup failed)"
    assert error_kind(None, None, "error", dns) == "dns"
