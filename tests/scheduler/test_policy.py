"""Refresh policy, target and domain backoff, 304 writes, target selection: time passed explicitly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.runner import select_targets
from scheduler.schedules import ScheduleSpec
from spiders.items import FetchResult
from storage.runs import (
    DEFAULT_POLICY,
    RefreshPolicy,
    add_targets,
    backing_off,
    due_skipped_by_backoff,
    due_targets,
    finish_run,
    parse_duration,
    start_run,
    validators_for,
)
from storage.writer import write_batch
from tests.storage.factory import TABLES, blocked, count, record, rows, snapshot

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FRESH, RECENT, OLD = "10.1000/fresh.1", "10.1000/recent.2", "10.1000/old.3"
PUBLISHED = {FRESH: NOW.date() - timedelta(days=10), RECENT: NOW.date() - timedelta(days=200),
             OLD: date(2013, 4, 24)}


def fetched(rec, at: datetime, *, url: str | None = None, status: int | None = None, **kw) -> FetchResult:
    url = url or (rec.url if rec is not None else "https://journal.org/x")
    if status is None:
        status = 200 if rec is not None and rec.status == "article" else 403
    return FetchResult(url=url, final_url=url, http_status=status, fetched_at=at.isoformat(), record=rec, **kw)


def article(doi: str):
    return record(doi, published=PUBLISHED[doi].isoformat())


def test_policy_intervals_by_age_and_its_text_form() -> None:
    p = DEFAULT_POLICY
    assert p.interval(PUBLISHED[FRESH], NOW) == timedelta(days=1)
    assert p.interval(NOW.date() - timedelta(days=30), NOW) == timedelta(days=1)
    assert p.interval(PUBLISHED[RECENT], NOW) == timedelta(days=7)
    assert p.interval(PUBLISHED[OLD], NOW) == timedelta(days=30)
    assert p.interval(None, NOW) == timedelta(days=7)
    assert [p.retry_delay(n) for n in (1, 2, 3)] == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=4)]
    assert p.retry_delay(50) == timedelta(days=30)  # capped
    custom = RefreshPolicy.parse("7d:6h, 90d:2d, *:60d, ?:1d, retry:30m")
    assert custom.interval(NOW.date() - timedelta(days=3), NOW) == timedelta(hours=6)
    assert custom.interval(NOW.date() - timedelta(days=50), NOW) == timedelta(days=2)
    assert custom.interval(PUBLISHED[OLD], NOW) == timedelta(days=60)
    assert custom.retry_delay(2) == timedelta(hours=1)
    assert RefreshPolicy.parse(p.describe()) == p
    assert RefreshPolicy.parse("") == p
    for bad in ("garbage", "30d:", "30x:1d", "*:0s"):
        with pytest.raises(ValueError):
            RefreshPolicy.parse(bad)
    assert parse_duration("1h30m") == timedelta(minutes=90)


def test_targets_fall_due_by_the_age_of_their_article(engine: Engine) -> None:
    add_targets(engine, [FRESH, RECENT, OLD], now=NOW)
    assert len(due_targets(engine, NOW)) == 3  # never fetched: due at once
    write_batch(engine, [fetched(article(d), NOW, target=d) for d in (FRESH, RECENT, OLD)])
    due = lambda later: sorted(t.value for t in due_targets(engine, NOW + later))  # noqa: E731
    assert due(timedelta(hours=23)) == []
    assert due(timedelta(days=1, seconds=1)) == [FRESH]
    assert due(timedelta(days=7, seconds=1)) == [FRESH, RECENT]
    assert due(timedelta(days=30, seconds=1)) == [FRESH, OLD, RECENT]
    # A custom policy (PAPERWALL_REFRESH_POLICY) applies from the next fetch on.
    write_batch(engine, [fetched(article(OLD), NOW, target=OLD)], policy=RefreshPolicy.parse("*:2d"))
    assert OLD in due(timedelta(days=2, seconds=1))


def test_a_failing_target_backs_off_exponentially_and_recovers(engine: Engine) -> None:
    url = "https://journal.org/blocked"
    add_targets(engine, [url], now=NOW)
    delays = []
    for n in range(4):
        at = NOW + timedelta(days=n)
        write_batch(engine, [fetched(blocked(url), at)])
        (target,) = rows(engine, "SELECT * FROM targets")
        delays.append(target["consecutive_failures"])
        assert not due_targets(engine, at + timedelta(hours=2 ** n) - timedelta(seconds=1))
        assert due_targets(engine, at + timedelta(hours=2 ** n))
    assert delays == [1, 2, 3, 4]
    write_batch(engine, [fetched(record(url=url, doi=None, published=None), NOW + timedelta(days=5), url=url)])
    (target,) = rows(engine, "SELECT consecutive_failures, last_status FROM targets")
    assert target == {"consecutive_failures": 0, "last_status": "article"}


def test_a_304_writes_no_article_row_and_moves_the_due_time(engine: Engine) -> None:
    add_targets(engine, [FRESH], now=NOW)
    rec = article(FRESH)
    write_batch(engine, [fetched(rec, NOW, target=FRESH, etag='"v1"', last_modified="Mon, 04 Mar 2024 10:00:00 GMT")])
    before = snapshot(engine, ignore=("last_seen",))
    later = NOW + timedelta(days=2)
    run = start_run(engine, "test", now=later)
    not_modified = FetchResult(url=rec.url, final_url=rec.url, http_status=304, fetched_at=later.isoformat(),
                               etag='"v1"', target=FRESH, bytes=0)
    stats = write_batch(engine, [not_modified], run_id=run)
    assert (stats.not_modified, stats.articles_unchanged, stats.errors) == (1, 0, 0)
    assert snapshot(engine, ignore=("last_seen",)) == before  # no article row written or changed
    assert {t: count(engine, t) for t in TABLES} == {t: len(before[t]) for t in TABLES}
    (fetch,) = rows(engine, "SELECT outcome, page_status, article_id, etag FROM fetches WHERE http_status = 304")
    assert fetch == {"outcome": "not_modified", "page_status": None, "article_id": 1, "etag": '"v1"'}
    (art,) = rows(engine, "SELECT last_seen FROM articles")
    assert str(art["last_seen"]).startswith(later.strftime("%Y-%m-%d %H:%M"))  # decided: a 304 moves last_seen
    # Due again one day (fresh article) after the 304, not after the first fetch.
    assert not due_targets(engine, later + timedelta(hours=23))
    assert due_targets(engine, later + timedelta(days=1, seconds=1))
    counts = finish_run(engine, run, now=later)
    assert (counts["not_modified"], counts["pages"], counts["errors"], counts["outcome"]) == (1, 1, 0, "ok")
    # The next request sends the validators of the newest good fetch: this 304 (ETag only).
    assert validators_for(engine, [rec.url]) == {rec.url: ('"v1"', None)}
    assert validators_for(engine, [rec.url], [FRESH]) == {rec.url: ('"v1"', None)}  # from the target row


def test_validators_come_from_the_last_good_fetch_only(engine: Engine) -> None:
    rec = article(FRESH)
    write_batch(engine, [fetched(rec, NOW, etag='"old"')])
    failed = fetched(None, NOW + timedelta(days=1), url=rec.url, status=200, etag='"broken"',
                     error="extraction failed: boom")
    write_batch(engine, [failed])
    assert validators_for(engine, [rec.url, "https://elsewhere.org/"]) == {rec.url: ('"old"', None)}


def test_a_domain_backs_off_after_three_challenges_and_due_targets_skip_it(engine: Engine) -> None:
    bad = [f"https://blocked.example/a/{i}" for i in range(4)]
    good = "https://fine.example/a/1"
    add_targets(engine, [*bad, good], now=NOW)
    run = start_run(engine, "test", now=NOW)
    results = [fetched(blocked(u), NOW + timedelta(seconds=i)) for i, u in enumerate(bad[:3])]
    results.append(fetched(record(url=good, doi=None), NOW + timedelta(seconds=5), url=good))
    write_batch(engine, results, run_id=run)
    counts = finish_run(engine, run, now=NOW + timedelta(minutes=1))
    assert "domain blocked.example backs off until" in counts["notes"] and "3 bot challenges" in counts["notes"]
    assert counts["error_kinds"] == {"challenge": 3}
    (backoff,) = backing_off(engine, NOW + timedelta(minutes=5)).values()
    assert backoff.domain == "blocked.example"
    assert backoff.until == NOW + timedelta(seconds=2) + timedelta(hours=1)
    # bad[3] was never fetched but is known to live there: skipped while the domain backs off.
    assert [t.value for t in due_targets(engine, NOW + timedelta(minutes=5))] == []
    assert due_skipped_by_backoff(engine, NOW + timedelta(minutes=5)) == {"blocked.example": 1}
    assert bad[3] in [t.value for t in due_targets(engine, NOW + timedelta(hours=2), skip_backoff=True)]

    # Challenged again once the backoff ended: the second backoff lasts twice as long.
    again = NOW + timedelta(hours=3)
    run2 = start_run(engine, "test", now=again)
    write_batch(engine, [fetched(blocked(u), again + timedelta(seconds=i)) for i, u in enumerate(bad[:3])],
                run_id=run2)
    finish_run(engine, run2, now=again)
    (backoff,) = backing_off(engine, again).values()
    assert backoff.until == again + timedelta(seconds=2) + timedelta(hours=2)

    # A normal answer resets the streak: two challenges then a page do not trip it.
    run3 = start_run(engine, "test", now=again)
    late = again + timedelta(hours=3)
    write_batch(engine, [fetched(blocked(bad[0]), late), fetched(blocked(bad[1]), late + timedelta(seconds=1)),
                         fetched(record(url=bad[2], doi=None), late + timedelta(seconds=2), url=bad[2]),
                         fetched(blocked(bad[3]), late + timedelta(seconds=3))], run_id=run3)
    finish_run(engine, run3, now=late)
    assert backing_off(engine, late + timedelta(seconds=10)) == {}
    (state,) = rows(engine, "SELECT strikes, trips FROM domain_backoff WHERE domain = 'blocked.example'")
    assert state == {"strikes": 1, "trips": 0}


def test_a_429_backs_off_at_once_and_counts_as_rate_limited(engine: Engine) -> None:
    run = start_run(engine, "test", now=NOW)
    url = "https://busy.example/a/1"
    write_batch(engine, [fetched(blocked(url, status="not_article"), NOW, status=429)], run_id=run)
    counts = finish_run(engine, run, now=NOW)
    assert counts["error_kinds"] == {"rate_limited": 1}
    assert "HTTP 429" in backing_off(engine, NOW)["busy.example"].reason
    (last,) = rows(engine, "SELECT last_error FROM domain_backoff")
    assert "429" in last["last_error"]


def test_a_schedule_selects_its_targets_and_skips_domains_backing_off(engine: Engine, tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("# watch list\nhttps://fine.example/a/1\nhttps://blocked.example/a/1\nnot a url\n",
                       encoding="utf-8")
    spec = ScheduleSpec(name="watch", every=60, files=[str(listing)], dois=["10.1000/Fresh.1"])
    run = start_run(engine, "test", now=NOW)
    write_batch(engine, [fetched(None, NOW, url="https://blocked.example/x", status=429)], run_id=run)
    finish_run(engine, run, now=NOW)

    chosen = select_targets(engine, spec, NOW)
    assert [t.line for t in chosen.targets] == ["doi:10.1000/fresh.1", "https://fine.example/a/1"]
    assert chosen.skipped == {"blocked.example": 1}
    assert any("skipped 1 targets of blocked.example: backing off until" in n for n in chosen.notes)
    assert any("1 lines are not URLs or DOIs" in n for n in chosen.notes)
    assert rows(engine, "SELECT DISTINCT source FROM targets") == [{"source": "watch"}]

    # --due: only what is due; --source: another schedule's targets.
    write_batch(engine, [fetched(record(url="https://fine.example/a/1", doi=None, published=None), NOW,
                                 url="https://fine.example/a/1")])
    due_only = ScheduleSpec(name="due", every=60, sources=["watch"], due=True)
    assert [t.value for t in select_targets(engine, due_only, NOW).targets] == ["10.1000/fresh.1"]
    everything = ScheduleSpec(name="all", every=60, due=True)
    assert [t.value for t in select_targets(engine, everything, NOW).targets] == ["10.1000/fresh.1"]
    missing = ScheduleSpec(name="gone", every=60, files=[str(tmp_path / "nope.txt")])
    assert select_targets(engine, missing, NOW).problems
