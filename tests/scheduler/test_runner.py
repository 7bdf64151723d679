"""Scheduled runs as real `scrapy crawl` processes against the demo site (and a hung one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from paperwall.demo.server import DemoServer
from scheduler.runner import absolute_db_url, crawl_env, run_schedule
from storage.models import utcnow
from storage.runs import backing_off
from tests.local_site import LocalSite
from tests.storage.factory import TABLES, count, rows, snapshot

from .conftest import BlackHole, article_urls, spec

CHALLENGE = "10.5555/pwim.2024.2170007"


def test_the_second_run_is_answered_304_and_writes_no_article_rows(
    engine: Engine, db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    urls = article_urls(demo_server)
    s = spec("demo", tmp_path, urls)
    first = run_schedule(db_url, s)
    assert (first.outcome, first.counts["articles_new"], first.counts["not_modified"]) == ("ok", 7, 0)
    before = snapshot(engine, ignore=("last_seen",))
    tables = {t: count(engine, t) for t in TABLES}
    asked = len(demo_server.requests)

    second = run_schedule(db_url, s)
    assert second.outcome == "ok", second.notes
    assert (second.counts["pages"], second.counts["not_modified"], second.counts["articles_unchanged"]) == (7, 7, 0)
    # The demo answered every article 304: the crawl sent the validators of the first run.
    assert sorted(r.status for r in demo_server.requests[asked:] if r.path.startswith("/doi/")) == [304] * 7
    # No article row written or changed; only last_seen moved.
    assert {t: count(engine, t) for t in TABLES} == tables
    assert snapshot(engine, ignore=("last_seen",)) == before
    fetches = rows(engine, "SELECT outcome, http_status, page_status, bytes, article_id FROM fetches "
                           "WHERE run_id = :r", r=second.run_id)
    assert {(f["outcome"], f["http_status"], f["page_status"], f["bytes"]) for f in fetches} == {
        ("not_modified", 304, None, 0)}
    assert all(f["article_id"] for f in fetches)
    # The targets' next refresh moved: the demo's articles are over a year old -> monthly.
    for t in rows(engine, "SELECT next_due, last_fetched, source, domain FROM targets"):
        assert t["source"] == "demo" and t["domain"] == demo_server.url.split("://")[1]
        assert str(t["next_due"]) > str(utcnow() + timedelta(days=29))
    (run,) = rows(engine, "SELECT trigger, outcome, not_modified, finished_at FROM crawl_runs WHERE id = :r",
                  r=second.run_id)
    assert (run["trigger"], run["outcome"], run["not_modified"]) == ("schedule:demo", "ok", 7)
    assert run["finished_at"] is not None


def test_crash_and_timeout_are_recorded_and_the_next_run_proceeds(
    engine: Engine, db_url: str, demo_server: DemoServer, black_hole: BlackHole, tmp_path: Path
) -> None:
    urls = article_urls(demo_server)[:2]
    crashed = run_schedule(db_url, spec("s", tmp_path, urls, settings={"PAPERWALL_REFRESH_POLICY": "garbage"}))
    assert (crashed.outcome, crashed.returncode) == ("crashed", 1)
    assert "crawl process exited with code 1" in crashed.counts["notes"]
    assert "ValueError: refresh policy item 'garbage'" in crashed.counts["notes"]  # the tail of its log

    hung = run_schedule(db_url, spec("s", tmp_path, [f"{black_hole.url}/doi/abs/10.1/x"], time_limit=2),
                        grace=2)
    assert hung.outcome == "timeout" and "time limit 2s reached" in hung.counts["notes"]
    assert hung.seconds < 20

    fine = run_schedule(db_url, spec("s", tmp_path, urls))
    assert (fine.outcome, fine.counts["articles_new"]) == ("ok", 2)
    recorded = rows(engine, "SELECT outcome, finished_at IS NOT NULL AS done FROM crawl_runs ORDER BY id")
    assert recorded == [{"outcome": o, "done": True} for o in ("crashed", "timeout", "ok")]


def _too_many_requests(path: str) -> tuple[int, dict[str, str], bytes]:
    """Every page: 429 with Retry-After 0 (robots.txt: 404, i.e. allowed)."""
    body = b"<html><head><title>Too Many Requests</title></head><body>slow down</body></html>"
    return 404 if path == "/robots.txt" else 429, {"Content-Type": "text/html", "Retry-After": "0"}, body


@pytest.fixture
def busy_site() -> Iterator[LocalSite]:
    with LocalSite(_too_many_requests) as site:
        yield site


def test_challenges_and_429s_send_the_domain_away(
    engine: Engine, db_url: str, demo_server: DemoServer, busy_site: LocalSite, tmp_path: Path
) -> None:
    challenged = [f"{demo_server.url}/doi/{kind}/{CHALLENGE}?v={i}" for i in range(3) for kind in ("abs", "full")]
    limited = [f"{busy_site.url}/doi/abs/10.1/{i}" for i in range(4)]
    # One request at a time with a short delay: each answer is judged before the next request leaves.
    paced = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DOWNLOAD_DELAY": "0.2", "RANDOMIZE_DOWNLOAD_DELAY": "False"}
    s = spec("s", tmp_path, challenged + limited, settings=paced)
    first = run_schedule(db_url, s)
    assert first.outcome == "ok"
    notes = first.counts["notes"]
    demo_domain, busy_domain = (u.split("://")[1] for u in (demo_server.url, busy_site.url))
    assert f"domain {demo_domain} backs off until" in notes and "3 bot challenges in a row" in notes
    assert f"domain {busy_domain} backs off until" in notes and "HTTP 429" in notes
    # In the crawl itself the domains closed after 3 challenges / the first 429 that outlived its retries.
    kinds = first.counts["error_kinds"]
    assert kinds["challenge"] == 3 and kinds["rate_limited"] == 1 and kinds["skipped"] == 3 + 3
    assert first.counts["skipped"] == 6
    # Each 429 was retried (RETRY_TIMES 2) until one outlived its retries; then the rest were dropped.
    assert 3 <= len([p for p in busy_site.requested if p != "/robots.txt"]) <= 9
    assert set(backing_off(engine)) == {demo_domain, busy_domain}

    # The next run asks nothing of either site and says why.
    asked = len(demo_server.requests), len(busy_site.requested)
    second = run_schedule(db_url, s)
    assert (len(demo_server.requests), len(busy_site.requested)) == asked
    assert second.outcome == "ok" and second.counts["pages"] == 0
    assert f"skipped 6 targets of {demo_domain}: backing off until" in second.counts["notes"]
    assert f"skipped 4 targets of {busy_domain}" in second.counts["notes"]


def test_the_crawl_process_finds_the_project_and_an_absolute_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert absolute_db_url("paperwall.db") == f"sqlite:///{tmp_path}/paperwall.db"
    assert absolute_db_url("sqlite:///./x.db") == f"sqlite:///{tmp_path}/x.db"
    assert absolute_db_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    env = crawl_env("sqlite:////x.db")
    assert env["SCRAPY_SETTINGS_MODULE"] == "spiders.settings" and env["PAPERWALL_DB"] == "sqlite:////x.db"
