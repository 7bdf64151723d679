"""RFC 9309 in a real crawl: a robots.txt that answers 5xx means "disallow
everything", one that answers 4xx means "no rules".  A local server on
127.0.0.1 serves a T&F-markup article page; only its robots.txt changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwall.demo import render
from storage.runs import error_kind
from tests.crawl.conftest import rows, scrapy_crawl
from tests.local_site import LocalSite

DOI = "10.5555/pwim.2023.2170001"


def _site(robots_status: int) -> LocalSite:
    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n" if robots_status == 200 else b"<h1>unavailable</h1>"
            return robots_status, {"Content-Type": "text/plain"}, body
        if path == f"/doi/full/{DOI}":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, render.render_article(DOI) or b""
        return 404, {"Content-Type": "text/plain"}, b"not here"

    return LocalSite(answer)


def _crawl(site: LocalSite, db: Path) -> str:
    url = f"{site.url}/doi/full/{DOI}"
    scrapy_crawl([url], db, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 1})
    return url


def test_a_robots_txt_answering_5xx_means_nothing_is_fetched(tmp_path: Path) -> None:
    db = tmp_path / "r503.db"
    with _site(503) as site:
        url = _crawl(site, db)
    assert site.requested == ["/robots.txt", "/robots.txt"]  # one retry, then no page
    ((asked, status, outcome, error),) = rows(db, "SELECT url, http_status, outcome, error FROM fetches")
    assert (asked, status, outcome) == (url, None, "error")
    assert error.startswith("not fetched: robots.txt unreachable (HTTP 503)")
    assert error_kind(None, None, outcome, error) == "robots"
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(0,)]


@pytest.mark.parametrize("robots_status", [404, 200])
def test_a_robots_txt_answering_4xx_or_rules_lets_the_page_be_read(tmp_path: Path, robots_status: int) -> None:
    db = tmp_path / f"r{robots_status}.db"
    with _site(robots_status) as site:
        url = _crawl(site, db)
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
