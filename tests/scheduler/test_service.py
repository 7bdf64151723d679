"""The scheduler as a real process: missed runs, overlap, restarts, CLI edits, SIGTERM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from paperwall.demo.server import DemoServer
from scheduler.schedules import open_store
from storage.models import utcnow
from tests.storage.factory import rows

from .conftest import Scheduler, article_urls, spec, wait_until


def runs_of(engine: Engine, name: str) -> list[dict]:
    return rows(engine, "SELECT id, started_at, finished_at, outcome FROM crawl_runs WHERE trigger = :t ORDER BY id",
                t=f"schedule:{name}")


def finished(engine: Engine, name: str) -> int:
    return len([r for r in runs_of(engine, name) if r["finished_at"] is not None])


# SQLite only: the same code on PostgreSQL is covered by the lock and runner tests (time budget).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_missed_run_once_no_overlap_restart_and_clean_stop(
    engine: Engine, db_url: str, tmp_path: Path, start_scheduler: Callable[..., Scheduler]
) -> None:
    # A site asking Crawl-delay 0.5 s: each crawl of 4 pages takes a few seconds.
    with DemoServer(crawl_delay=0.5) as site:
        urls = article_urls(site)[:4]
        with open_store(db_url) as store:
            # Due 3 hours ago, every hour: the scheduler was "down" for 3 slots.
            store.add(spec("missed", tmp_path, urls[:1], every=3600), next_run_time=utcnow() - timedelta(hours=3))
            # Due every second, each run lasting longer than that.
            store.add(spec("busy", tmp_path, urls, every=1))

        first = start_scheduler(db_url, "--max-parallel", "2")  # overlap is possible: max_instances=1 forbids it
        first.wait_for("scheduler started")
        wait_until(lambda: finished(engine, "missed") >= 1 and finished(engine, "busy") >= 2, 60,
                   "the missed run and two busy runs", first)
        first.wait_for("schedule busy: the previous run is still going: this one is skipped")
        assert first.stop() == 0
        log = first.log
        assert "SIGTERM received: stopping" in log and first.lines[-1].endswith("scheduler stopped")

        missed = runs_of(engine, "missed")
        assert [r["outcome"] for r in missed] == ["ok"]  # 3 missed slots, coalesced into one run
        busy = runs_of(engine, "busy")
        assert all(r["finished_at"] is not None for r in busy)  # none left open by the stop
        assert {r["outcome"] for r in busy} <= {"ok", "interrupted"}
        for before, after in zip(busy, busy[1:], strict=False):
            assert str(after["started_at"]) >= str(before["finished_at"]), "runs of one schedule overlapped"

        # Restart: the jobs are still there; "missed" is not due again for an hour.
        with open_store(db_url) as store:
            store.pause("busy")
            assert store.job("missed").next_run_time > utcnow() + timedelta(minutes=50)
        second = start_scheduler(db_url)
        second.wait_for("missed: every 1h")
        assert "busy: every 1s" in second.log and "next run: paused" in second.log
        # A CLI edit while the scheduler runs is seen within a heartbeat.
        count = len(busy)
        with open_store(db_url) as store:
            store.resume("busy")
        wait_until(lambda: len(runs_of(engine, "busy")) > count, 30, "a busy run after resume", second)
        assert second.stop() == 0
        assert len(runs_of(engine, "missed")) == 1
