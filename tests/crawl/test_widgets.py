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


def test_a_page_whose_metrics_come_from_a_widget_is_never_asked_conditionally(tmp_path: Path) -> None:
    """A 304 would keep the widget's figures from ever being read again: such
    a page keeps no validators and is asked in full, its widget too, so the
    views' growth is stored.  The same page without a widget is asked
    conditionally and answers 304."""
    with_widget = PAGE.read_bytes()
    # Another article, whose metrics box names no widget.
    without_widget = with_widget.replace(b"data-source=", b"data-gone=").replace(b"2599990001", b"2599990002")
    assert without_widget.count(b"2599990002") > 1 and b"data-source=" not in without_widget
    views = iter([b"3104", b"3200"])

    def answer(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/doi/"):
            body = with_widget if "widget" in path else without_widget
            etag = '"v1-' + path.rsplit("/", 1)[-1] + '"'
            if headers.get("if-none-match") == etag:
                return 304, {"ETag": etag}, b""
            return 200, {"Content-Type": "text/html; charset=utf-8", "ETag": etag}, body
        if path.startswith("/pb/widgets/"):
            count = next(views)
            shown = count[:1] + b"," + count[1:]
            return 200, {"Content-Type": "text/html"}, WIDGET.replace(b"3104", count).replace(b"3,104", shown)
        return _answer(path)

    db = tmp_path / "conditional.db"
    with LocalSite(answer) as served:
        urls = [f"{served.url}/doi/10.5555/pnas.widget", f"{served.url}/doi/10.5555/pnas.plain"]
        for _ in range(2):
            scrapy_crawl(urls, db, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                                    "PAPERWALL_CONDITIONAL": True})
        asked = [(path, headers.get("if-none-match") or "-") for path, headers in
                 zip(served.requested, served.request_headers, strict=True) if path.startswith("/doi/")]
    assert sorted(asked) == sorted([
        ("/doi/10.5555/pnas.plain", "-"), ("/doi/10.5555/pnas.plain", '"v1-pnas.plain"'),
        ("/doi/10.5555/pnas.widget", "-"), ("/doi/10.5555/pnas.widget", "-"),
    ])
    second = rows(db, "SELECT url, outcome FROM fetches WHERE run_id = (SELECT max(id) FROM crawl_runs) ORDER BY url")
    assert second == sorted([(urls[0], "changed"), (urls[1], "not_modified")])
    # The widget's figures both times: the views' growth is history.
    observed = rows(db, "SELECT a.doi, m.views FROM metric_observations m JOIN articles a ON a.id = m.article_id "
                        "ORDER BY m.id")
    assert [views for doi, views in observed if doi == "10.5555/pnas.2599990001"] == [3104, 3200]
    assert [views for doi, views in observed if doi == "10.5555/pnas.2599990002"] == [2871]


def test_a_page_waiting_for_its_widget_when_the_crawl_closes_is_stored(site: LocalSite, tmp_path: Path) -> None:
    # The crawl stops after two responses (robots.txt and the page): the widget
    # request is still queued, and a closing crawl drops queued requests
    # without calling back.  The page is stored as it was served.
    db = tmp_path / "closed.db"
    url = _crawl(site, db, CLOSESPIDER_PAGECOUNT=2)
    assert not any(p.startswith("/pb/widgets/") for p in site.requested)
    assert rows(db, "SELECT url, page_status, outcome FROM fetches") == [(url, "article", "new")]
    assert rows(db, "SELECT views, citations, altmetric FROM metric_observations") == [(2871, None, 17)]
