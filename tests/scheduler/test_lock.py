"""One scheduler per database: the lock row, and two real scheduler processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from scheduler.lock import LockHeld, LockLost, SchedulerLockRow, holder
from storage.models import utcnow

from .conftest import Scheduler, paperwall


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_lock_is_exclusive_until_released_or_stale(engine: Engine) -> None:
    t0 = utcnow()
    first = SchedulerLockRow(engine, stale_after=60)
    assert first.acquire(t0) is None
    assert holder(engine).owner == first.owner
    second = SchedulerLockRow(engine, stale_after=60)
    with pytest.raises(LockHeld, match=r"another paperwall scheduler is running against this database \(pid"):
        second.acquire(t0 + timedelta(seconds=30))
    first.heartbeat(t0 + timedelta(seconds=50))
    with pytest.raises(LockHeld):
        second.acquire(t0 + timedelta(seconds=100))  # 50 s after the last heartbeat: still alive
    previous = second.acquire(t0 + timedelta(seconds=111))  # 61 s: stale, taken over
    assert previous is not None and previous.owner == first.owner
    with pytest.raises(LockLost):
        first.heartbeat(t0 + timedelta(seconds=112))  # the old holder finds out and must stop
    first.release()  # not ours any more: leaves the new holder alone
    assert holder(engine).owner == second.owner
    second.release()
    assert holder(engine) is None


def test_a_dead_process_of_this_host_loses_the_lock_at_once(engine: Engine) -> None:
    gone = SchedulerLockRow(engine, pid=dead_pid())
    gone.acquire()
    taker = SchedulerLockRow(engine)
    previous = taker.acquire()  # heartbeat fresh, but that pid no longer exists
    assert previous is not None and previous.pid == gone.pid
    assert holder(engine).pid == taker.pid


def test_a_second_scheduler_process_refuses_to_start(
    db_url: str, start_scheduler: Callable[..., Scheduler]
) -> None:
    first = start_scheduler(db_url)
    first.wait_for("scheduler started")
    second = paperwall("scheduler", "--db", db_url, check=False)
    assert second.returncode == 1
    error = second.stderr.strip()
    assert error.startswith("Error: another paperwall scheduler is running against this database (pid ")
    assert str(first.proc.pid) in error and len(error.splitlines()) == 1
    assert first.stop() == 0
    assert "SIGTERM received: stopping" in first.log and first.lines[-1].endswith("scheduler stopped")
    from storage.db import make_engine

    engine = make_engine(db_url)
    try:
        assert holder(engine) is None  # released: the next scheduler may start
    finally:
        engine.dispose()
