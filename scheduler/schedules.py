"""Schedules: named APScheduler jobs in the database's `apscheduler_jobs` table.

A schedule is an APScheduler job whose id is its NAME, whose trigger is an
interval (``--every 6h``) or a crontab line (``--cron "0 3 * * *"``), and
whose kwargs carry a `ScheduleSpec`: what to crawl and how.  The job calls
`scheduler.jobs.run_job`, which runs one crawl (`scheduler.runner`).

Every job gets ``max_instances=1`` (a run never overlaps the previous one),
``coalesce=True`` (runs missed while the scheduler was down run once, not
once per missed slot) and ``misfire_grace_time=3600`` (a run up to an hour
late still runs; APScheduler's default of 1 s would silently drop a run
missed during a restart).

The CLI edits schedules through an APScheduler scheduler that has no loop
at all (`EditScheduler`, started paused) on the same job store
(`ScheduleStore`): it never runs jobs, it only reads and writes them, so it
may be used while `paperwall scheduler` runs.  The service re-reads the store
every few seconds.  (A paused BackgroundScheduler would not do: its loop
processes due jobs once more while it shuts down.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, func, select

from storage.db import make_engine, session_scope, upgrade
from storage.models import CrawlRun, utcnow
from storage.runs import format_duration, parse_duration

JOB_FUNC = "scheduler.jobs:run_job"  # textual reference: stored in the job, must stay stable
JOBS_TABLE = "apscheduler_jobs"
MISFIRE_GRACE = 3600  # seconds
JOB_OPTIONS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE}
DEFAULT_TIME_LIMIT = 3600  # seconds a run may take before it is stopped
DEFAULT_DUE_LIMIT = 1000  # targets per run when crawling due targets
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ScheduleError(ValueError):
    """Bad schedule input or unknown schedule: the message is one line for the user."""


def trigger_name(name: str) -> str:
    """The `crawl_runs.trigger` of a schedule's runs."""
    return f"schedule:{name}"


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise ScheduleError(
            f"bad schedule name {name!r}: use letters, digits, '.', '_' or '-' (at most 64, no leading punctuation)"
        )
    return name


@dataclass
class ScheduleSpec:
    """What a schedule crawls and how (stored in its job's kwargs, JSON-like).

    Targets: the lines of `files` (re-read at every run) and `dois`, the
    targets added with one of `sources`, or, with only `due`, every watched
    target.  `due` restricts all of them to targets that are due (see
    `storage.runs.RefreshPolicy`).  Explicit targets (files, DOIs) are added
    to the watched targets with source = the schedule's name.  Targets on a
    domain that is backing off are always skipped.
    """

    name: str
    every: float | None = None  # seconds
    cron: str | None = None
    due: bool = False
    files: list[str] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    limit: int | None = None
    time_limit: float = DEFAULT_TIME_LIMIT
    settings: dict[str, str] = field(default_factory=dict)
    scrapyd: list[str] = field(default_factory=list)  # Scrapyd nodes' URLs: the crawl runs there

    def __post_init__(self) -> None:
        check_name(self.name)
        if (self.every is None) == (self.cron is None):
            raise ScheduleError("give exactly one of --every INTERVAL or --cron EXPRESSION")
        if self.every is not None and self.every <= 0:
            raise ScheduleError("the interval must be positive")
        if not (self.due or self.files or self.dois or self.sources):
            raise ScheduleError("say what to crawl: --due, --file FILE, --doi DOI or --source NAME")
        if self.time_limit <= 0:
            raise ScheduleError("the time limit must be positive")
        if self.limit is not None and self.limit <= 0:
            raise ScheduleError("the limit must be positive")
        if self.cron is not None:
            cron_trigger(self.cron)  # validates

    def trigger(self, timezone: Any = None) -> IntervalTrigger | CronTrigger:
        if self.cron is not None:
            return cron_trigger(self.cron, timezone)
        return IntervalTrigger(seconds=float(self.every or 0), timezone=timezone)

    @property
    def when(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron}"
        return f"every {format_duration(timedelta(seconds=self.every or 0))}"

    @property
    def what(self) -> str:
        parts = [f"file {f}" for f in self.files]
        if self.dois:
            parts.append(f"{len(self.dois)} DOI{'s' if len(self.dois) > 1 else ''}")
        parts += [f"source {s}" for s in self.sources]
        if self.due:
            parts = [f"due targets of {', '.join(parts)}"] if parts else ["due targets"]
        if self.effective_limit is not None:
            parts.append(f"at most {self.effective_limit}")
        if self.scrapyd:
            parts.append(f"on {len(self.scrapyd)} Scrapyd node{'s' if len(self.scrapyd) > 1 else ''}")
        return "; ".join(parts)

    @property
    def shown_nodes(self) -> list[str]:
        """The Scrapyd nodes without their logins."""
        from scheduler.scrapyd import shown_url

        return [shown_url(url) for url in self.scrapyd]

    @property
    def effective_limit(self) -> int | None:
        """Targets per run: `limit`, else 1000 when crawling all due targets, else no limit."""
        if self.limit is not None:
            return self.limit
        return DEFAULT_DUE_LIMIT if self.due and not (self.files or self.dois) else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScheduleSpec:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def cron_trigger(expression: str, timezone: Any = None) -> CronTrigger:
    """A crontab line (5 fields: minute hour day month day-of-week) as a trigger."""
    try:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    except (ValueError, TypeError, KeyError) as exc:
        raise ScheduleError(f"bad cron expression {expression!r}: {exc}") from None


