"""One scheduler per database: a lock row with an owner and a heartbeat.

APScheduler 3 cannot share a job store between two running schedulers (both
would run every job).  `paperwall scheduler` therefore takes the row
``scheduler_lock(name='scheduler')`` before it starts:

* no row: insert it (a concurrent insert loses on the primary key);
* a row whose heartbeat is older than `stale_after`, or whose owner is a
  process of this host that no longer exists: take it over (the update is
  conditional on the old owner, so two takers cannot both win);
* otherwise refuse with `LockHeld`, naming the holder.

The holder refreshes `heartbeat_at` every few seconds and deletes the row
when it stops; if the refresh finds the row gone or owned by someone else it
gets `LockLost` and must stop.

Why a row and not PostgreSQL's advisory locks + a lock file for SQLite: one
mechanism for both engines, in the database the schedules live in (a lock
file would not protect a SQLite file on a network share, or two hosts), and
`paperwall status` can show who holds it.  The price: a scheduler killed
with SIGKILL on another host blocks a new one for `stale_after` seconds (on
the same host the dead pid is noticed at once).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import session_scope
from storage.models import SchedulerLock, utcnow

LOCK_NAME = "scheduler"
STALE_AFTER = 60.0  # seconds without a heartbeat before another scheduler may take over


class LockHeld(RuntimeError):
    """Another live scheduler holds the lock."""


class LockLost(RuntimeError):
    """Our lock row is gone or was taken over: this scheduler must stop."""


@dataclass(frozen=True)
class Holder:
    owner: str
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self, now: datetime | None = None) -> str:
        age = ((now or utcnow()) - self.heartbeat_at).total_seconds()
        return (
            f"pid {self.pid} on {self.host}, running since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"last heartbeat {age:.0f} s ago"
        )


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Whether a process of this host has this pid (signal 0 probes without killing)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def holder(engine: Engine, name: str = LOCK_NAME) -> Holder | None:
    """Who holds the lock (None: nobody)."""
    with session_scope(engine) as session:
        row = session.get(SchedulerLock, name)
        if row is None:
            return None
        return Holder(row.owner, row.host, row.pid, row.acquired_at, row.heartbeat_at)


class SchedulerLockRow:
    """The lock, held by this process once `acquire` returned."""

    def __init__(
        self, engine: Engine, name: str = LOCK_NAME, stale_after: float = STALE_AFTER, pid: int | None = None
    ) -> None:
        self.engine = engine
        self.name = name
        self.stale_after = timedelta(seconds=stale_after)
        self.host = this_host()
        self.pid = pid if pid is not None else os.getpid()
        self.owner = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.held = False

    def acquire(self, now: datetime | None = None) -> Holder | None:
        """Take the lock; returns the previous holder when a dead/stale one was taken over.

        Raises LockHeld when a live scheduler holds it.
        """
        now = now or utcnow()
        try:
            previous = self._acquire(now)
        except IntegrityError:
            # Another process inserted the row between our read and our insert.
            current = holder(self.engine, self.name)
            raise LockHeld(self._held_message(current, now)) from None
        self.held = True
        return previous

    def _acquire(self, now: datetime) -> Holder | None:
        with session_scope(self.engine, write=True) as session:
            row = session.scalars(
                select(SchedulerLock).where(SchedulerLock.name == self.name).with_for_update()
            ).first()
            if row is None:
                session.add(
                    SchedulerLock(
                        name=self.name, owner=self.owner, host=self.host, pid=self.pid, acquired_at=now,
                        heartbeat_at=now,
                    )
                )
                session.flush()
                return None
            current = Holder(row.owner, row.host, row.pid, row.acquired_at, row.heartbeat_at)
            if row.owner != self.owner and not self._is_dead(current, now):
                raise LockHeld(self._held_message(current, now))
            taken: Any = session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == self.name, SchedulerLock.owner == row.owner)
                .values(owner=self.owner, host=self.host, pid=self.pid, acquired_at=now, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                raise LockHeld(f"another scheduler took the lock at the same moment ({current.owner})")
            return current if row.owner != self.owner else None

    def _is_dead(self, current: Holder, now: datetime) -> bool:
        if now - current.heartbeat_at > self.stale_after:
            return True
        return current.host == self.host and current.pid != self.pid and not pid_alive(current.pid)

    def _held_message(self, current: Holder | None, now: datetime) -> str:
        who = current.describe(now) if current else "unknown holder"
        return (
            f"another paperwall scheduler is running against this database ({who}); "
            f"only one may run at a time (stop it first, or wait {self.stale_after.total_seconds():.0f} s "
            f"after it died)"
        )

    def heartbeat(self, now: datetime | None = None) -> None:
        """Refresh the heartbeat; LockLost if the row is no longer ours."""
        with session_scope(self.engine, write=True) as session:
            result: Any = session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == self.name, SchedulerLock.owner == self.owner)
                .values(heartbeat_at=now or utcnow())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                self.held = False
                raise LockLost("the scheduler lock was taken over by another process (our heartbeat was too late)")

    def release(self) -> None:
        """Give the lock up (only if it is still ours)."""
        with session_scope(self.engine, write=True) as session:
            session.execute(
                delete(SchedulerLock)
                .where(SchedulerLock.name == self.name, SchedulerLock.owner == self.owner)
                .execution_options(synchronize_session=False)
            )
        self.held = False
