"""End to end: the landing spider against the demo site, three crawls into one database.

First crawl: every kind of page; second: the same site again (nothing may
change); third: the site's second state (changed prices must become history).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from paperwall.demo.server import DemoServer, LoggedRequest

from .conftest import count, fast_settings, rows, scrapy_crawl

A1 = "10.5555/pwim.2023.2170001"  # paywalled, USD, price changes in state 2
A2 = "10.5555/pwim.2023.2170002"  # asked by DOI
A4 = "10.5555/pwim.2023.2170004"  # EUR, price changes in state 2
FAIL_ONCE = "10.5555/pwim.2024.2170006"
CHALLENGE = "10.5555/pwim.2024.2170007"
MISSING = "10.5555/pwim.2024.9999999"
TABLES = ("articles", "authors", "abstract_sections", "offers", "metric_observations", "related_links")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Crawl:
    stderr: str
    counts: dict[str, int]
    log: list[LoggedRequest]


@dataclass
class History:
    db: Path
    server_url: str
    targets: list[str]
    refused: str
    crawls: list[Crawl]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    db = tmp_path_factory.mktemp("crawl") / "crawl.db"
    with DemoServer() as server:
        refused = f"http://127.0.0.1:{closed_port()}/doi/abs/10.5555/nowhere"
        targets = [u for u in server.target_urls() if A2 not in u] + [
            f"doi:{A2}",
            f"{server.url}/action/showCitFormats?doi={A1}",  # robots.txt: Disallow /action
            f"{server.url}/action/addToCart?id=1",
            refused,
        ]
        crawls: list[Crawl] = []
        # The first crawl writes from a writer process (several batches), the
        # others from a thread: every assertion below holds for both paths.
        first = {"PAPERWALL_BATCH_SIZE": 4, "PAPERWALL_WRITER_PROCESS_MIN": 1}
        for state, extra in ((False, first), (False, {"PAPERWALL_PROGRESS": True}), (True, {})):
            server.changed = state
            seen = len(server.requests)
            proc = scrapy_crawl(targets, db, {**fast_settings(server), **extra})
            crawls.append(Crawl(proc.stderr, {t: count(db, t) for t in (*TABLES, "fetches")},
                                list(server.requests[seen:])))
        yield History(db, server.url, targets, refused, crawls)


def fetch(h: History, url_part: str, run: int = 1) -> tuple[Any, ...]:
    (row,) = rows(h.db, "SELECT http_status, page_status, outcome, error, final_url, article_id, etag, bytes "
                        "FROM fetches WHERE url LIKE ? AND run_id = ?", f"%{url_part}%", run)
    return row


def test_articles_are_stored_with_prices(history: History) -> None:
    db = history.db
    assert count(db, "articles") == 7  # 8 demo articles, one hidden behind the challenge
    offers = rows(db, "SELECT a.doi, o.label, o.kind, o.price, o.currency, o.period FROM offers o "
                      "JOIN articles a ON a.id = o.article_id WHERE o.first_seen = "
                      "(SELECT MIN(first_seen) FROM offers WHERE article_id = o.article_id) ORDER BY o.id")
    assert (A1, "PDF download + Online access", "article", 55, "USD", "PT48H") in offers
    assert (A1, "Issue Purchase", "issue", 960, "USD", "P30D") in offers
    assert (A4, "Article Purchase", "article", 42, "EUR", "PT24H") in offers
    assert any(o[4] == "GBP" and o[3] == 39 for o in offers)
    assert rows(db, "SELECT access FROM articles WHERE doi = ?", "10.5555/pwim.2023.2170003") == [("open",)]
    assert rows(db, "SELECT COUNT(*) FROM offers o JOIN articles a ON a.id = o.article_id "
                    "WHERE a.doi = '10.5555/pwim.2023.2170003'") == [(0,)]
    assert count(db, "related_links") == 11  # two articles show filled lists


def test_first_crawl_wrote_from_a_writer_process(history: History) -> None:
    assert "writing from a separate process" in history.crawls[0].stderr
    assert "writing from a separate process" not in history.crawls[1].stderr


def test_every_target_is_one_fetch_per_run(history: History) -> None:
    per_run = rows(history.db, "SELECT run_id, COUNT(*) FROM fetches GROUP BY run_id ORDER BY run_id")
    assert per_run == [(1, len(history.targets)), (2, len(history.targets)), (3, len(history.targets))]
    # PAPERWALL_BATCH_SIZE=4: every full batch of 4 is written, and the 2 s
    # timer may flush partial ones as well.
    match = re.search(r"stored (\d+) fetches in (\d+) batches", history.crawls[0].stderr)
    assert match and int(match.group(1)) == len(history.targets)
    assert int(match.group(2)) >= -(-len(history.targets) // 4)


def test_challenge_is_recorded_without_an_article(history: History) -> None:
    status, page_status, outcome, _, _, article_id, _, _ = fetch(history, CHALLENGE)
    assert (status, page_status, outcome, article_id) == (403, "challenge", "challenge", None)
    assert rows(history.db, "SELECT COUNT(*) FROM articles WHERE doi = ?", CHALLENGE) == [(0,)]
    assert rows(history.db, "SELECT challenges, not_found FROM crawl_runs WHERE id = 1") == [(1, 1)]


def test_not_found_is_recorded(history: History) -> None:
    status, page_status, outcome, *_ = fetch(history, MISSING)
    assert (status, page_status, outcome) == (404, "not_found", "not_found")


def test_503_once_is_retried_after_retry_after_then_stored(history: History) -> None:
    asked = [r for r in history.crawls[0].log if FAIL_ONCE in r.path]
    assert [r.status for r in asked] == [503, 200]
    assert asked[1].at - asked[0].at >= 0.95  # Retry-After: 1 honoured
    status, page_status, outcome, error, *_ = fetch(history, FAIL_ONCE)
    assert (status, page_status, outcome, error) == (200, "article", "new", None)


def test_doi_is_resolved_through_redirect(history: History) -> None:
    (row,) = rows(history.db, "SELECT url, final_url, target, outcome FROM fetches WHERE target = ? AND run_id = 1",
                  A2)
    assert row == (f"{history.server_url}/resolve/{A2}", f"{history.server_url}/doi/abs/{A2}", A2, "new")


def test_robots_disallowed_urls_are_never_fetched(history: History) -> None:
    for crawl in history.crawls:
        assert not [r.path for r in crawl.log if r.path.startswith("/action")]
        assert all("paperwall/" in (r.user_agent or "") for r in crawl.log)
    status, page_status, outcome, error, *_ = fetch(history, "/action/showCitFormats")
    assert (status, page_status, outcome) == (None, None, "error")
    assert error == "not fetched: Forbidden by robots.txt"


def test_download_errors_are_recorded(history: History) -> None:
    status, page_status, outcome, error, final_url, *_ = fetch(history, history.refused)
    assert (status, page_status, outcome, final_url) == (None, None, "error", None)
    assert "ConnectionRefused" in error


def test_fetch_details_are_kept(history: History) -> None:
    *_, etag, size = fetch(history, f"/doi/abs/{A1}")
    assert etag.startswith('"') and size > 10_000


def test_recrawl_changes_nothing(history: History) -> None:
    first, second = history.crawls[0].counts, history.crawls[1].counts
    assert {t: second[t] for t in TABLES} == {t: first[t] for t in TABLES}
    outcomes = dict(rows(history.db, "SELECT outcome, COUNT(*) FROM fetches WHERE run_id = 2 GROUP BY outcome"))
    assert outcomes == {"unchanged": 7, "challenge": 1, "not_found": 1, "error": 3}
    # The second server visit: 0006 no longer fails.
    assert [r.status for r in history.crawls[1].log if FAIL_ONCE in r.path] == [200]


def test_progress_bar_when_asked(history: History) -> None:
    assert "crawl:" in history.crawls[1].stderr and "page" in history.crawls[1].stderr
    assert "crawl:" not in history.crawls[0].stderr  # not a terminal: off by default


def test_changed_prices_become_history(history: History) -> None:
    offers = rows(history.db, "SELECT o.price, o.closed_at IS NOT NULL FROM offers o JOIN articles a "
                              "ON a.id = o.article_id WHERE a.doi = ? AND o.label = ? ORDER BY o.first_seen",
                  A1, "PDF download + Online access")
    assert offers == [(55, 1), (59, 0)]
    assert history.crawls[2].counts["offers"] == history.crawls[1].counts["offers"] + 2  # A1 and A4
    outcomes = dict(rows(history.db, "SELECT outcome, COUNT(*) FROM fetches WHERE run_id = 3 GROUP BY outcome"))
    assert outcomes["changed"] == 4 and outcomes["unchanged"] == 3
    views = rows(history.db, "SELECT m.views FROM metric_observations m JOIN articles a ON a.id = m.article_id "
                             "WHERE a.doi = ? ORDER BY m.first_seen", A1)
    assert views == [(1234,), (1391,)]