def parse_interval(text: str) -> float:
    """ "6h" -> 21600.0 (seconds); ScheduleError when unreadable."""
    try:
        return parse_duration(text).total_seconds()
    except ValueError as exc:
        raise ScheduleError(f"bad interval: {exc}") from None


def build_spec(
    name: str,
    every: str | None = None,
    cron: str | None = None,
    *,
    due: bool = False,
    files: list[str] | tuple[str, ...] = (),
    dois: list[str] | tuple[str, ...] = (),
    sources: list[str] | tuple[str, ...] = (),
    limit: int | None = None,
    time_limit: str | None = None,
    settings: dict[str, str] | None = None,
    scrapyd: list[str] | tuple[str, ...] = (),
) -> ScheduleSpec:
    """A checked spec from CLI-style input (files made absolute, intervals parsed)."""
    if every is not None and cron is not None:
        raise ScheduleError("give either --every or --cron, not both")
    from storage.runs import classify_target

    bad = [d for d in dois if classify_target(d)[0] != "doi"]
    if bad:
        raise ScheduleError(f"not a DOI: {', '.join(repr(b) for b in bad)}")
    policy = (settings or {}).get("PAPERWALL_REFRESH_POLICY")
    if policy:
        from storage.runs import RefreshPolicy

        try:
            RefreshPolicy.parse(policy)
        except ValueError as exc:
            raise ScheduleError(f"bad PAPERWALL_REFRESH_POLICY: {exc}") from None
    return ScheduleSpec(
        name=check_name(name),
        every=parse_interval(every) if every is not None else None,
        cron=cron,
        due=due,
        files=[str(Path(f).expanduser().resolve()) for f in files],
        dois=list(dois),
        sources=list(sources),
        limit=limit,
        time_limit=parse_interval(time_limit) if time_limit else DEFAULT_TIME_LIMIT,
        settings=dict(settings or {}),
        scrapyd=_node_urls(scrapyd),
    )


def _node_urls(urls: list[str] | tuple[str, ...]) -> list[str]:
    from scheduler.scrapyd import Node, ScrapydError

    try:
        for url in urls:
            Node(url)  # checks it; the URL is kept as given (a USER:PASSWORD in it is the node's login)
        return [url.strip().rstrip("/") for url in urls]
    except ScrapydError as exc:
        raise ScheduleError(str(exc)) from None


# --- the job store --------------------------------------------------------------------


def job_store(engine: Engine) -> SQLAlchemyJobStore:
    """APScheduler's store on our table (created by migration 0002)."""
    return SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)


@dataclass
class ScheduleInfo:
    name: str
    spec: ScheduleSpec
    paused: bool
    next_run: datetime | None
    last_run: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "when": self.spec.when,
            "what": self.spec.what,
            "state": "paused" if self.paused else "active",
            "next_run": self.next_run,
            "last_run": self.last_run,
            "spec": {**self.spec.to_dict(), "scrapyd": self.spec.shown_nodes},
        }


