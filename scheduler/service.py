"""`paperwall scheduler`: the APScheduler service that keeps the database fresh.

    serve("postgresql://user@host/paperwall")   # blocks until SIGTERM / SIGINT

* Takes the database's scheduler lock first (`scheduler.lock`): a second
  scheduler on the same database refuses to start.
* Runs APScheduler 3's BackgroundScheduler on the SQLAlchemy job store in
  the same database (`apscheduler_jobs`), so schedules survive restarts; runs
  missed while it was down run once when it starts (coalesce) if they are
  less than an hour late (misfire grace).
* The main thread beats the lock's heartbeat every `heartbeat` seconds and
  wakes the scheduler, so schedules added, paused or removed from the CLI
  take effect within that time.
* Runs go through a pool of `max_parallel` threads (default 1: one crawl at
  a time, the polite choice when schedules share sites); each run is a crawl
  subprocess (`scheduler.runner`).
* SIGTERM / SIGINT: no new runs; the crawl in progress gets SIGTERM (Scrapy
  finishes the requests in flight and stores them), is killed after `grace`
  seconds, and its run is recorded as ``interrupted``; then the lock is
  released and the process exits 0.  A second signal kills the crawl at once.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from datetime import datetime
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy import select, update

from scheduler import jobs
from scheduler.lock import STALE_AFTER, LockHeld, LockLost, SchedulerLockRow
from scheduler.runner import GRACE, abandon_orphans, absolute_db_url
from scheduler.schedules import JOB_OPTIONS, JOBS_TABLE, ScheduleSpec
from storage.db import make_engine, upgrade

log = logging.getLogger("paperwall.scheduler")

HEARTBEAT = 5.0  # seconds
REPEAT_WINDOW = 0.5  # a second signal sooner than this is a duplicate, not "kill it now"


class SchedulerError(RuntimeError):
    """The scheduler cannot start (the message is one line for the user)."""


class ServiceJobStore(SQLAlchemyJobStore):
    """The job store as the running service uses it, while the CLI edits it.

    After a run is submitted APScheduler writes the job back with its next
    run time.  If `paperwall schedule pause` or `remove` changed the row
    meanwhile, that write must not undo it (nor crash the scheduler's loop):
    a paused job (NULL next run time) stays paused, a removed one stays gone.
    """

    def update_job(self, job: Any) -> None:
        import pickle

        from apscheduler.util import datetime_to_utc_timestamp

        table = self.jobs_t
        state = pickle.dumps(job.__getstate__(), self.pickle_protocol)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(table)
                .values(next_run_time=datetime_to_utc_timestamp(job.next_run_time), job_state=state)
                .where(table.c.id == job.id, table.c.next_run_time.is_not(None))
            )
            if result.rowcount == 0:
                exists = conn.execute(select(table.c.id).where(table.c.id == job.id)).first()
                if exists is None:
                    log.info("schedule %s was removed while it was due", job.id)
                else:
                    log.info("schedule %s was paused while it was due: it stays paused", job.id)


class ServiceScheduler(BackgroundScheduler):
    """A BackgroundScheduler whose loop survives a database hiccup, and that
    processes jobs only while running.

    (APScheduler 3's loop, woken by `shutdown()`, processes due jobs once more
    with the state already STOPPED: a job due at that moment would have its
    next run time moved on without being run.)
    """

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        try:
            return super()._process_jobs()
        except Exception:  # noqa: BLE001 - the loop thread must not die
            log.exception("error while looking for due schedules; retrying in %.0f s", HEARTBEAT)
            return HEARTBEAT


def configure_logging(verbose: bool = False) -> None:
    """Timestamped lines on stderr; APScheduler's own chatter only with -v."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.ERROR)
    for noisy in ("alembic", "sqlalchemy", "tzlocal"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _on_event(event: Any) -> None:
    if isinstance(event, JobSubmissionEvent) and event.code == EVENT_JOB_SUBMITTED:
        when = ", ".join(f"{t:%Y-%m-%d %H:%M:%S %Z}" for t in event.scheduled_run_times)
        log.info("schedule %s: run due (scheduled for %s)", event.job_id, when)
    elif isinstance(event, JobSubmissionEvent) and event.code == EVENT_JOB_MAX_INSTANCES:
        log.info("schedule %s: the previous run is still going: this one is skipped", event.job_id)
    elif isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_MISSED:
        log.warning("schedule %s: the run scheduled for %s was missed (more than %d s late): skipped",
                    event.job_id, f"{event.scheduled_run_time:%Y-%m-%d %H:%M:%S %Z}", JOB_OPTIONS["misfire_grace_time"])
    elif isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_ERROR:
        log.error("schedule %s: run failed: %r", event.job_id, event.exception,
                  exc_info=(type(event.exception), event.exception, event.exception.__traceback__)
                  if event.exception else None)


def serve(
    db_url: str,
    *,
    heartbeat: float = HEARTBEAT,
    stale_after: float = STALE_AFTER,
    grace: float = GRACE,
    max_parallel: int = 1,
    verbose: bool = False,
) -> int:
    """Run the scheduler until SIGTERM/SIGINT; returns the exit code (0: clean stop)."""
    db_url = absolute_db_url(db_url)
    context = jobs.ServiceContext(db_url=db_url, grace=grace, verbose=verbose)
    stopping: dict[str, Any] = {"signal": None, "at": 0.0}

    def on_signal(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        now = time.monotonic()
        if context.stop.is_set():
            if now - stopping["at"] < REPEAT_WINDOW:
                return  # the same stop delivered twice (e.g. to the process and to its group)
            log.warning("%s again: killing the crawl in progress", name)
            context.force.set()
        else:
            stopping["signal"], stopping["at"] = name, now
            context.stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    engine = make_engine(db_url)
    lock = SchedulerLockRow(engine, stale_after=stale_after)
    try:
        upgrade(engine)
        try:
            taken_from = lock.acquire()
        except LockHeld as exc:
            raise SchedulerError(str(exc)) from None
        if taken_from is not None:
            log.warning("took over the scheduler lock from %s (%s)", taken_from.owner, taken_from.describe())
        dead = [taken_from.owner.rsplit(":", 1)[0]] if taken_from is not None else []
        for run_id in abandon_orphans(engine, dead):
            log.warning("run %d was left unfinished by a process that died: recorded as abandoned", run_id)
        return _run(context, engine, lock, heartbeat, max_parallel, stopping)
    finally:
        if lock.held:
            lock.release()
        engine.dispose()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run(
    context: jobs.ServiceContext,
    engine: Any,
    lock: SchedulerLockRow,
    heartbeat: float,
    max_parallel: int,
    stopping: dict[str, Any],
) -> int:
    scheduler = ServiceScheduler(
        jobstores={"default": ServiceJobStore(engine=make_engine(context.db_url), tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=max(1, max_parallel))},
        job_defaults=JOB_OPTIONS,
    )
    scheduler.add_listener(
        _on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR
    )
    jobs.set_service(context)
    code = 0
    try:
        scheduler.start(paused=True)  # log what will run before anything does
        _log_started(context.db_url, scheduler, lock)
        scheduler.resume()
        while not context.stop.wait(heartbeat):
            try:
                lock.heartbeat()
            except LockLost as exc:
                log.error("%s: stopping", exc)
                code = 1
                context.stop.set()
                break
            except Exception as exc:  # noqa: BLE001 - a database hiccup: try again next beat
                log.warning("could not refresh the scheduler lock: %s", exc)
            scheduler.wakeup()  # see CLI edits now, not at the next due time
        _log_stopping(context, stopping)
        scheduler.pause()
        scheduler.shutdown(wait=True)  # the run in progress ends (scheduler.runner honours context.stop)
    finally:
        jobs.set_service(None)
        if scheduler.running:
            scheduler.shutdown(wait=False)
    log.info("scheduler stopped")
    return code


def _log_started(db_url: str, scheduler: BackgroundScheduler, lock: SchedulerLockRow) -> None:
    from sqlalchemy.engine import make_url

    shown = make_url(db_url).render_as_string(hide_password=True)
    found = scheduler.get_jobs()
    log.info("scheduler started (pid %d) on %s with %d schedules", lock.pid, shown, len(found))
    for job in sorted(found, key=lambda j: j.id):
        spec = ScheduleSpec.from_dict(job.kwargs["spec"])
        next_run = _when(job.next_run_time) if job.next_run_time else "paused"
        log.info("  %s: %s, %s; next run: %s", job.id, spec.when, spec.what, next_run)


def _log_stopping(context: jobs.ServiceContext, stopping: dict[str, Any]) -> None:
    why = f"{stopping['signal']} received" if stopping.get("signal") else "stop requested"
    with context.lock:
        running = dict(context.running)
    if running:
        log.info("%s: stopping; waiting for the crawl of %s to stop (up to %.0f s, then it is killed)",
                 why, ", ".join(sorted(running)), context.grace)
    else:
        log.info("%s: stopping (no crawl in progress)", why)


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S %Z}"
