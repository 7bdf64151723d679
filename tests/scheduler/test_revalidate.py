"""The revalidation step of scheduled runs (spiders/revalidate.py) against the demo site.

A refresh first asks every known page with its validators from a small
aiohttp process; only what that step does not settle goes to `scrapy crawl`.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from paperwall.demo.server import DemoServer, Reply
from scheduler import runner
from scheduler.runner import crawl_env, run_schedule
from spiders.revalidate import SCRAPY_DEFAULTS, Settings, Throttle
from tests.storage.factory import TABLES, count, rows, snapshot

from .conftest import article_urls, spec

UA = "paperwall/"


def requests_since(server: DemoServer, start: int) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in server.requests[start:]]


# --- settings and throttling, read as Scrapy reads them ----------------------------------------


def test_the_defaults_it_assumes_are_scrapys() -> None:
    from scrapy.settings import default_settings

    assert SCRAPY_DEFAULTS == {name: getattr(default_settings, name) for name in SCRAPY_DEFAULTS}


def test_settings_are_layered_and_read_like_scrapys() -> None:
    from scrapy.settings import Settings as ScrapySettings

    overrides = {"DOWNLOAD_DELAY": "0.25", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "3",
                 "DOWNLOAD_SLOTS": '{"127.0.0.1": {"delay": 0, "concurrency": 4}}', "ROBOTSTXT_OBEY": "true"}
    ours = Settings(overrides)
    theirs = ScrapySettings()
    theirs.setmodule("spiders.settings", priority="project")
    theirs.setdict(overrides, priority="cmdline")
    for name in ("DOWNLOAD_DELAY", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "DOWNLOAD_TIMEOUT",
                 "DOWNLOAD_DELAY_JITTER"):
        assert ours.getfloat(name) == theirs.getfloat(name), name
    for name in ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "REDIRECT_MAX_TIMES", "DOWNLOAD_MAXSIZE"):
        assert ours.getint(name) == theirs.getint(name), name
    for name in ("AUTOTHROTTLE_ENABLED", "ROBOTSTXT_OBEY", "REDIRECT_ENABLED", "COOKIES_ENABLED"):
        assert ours.getbool(name) == theirs.getbool(name), name
    for name in ("DOWNLOAD_SLOTS", "DEFAULT_REQUEST_HEADERS"):
        assert ours.getdict(name) == theirs.getdict(name), name
    assert ours.get("USER_AGENT") == theirs.get("USER_AGENT")
    assert ours.getfloat("DOWNLOAD_DELAY") == 0.25 and not ours.getbool("AUTOTHROTTLE_ENABLED")


def test_the_throttle_follows_autothrottles_rule() -> None:
    from scrapy.core.downloader import Slot
    from scrapy.extensions.throttle import AutoThrottle
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0})
    theirs = AutoThrottle.from_crawler(crawler)
    theirs.mindelay, theirs.maxdelay = 1.0, 60.0
    ours = Throttle(1.0, 60.0, 2.0)
    for delay, latency, status in itertools.product((0.5, 1.0, 2.0, 30.0, 60.0), (0.01, 0.5, 3.0, 200.0),
                                                    (200, 304, 503)):
        slot = Slot(concurrency=2, delay=delay, jitter=0.0)
        theirs._adjust_delay(slot, latency, Response("https://example.org/", status=status))
        assert ours.adjust(delay, latency, status) == pytest.approx(slot.delay), (delay, latency, status)


# --- scheduled runs ------------------------------------------------------------------------------


def test_unchanged_pages_are_settled_without_a_crawl(
    engine: Engine, db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    s = spec("demo", tmp_path, article_urls(demo_server))
    first = run_schedule(db_url, s)
    assert (first.outcome, first.counts["articles_new"]) == ("ok", 7)
    before, tables = snapshot(engine, ignore=("last_seen",)), {t: count(engine, t) for t in TABLES}
    start = len(demo_server.requests)

    second = run_schedule(db_url, s)
    assert second.outcome == "ok", second.notes
    assert (second.counts["pages"], second.counts["not_modified"]) == (7, 7)
    asked = requests_since(demo_server, start)
    # One robots.txt (the step's: no Scrapy process started), one conditional GET per page.
    assert sorted(asked) == sorted([("/robots.txt", 200)] + [(u.split(demo_server.url)[1], 304)
                                                              for u in article_urls(demo_server)])
    assert all(r.user_agent and r.user_agent.startswith(UA) for r in demo_server.requests[start:])
    assert {t: count(engine, t) for t in TABLES} == tables
    assert snapshot(engine, ignore=("last_seen",)) == before
    fetches = rows(engine, "SELECT outcome, http_status, page_status, error, run_id FROM fetches "
                           "WHERE run_id = :r", r=second.run_id)
    assert [(f["outcome"], f["http_status"], f["page_status"], f["error"]) for f in fetches] == [
        ("not_modified", 304, None, None)] * 7


def test_changed_pages_are_asked_once_and_read_by_the_crawl(
    engine: Engine, db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    s = spec("demo", tmp_path, article_urls(demo_server))
    assert run_schedule(db_url, s).outcome == "ok"
    offers_before = count(engine, "offers")
    demo_server.changed = True  # some prices and view counts differ
    start = len(demo_server.requests)

    second = run_schedule(db_url, s)
    assert second.outcome == "ok", second.notes
    asked = [p for p, _ in requests_since(demo_server, start) if p.startswith("/doi/")]
    assert sorted(asked) == sorted(u.split(demo_server.url)[1] for u in article_urls(demo_server))  # once each
    answered = dict(requests_since(demo_server, start))
    changed = [p for p in asked if answered[p] == 200]
    assert changed and len(changed) < 7
    c = second.counts
    assert (c["pages"], c["not_modified"], c["articles_changed"]) == (7, 7 - len(changed), len(changed))
    # The crawl read the pages the step received: new prices are history.
    assert count(engine, "offers") > offers_before
    stored = rows(engine, "SELECT f.url, f.outcome, f.http_status, f.etag FROM fetches f WHERE run_id = :r "
                          "AND outcome = 'changed'", r=second.run_id)
    assert sorted(f["url"].split(demo_server.url)[1] for f in stored) == sorted(changed)
    assert all(f["http_status"] == 200 and f["etag"] for f in stored)

    # And the next refresh is all 304 again, against the new validators.
    third = run_schedule(db_url, s)
    assert (third.counts["not_modified"], third.counts["articles_changed"]) == (7, 0)


def test_a_site_answering_otherwise_is_left_to_the_crawl(
    engine: Engine, db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    urls = article_urls(demo_server)
    paths = [u.split(demo_server.url)[1] for u in urls]
    one_at_a_time = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1", "RETRY_TIMES": "0"}
    assert run_schedule(db_url, spec("demo", tmp_path, urls)).outcome == "ok"  # (one page fails once: retried)
    s = spec("demo", tmp_path, urls, settings=one_at_a_time)
    # The third page now fails; robots.txt now forbids the fifth.
    original = demo_server.reply
    failing, forbidden = paths[2], paths[4]

    def reply(path: str, headers: dict[str, str]) -> Reply:
        if path == failing:
            return Reply(500, b"<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"})
        if path == "/robots.txt":
            return Reply(200, f"User-agent: *\nDisallow: {forbidden}\n".encode(), {"Content-Type": "text/plain"})
        return original(path, headers)

    demo_server.reply = reply  # type: ignore[method-assign]
    start = len(demo_server.requests)
    second = run_schedule(db_url, s)
    assert second.outcome == "ok", second.notes
    asked = [p for p, _ in requests_since(demo_server, start)]
    # The step: robots.txt, two 304s, the 500 -- and nothing more of that site.
    assert asked[:4] == ["/robots.txt", paths[0], paths[1], failing]
    # Then the crawl: its own robots.txt, the rest (conditional, 304) and the failing page; never the forbidden one.
    assert asked[4] == "/robots.txt"
    assert sorted(asked[5:]) == sorted(p for p in paths[2:] if p != forbidden)
    assert forbidden not in asked
    got = {f["url"].split(demo_server.url)[1]: (f["outcome"], f["http_status"], f["error"])
           for f in rows(engine, "SELECT url, outcome, http_status, error FROM fetches WHERE run_id = :r",
                         r=second.run_id)}
    assert got[failing][1] == 500
    assert got[forbidden][0] == "error" and "robots.txt" in got[forbidden][2]
    assert {got[p] for p in paths if p not in (failing, forbidden)} == {("not_modified", 304, None)}


def test_the_step_keeps_the_sites_crawl_delay(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with DemoServer(crawl_delay=0.4) as server:
        urls = article_urls(server)[:4]
        s = spec("slow", tmp_path, urls)
        assert run_schedule(db_url, s).outcome == "ok"
        start = len(server.requests)
        second = run_schedule(db_url, s)
        assert second.counts["not_modified"] == 4
        pages = [r.at for r in server.requests[start:] if r.path.startswith("/doi/")]
    gaps = [b - a for a, b in itertools.pairwise(pages)]
    assert len(pages) == 4 and min(gaps) >= 0.4 * 0.95, gaps


def test_a_failing_step_means_a_full_crawl(
    engine: Engine, db_url: str, demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = spec("demo", tmp_path, article_urls(demo_server))
    assert run_schedule(db_url, s).outcome == "ok"
    monkeypatch.setattr(runner, "revalidate_command",
                        lambda *a, **k: [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); "
                                                               "sys.exit(3)"])
    second = run_schedule(db_url, s)
    assert second.outcome == "ok"
    assert "the revalidation step failed (process exited with code 3; its log ended with:\nboom)" in \
        second.counts["notes"]
    # The crawl asked every page itself, conditionally.
    assert (second.counts["pages"], second.counts["not_modified"]) == (7, 7)


def test_turned_off_the_crawl_asks_conditionally_itself(
    db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    s = spec("demo", tmp_path, article_urls(demo_server), settings={"PAPERWALL_REVALIDATE": "False"})
    assert run_schedule(db_url, s).outcome == "ok"
    start = len(demo_server.requests)
    second = run_schedule(db_url, s)
    assert second.counts["not_modified"] == 7
    assert [p for p, _ in requests_since(demo_server, start)].count("/robots.txt") == 1  # Scrapy's only


def test_sigterm_stops_the_step_and_keeps_its_answers(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with DemoServer(crawl_delay=0.5) as server:
        urls = article_urls(server)
        assert run_schedule(db_url, spec("slow", tmp_path, urls)).outcome == "ok"
        listing = tmp_path / "targets.txt"
        listing.write_text("".join(u + "\n" for u in urls), encoding="utf-8")
        out = tmp_path / "out"
        proc = subprocess.Popen(
            [sys.executable, "-m", "spiders.revalidate", str(listing), "--out", str(out),
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
            env=crawl_env(runner.absolute_db_url(db_url)), cwd=tmp_path, stderr=subprocess.PIPE, text=True,
        )
        start = len(server.requests)
        deadline = time.monotonic() + 30
        while sum(r.status == 304 for r in server.requests[start:]) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        answered = sum(r.status == 304 for r in server.requests[start:])
    assert proc.returncode == 0, err
    assert 2 <= answered < 7
    assert f"{answered} not modified" in err and f"stored {answered} fetches" in err
    assert (out / "rest.txt").read_text() == ""  # the targets not reached are nobody's: they stay due
    assert count(engine, "fetches") == 7 + answered


def test_a_proxy_from_the_environment_is_used_as_by_the_crawl(
    db_url: str, demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo server answers absolute-form requests too, so it can stand in
    # for a proxy in front of a host that does not resolve.
    for name in ("no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", demo_server.url)
    urls = [u.replace(demo_server.url, "http://journal.invalid") for u in article_urls(demo_server)]
    s = spec("proxied", tmp_path, urls)
    assert run_schedule(db_url, s).counts["articles_new"] == 7
    start = len(demo_server.requests)
    second = run_schedule(db_url, s)
    assert (second.counts["pages"], second.counts["not_modified"]) == (7, 7)
    asked = requests_since(demo_server, start)
    assert sorted(asked) == sorted([("http://journal.invalid/robots.txt", 200)] + [(u, 304) for u in urls])


def test_doi_targets_are_asked_through_the_resolver_and_its_redirect(
    engine: Engine, db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    dois = [u.rsplit("/doi/abs/", 1)[1] for u in article_urls(demo_server)]
    s = spec("dois", tmp_path, dois, settings={"PAPERWALL_DOI_RESOLVER": f"{demo_server.url}/resolve/"})
    assert run_schedule(db_url, s).counts["articles_new"] == 7
    start = len(demo_server.requests)
    second = run_schedule(db_url, s)
    assert (second.counts["pages"], second.counts["not_modified"]) == (7, 7)
    asked = requests_since(demo_server, start)
    # robots.txt once (the step's); each DOI: the resolver's 302, then the page's 304.
    assert sorted(asked) == sorted([("/robots.txt", 200)] + [(f"/resolve/{d}", 302) for d in dois]
                                   + [(f"/doi/abs/{d}", 304) for d in dois])
    fetches = rows(engine, "SELECT url, final_url, outcome FROM fetches WHERE run_id = :r", r=second.run_id)
    assert sorted((f["url"], f["final_url"], f["outcome"]) for f in fetches) == sorted(
        (f"{demo_server.url}/resolve/{d}", f"{demo_server.url}/doi/abs/{d}", "not_modified") for d in dois)


def refresh_after_a_change(
    db_url: str, demo_server: DemoServer, tmp_path: Path, settings: dict[str, str]
) -> tuple[list[str], list[tuple[str, int]]]:
    """A first run, then every demo article changes and a second run asks
    them one at a time: (the articles' paths, what the second run asked)."""
    urls = article_urls(demo_server)
    paths = [u.split(demo_server.url)[1] for u in urls]
    assert run_schedule(db_url, spec("demo", tmp_path, urls)).outcome == "ok"
    demo_server.changed = True
    start = len(demo_server.requests)
    second = run_schedule(db_url, spec("demo", tmp_path, urls, settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "1", **settings}))
    assert second.outcome == "ok" and second.counts["pages"] == 7
    return paths, requests_since(demo_server, start)


def test_a_site_whose_pages_mostly_changed_is_left_to_the_crawl(
    db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    paths, asked = refresh_after_a_change(db_url, demo_server, tmp_path, {"PAPERWALL_REVALIDATE_CHANGED": "2"})
    # The demo's first two articles changed: after them the step stops asking that site...
    assert asked[:3] == [("/robots.txt", 200), (paths[0], 200), (paths[1], 200)]
    assert asked[3] == ("/robots.txt", 200)  # ... and the crawl starts
    # Every page was asked once in all: the two the step received were not asked again.
    assert sorted(p for p, _ in asked if p.startswith("/doi/")) == sorted(paths)


def test_changed_pages_kept_for_the_crawl_are_bounded(
    db_url: str, demo_server: DemoServer, tmp_path: Path
) -> None:
    paths, asked = refresh_after_a_change(
        db_url, demo_server, tmp_path, {"PAPERWALL_REVALIDATE_SPOOL_MB": "0.001"}  # ~1 KB
    )
    assert asked[:3] == [("/robots.txt", 200), (paths[0], 200), ("/robots.txt", 200)]
    assert sorted(p for p, _ in asked if p.startswith("/doi/")) == sorted(paths)
