"""What `paperwall runs` and `paperwall status` show, as plain data (dicts, lists)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select

from scheduler.lock import holder
from storage.db import session_scope
from storage.models import CrawlRun, DomainBackoff, Target, utcnow


def recent_runs(engine: Engine, limit: int = 20, trigger: str | None = None) -> list[dict[str, Any]]:
    """The latest runs, newest first, with duration and errors by kind."""
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if trigger:
        query = query.where(CrawlRun.trigger == trigger)
    now = utcnow()
    out = []
    with session_scope(engine) as session:
        for run in session.scalars(query):
            end = run.finished_at or now
            out.append(
                {
                    "id": run.id,
                    "trigger": run.trigger,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "seconds": round((end - run.started_at).total_seconds(), 1),
                    "outcome": run.outcome if run.finished_at is not None else "running",
                    "pages": run.pages,
                    "articles_new": run.articles_new,
                    "articles_changed": run.articles_changed,
                    "articles_unchanged": run.articles_unchanged,
                    "not_modified": run.not_modified,
                    "skipped": run.skipped,
                    "errors": run.errors,
                    "error_kinds": dict(sorted((run.error_kinds or {}).items())),
                    "status_counts": dict(sorted((run.status_counts or {}).items())),
                    "notes": [n for n in (run.notes or "").splitlines() if n],
                    "description": run.description,
                }
            )
    return out


def status(engine: Engine, now: datetime | None = None, errors: int = 20) -> dict[str, Any]:
    """Targets due, domains backing off, the last error per domain, the scheduler's lock."""
    now = now or utcnow()
    due = or_(Target.next_due.is_(None), Target.next_due <= now)
    backing_off = select(DomainBackoff.domain).where(DomainBackoff.until > now)
    with session_scope(engine) as session:
        total = session.scalar(select(func.count()).select_from(Target)) or 0
        due_now = session.scalar(select(func.count()).select_from(Target).where(due)) or 0
        blocked = session.scalar(
            select(func.count()).select_from(Target).where(due, Target.domain.in_(backing_off))
        ) or 0
        soon = session.scalar(
            select(func.count()).select_from(Target).where(
                Target.next_due > now, Target.next_due <= now + timedelta(days=1)
            )
        ) or 0
        never = session.scalar(select(func.count()).select_from(Target).where(Target.last_fetched.is_(None))) or 0
        failing = session.scalar(
            select(func.count()).select_from(Target).where(Target.consecutive_failures > 0)
        ) or 0
        next_due = session.scalar(select(func.min(Target.next_due)).where(Target.next_due > now))
        backoff = [
            {"domain": d.domain, "until": d.until, "reason": d.reason, "trips": d.trips}
            for d in session.scalars(
                select(DomainBackoff).where(DomainBackoff.until > now).order_by(DomainBackoff.until.desc())
            )
        ]
        last_errors = [
            {"domain": d.domain, "at": d.last_error_at, "error": d.last_error, "strikes": d.strikes,
             "last_ok_at": d.last_ok_at}
            for d in session.scalars(
                select(DomainBackoff)
                .where(DomainBackoff.last_error.is_not(None))
                .order_by(DomainBackoff.last_error_at.desc())
                .limit(errors)
            )
        ]
        last_run = session.execute(
            select(CrawlRun.id, CrawlRun.trigger, CrawlRun.started_at, CrawlRun.finished_at, CrawlRun.outcome)
            .order_by(CrawlRun.id.desc())
            .limit(1)
        ).first()
    lock = holder(engine)
    return {
        "now": now,
        "targets": {
            "total": total,
            "due_now": due_now - blocked,
            "due_but_domain_backing_off": blocked,
            "due_within_24h": soon,
            "never_fetched": never,
            "failing": failing,
            "next_due": next_due,
        },
        "domains_backing_off": backoff,
        "last_error_per_domain": last_errors,
        "scheduler": (
            {"running": True, "pid": lock.pid, "host": lock.host, "since": lock.acquired_at,
             "heartbeat_at": lock.heartbeat_at,
             "heartbeat_age_s": round((now - lock.heartbeat_at).total_seconds(), 1)}
            if lock else {"running": False}
        ),
        "last_run": (
            {"id": last_run[0], "trigger": last_run[1], "started_at": last_run[2], "finished_at": last_run[3],
             "outcome": last_run[4] if last_run[3] is not None else "running"}
            if last_run else None
        ),
    }
