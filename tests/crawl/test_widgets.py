"""Widgets a page loads from other URLs (Atypon's /pb/widgets) in a real
crawl: a page waiting for its widgets when the crawl closes is still stored.

A local server on 127.0.0.1 serves an Atypon core-template page (the PNAS
fixture) whose metrics box names its widget URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawl.conftest import REPO, rows, scrapy_crawl
from tests.local_site import LocalSite

PAGE = REPO / "tests/fixtures/spiders.pages.atypon.PnasArticlePage/pnas-purchase/inputs/HttpResponse-body.html"
WIDGET = (
    b'<div class="metrics-total"><div class="metrics-total__item metrics-total__item--download" '
    b'title="Total Views"><span class="metrics-total__item-text" data-count="3104">3,104</span></div></div>'
)


def _answer(path: str) -> tuple[int, dict[str, str], bytes]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path.startswith("/doi/"):
        return 200, html, PAGE.read_bytes()
    if path.startswith("/pb/widgets/"):
        return 200, html, WIDGET
    return 404, html, b"not here"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite(_answer) as served:
        yield served


def _crawl(site: LocalSite, db: Path, **settings: object) -> str:
    url = f"{site.url}/doi/10.5555/pnas.2599990001"
    scrapy_crawl([url], db, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, **settings})
    return url


def test_the_metrics_widget_gives_the_stored_figures(site: LocalSite, tmp_path: Path) -> None:
    db = tmp_path / "widgets.db"
    url = _crawl(site, db)
    assert any(p.startswith("/pb/widgets/fullSideBarMetric/getResponse?") for p in site.requested)
    assert rows(db, "SELECT url, page_status, outcome FROM fetches") == [(url, "article", "new")]
    # Served with 2,871 views; the widget says 3,104 today.
    assert rows(db, "SELECT views, altmetric FROM metric_observations") == [(3104, 17)]


def test_a_page_waiting_for_its_widget_when_the_crawl_closes_is_stored(site: LocalSite, tmp_path: Path) -> None:
    # The crawl stops after two responses (robots.txt and the page): the widget
    # request is still queued, and a closing crawl drops queued requests
    # without calling back.  The page is stored as it was served.
    db = tmp_path / "closed.db"
    url = _crawl(site, db, CLOSESPIDER_PAGECOUNT=2)
    assert not any(p.startswith("/pb/widgets/") for p in site.requested)
    assert rows(db, "SELECT url, page_status, outcome FROM fetches") == [(url, "article", "new")]
    assert rows(db, "SELECT views, citations, altmetric FROM metric_observations") == [(2871, None, 17)]
