"""Widgets a page loads from other URLs (Atypon's /pb/widgets) in a real
crawl: a page waiting for its widgets when the crawl closes is still stored.

A local server on 127.0.0.1 serves an Atypon core-template page (the PNAS
fixture) whose metrics box names its widget URL."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawl.conftest import REPO, rows, scrapy_crawl

PAGE = REPO / "tests/fixtures/spiders.pages.atypon.PnasArticlePage/pnas-purchase/inputs/HttpResponse-body.html"
WIDGET = (
    b'<div class="metrics-total"><div class="metrics-total__item metrics-total__item--download" '
    b'title="Total Views"><span class="metrics-total__item-text" data-count="3104">3,104</span></div></div>'
)


class _Site(http.server.ThreadingHTTPServer):
    requested: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.requested.append(self.path)
        if self.path == "/robots.txt":
            body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path.startswith("/doi/"):
            body, kind = PAGE.read_bytes(), "text/html; charset=utf-8"
        elif self.path.startswith("/pb/widgets/"):
            body, kind = WIDGET, "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
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


def _crawl(site: _Site, db: Path, **settings: object) -> str:
    url = f"http://127.0.0.1:{site.server_address[1]}/doi/10.5555/pnas.2599990001"
    scrapy_crawl([url], db, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, **settings})
    return url


def test_the_metrics_widget_gives_the_stored_figures(site: _Site, tmp_path: Path) -> None:
    db = tmp_path / "widgets.db"
    url = _crawl(site, db)
    assert any(p.startswith("/pb/widgets/fullSideBarMetric/getResponse?") for p in site.requested)
    assert rows(db, "SELECT url, page_status, outcome FROM fetches") == [(url, "article", "new")]
    # Served with 2,871 views; the widget says 3,104 today.
    assert rows(db, "SELECT views, altmetric FROM metric_observations") == [(3104, 17)]


def test_a_page_waiting_for_its_widget_when_the_crawl_closes_is_stored(site: _Site, tmp_path: Path) -> None:
    # The crawl stops after two responses (robots.txt and the page): the widget
    # request is still queued, and a closing crawl drops queued requests
    # without calling back.  The page is stored as it was served.
    db = tmp_path / "closed.db"
    url = _crawl(site, db, CLOSESPIDER_PAGECOUNT=2)
    assert not any(p.startswith("/pb/widgets/") for p in site.requested)
    assert rows(db, "SELECT url, page_status, outcome FROM fetches") == [(url, "article", "new")]
    assert rows(db, "SELECT views, citations, altmetric FROM metric_observations") == [(2871, None, 17)]
