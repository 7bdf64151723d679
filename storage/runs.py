"""Crawl runs and the target list: what to fetch, when, and how each run went."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Engine, case, func, or_, select

from storage.db import session_scope
from storage.models import CrawlRun, Fetch, Target, utcnow

# Scheduling defaults the writer applies after each fetch of a target.
REFRESH_INTERVAL = timedelta(days=7)  # a good page is looked at again weekly
RETRY_BASE = timedelta(hours=1)  # a failing one is retried 1h, 2h, 4h, ... later

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def strip_doi(value: str) -> str:
    """ "doi:10.x/Y" or "https://doi.org/10.x/Y" -> "10.x/y" (no validation)."""
    return unquote(_DOI_PREFIX.sub("", value.strip())).lower()


def normalize_doi(value: str | None) -> str | None:
    """Bare lower-case DOI from "10.x/y", "doi:10.x/y" or a doi.org URL; None if not a DOI."""
    bare = strip_doi(value) if value else ""
    return bare if _DOI.match(bare) else None


def classify_target(value: str) -> tuple[str, str]:
    """("doi", bare lower-case DOI) or ("url", the value stripped)."""
    doi = normalize_doi(value)
    return ("doi", doi) if doi else ("url", value.strip())


def retry_delay(failures: int) -> timedelta:
    """Exponential backoff, capped at the normal refresh interval."""
    return min(RETRY_BASE * 2 ** max(failures - 1, 0), REFRESH_INTERVAL)


@dataclass(frozen=True)
class DueTarget:
    id: int
    kind: str  # doi|url
    value: str

    @property
    def url(self) -> str:
        """What to request: DOIs resolve through doi.org."""
        return f"https://doi.org/{self.value}" if self.kind == "doi" else self.value


def add_targets(
    engine: Engine, values: Iterable[str], source: str | None = None, now: datetime | None = None
) -> int:
    """Watch these DOIs/URLs (duplicates and known ones are skipped). Returns how many were new."""
    wanted: dict[str, str] = {}
    for raw in values:
        if raw and raw.strip():
            kind, value = classify_target(raw)
            wanted.setdefault(value, kind)
    if not wanted:
        return 0
    with session_scope(engine, write=True) as session:
        known: set[str] = set()
        names = list(wanted)
        for i in range(0, len(names), 500):  # stay far below bind-parameter limits
            chunk = names[i : i + 500]
            known.update(session.scalars(select(Target.value).where(Target.value.in_(chunk))))
        added_at = now or utcnow()
        fresh = [v for v in names if v not in known]
        session.add_all(
            Target(kind=wanted[v], value=v, source=source, added_at=added_at, consecutive_failures=0)
            for v in fresh
        )
    return len(fresh)


def due_targets(engine: Engine, now: datetime | None = None, limit: int | None = 100) -> list[DueTarget]:
    """Targets never fetched or due by `now`, most overdue first (never-fetched first of all)."""
    now = now or utcnow()
    query = (
        select(Target.id, Target.kind, Target.value)
        .where(or_(Target.next_due.is_(None), Target.next_due <= now))
        .order_by(case((Target.next_due.is_(None), 0), else_=1), Target.next_due, Target.id)
        .limit(limit)
    )
    with session_scope(engine) as session:
        return [DueTarget(*row) for row in session.execute(query)]


def start_run(
    engine: Engine, trigger: str, description: str | None = None, now: datetime | None = None
) -> int:
    """Open a crawl run; pass its id to `write_batch` so fetches point at it."""
    with session_scope(engine, write=True) as session:
        run = CrawlRun(trigger=trigger, description=description, started_at=now or utcnow(), **_zero_counts())
        session.add(run)
        session.flush()
        return run.id


def finish_run(
    engine: Engine,
    run_id: int,
    stats: Any | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Close a run and store its counts; returns them.

    `stats` is a `WriteStats` (or its `as_dict()`), e.g. the sum over the
    run's batches.  Without it the counts are computed from the run's
    fetches, which is always right even if batches were written elsewhere.
    """
    with session_scope(engine, write=True) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise LookupError(f"no crawl run with id {run_id}")
        counts = _counts_from_stats(stats) if stats is not None else _counts_from_fetches(session, run_id)
        for name, value in counts.items():
            setattr(run, name, value)
        run.finished_at = now or utcnow()
    return counts


def _zero_counts() -> dict[str, Any]:
    names = (
        "pages",
        "articles_new",
        "articles_changed",
        "articles_unchanged",
        "challenges",
        "not_found",
        "errors",
    )
    return {**dict.fromkeys(names, 0), "status_counts": {}}


def _counts_from_stats(stats: Any) -> dict[str, Any]:
    d: Mapping[str, Any] = stats if isinstance(stats, Mapping) else stats.as_dict()
    statuses = dict(d.get("statuses", {}))
    return {
        "pages": d.get("fetches", 0),
        "articles_new": d.get("articles_new", 0),
        "articles_changed": d.get("articles_changed", 0),
        "articles_unchanged": d.get("articles_unchanged", 0),
        "challenges": statuses.get("challenge", 0),
        "not_found": statuses.get("not_found", 0),
        "errors": d.get("errors", 0),
        "status_counts": statuses,
    }


def _counts_from_fetches(session: Any, run_id: int) -> dict[str, Any]:
    status = func.coalesce(Fetch.page_status, "error")
    rows = session.execute(
        select(status, Fetch.outcome, Fetch.error.is_not(None), func.count())
        .where(Fetch.run_id == run_id)
        .group_by(status, Fetch.outcome, Fetch.error.is_not(None))
    ).all()
    counts = _zero_counts()
    statuses: dict[str, int] = {}
    for page_status, outcome, has_error, n in rows:
        counts["pages"] += n
        statuses[page_status] = statuses.get(page_status, 0) + n
        if outcome in ("new", "changed", "unchanged"):
            counts[f"articles_{outcome}"] += n
        if has_error:
            counts["errors"] += n
    counts.update(
        challenges=statuses.get("challenge", 0),
        not_found=statuses.get("not_found", 0),
        status_counts=statuses,
    )
    return counts