class EditScheduler(BaseScheduler):
    """An APScheduler scheduler without a loop: it reads and edits the job
    store and never runs a job (nothing ever calls `_process_jobs`)."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)


class ScheduleStore:
    """Read and edit schedules (with an `EditScheduler`: it never runs a job)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.engine = make_engine(db_url)
        upgrade(self.engine)
        self._store_engine = make_engine(db_url)
        self.scheduler = EditScheduler(
            jobstores={"default": job_store(self._store_engine)}, job_defaults=JOB_OPTIONS
        )
        self.scheduler.start(paused=True)

    def close(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.engine.dispose()

    # --- edits -------------------------------------------------------------------

    def add(self, spec: ScheduleSpec, replace: bool = False, next_run_time: datetime | None = None) -> Job:
        """Store a schedule.  An interval schedule first runs at once (as soon
        as a scheduler is up), a cron one at its next slot; `next_run_time`
        overrides that (e.g. a time in the past, to see a missed run)."""
        trigger = spec.trigger(self.scheduler.timezone)
        first = next_run_time
        if first is None and spec.every is not None:
            first = datetime.now(self.scheduler.timezone)
        kwargs: dict[str, Any] = {}
        if first is not None:
            kwargs["next_run_time"] = first
        try:
            return self.scheduler.add_job(
                JOB_FUNC,
                trigger=trigger,
                id=spec.name,
                name=spec.name,
                kwargs={"name": spec.name, "spec": spec.to_dict()},
                replace_existing=replace,
                **JOB_OPTIONS,
                **kwargs,
            )
        except ConflictingIdError:
            raise ScheduleError(
                f"a schedule named {spec.name!r} exists (use --replace, or remove it first)"
            ) from None

    def job(self, name: str) -> Job:
        job = self.scheduler.get_job(name)
        if job is None:
            known = ", ".join(sorted(j.id for j in self.scheduler.get_jobs())) or "none"
            raise ScheduleError(f"no schedule named {name!r} (schedules: {known})")
        return job

    def spec(self, name: str) -> ScheduleSpec:
        return ScheduleSpec.from_dict(self.job(name).kwargs["spec"])

    def pause(self, name: str) -> Job:
        self.job(name)
        return self.scheduler.pause_job(name)

    def resume(self, name: str) -> Job:
        self.job(name)
        return self.scheduler.resume_job(name)

    def remove(self, name: str) -> None:
        self.job(name)
        try:
            self.scheduler.remove_job(name)
        except JobLookupError:
            raise ScheduleError(f"no schedule named {name!r}") from None

    # --- reading -----------------------------------------------------------------

    def list(self) -> list[ScheduleInfo]:
        jobs = sorted(self.scheduler.get_jobs(), key=lambda j: j.id)
        last = last_runs(self.engine, [j.id for j in jobs])
        out = []
        for job in jobs:
            spec = ScheduleSpec.from_dict(job.kwargs["spec"])
            out.append(ScheduleInfo(job.id, spec, job.next_run_time is None, job.next_run_time, last.get(job.id)))
        return out


@contextmanager
def open_store(db_url: str) -> Iterator[ScheduleStore]:
    store = ScheduleStore(db_url)
    try:
        yield store
    finally:
        store.close()


def last_runs(engine: Engine, names: list[str]) -> dict[str, dict[str, Any]]:
    """The latest run of each schedule: {name: {id, started_at, finished_at, outcome, pages, ...}}."""
    if not names:
        return {}
    triggers = {trigger_name(n): n for n in names}
    with session_scope(engine) as session:
        latest = (
            select(CrawlRun.trigger, func.max(CrawlRun.id))
            .where(CrawlRun.trigger.in_(list(triggers)))
            .group_by(CrawlRun.trigger)
        )
        ids: dict[str, int] = dict(session.execute(latest).all())
        if not ids:
            return {}
        runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(list(ids.values())))).all()
        return {
            triggers[r.trigger]: {
                "id": r.id,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "outcome": r.outcome if r.finished_at is not None else "running",
                "pages": r.pages,
                "articles_new": r.articles_new,
                "articles_changed": r.articles_changed,
                "articles_unchanged": r.articles_unchanged,
                "not_modified": r.not_modified,
                "errors": r.errors,
            }
            for r in runs
        }


def now_utc() -> datetime:
    return utcnow()
