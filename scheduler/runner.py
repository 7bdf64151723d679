"""One scheduled run: pick the targets, crawl them in a `scrapy crawl` process, record the outcome.

    result = run_schedule(db_url, spec)          # what `paperwall schedule run NAME` does

Each run is a ``crawl_runs`` row with trigger ``schedule:NAME``, opened
before the crawl process starts and closed after it ends, whatever happened:

* `ok`: the crawl process ended normally (fetch errors are counted, not fatal);
* `timeout`: it reached the schedule's time limit (Scrapy's CLOSESPIDER_TIMEOUT
  closed it, or it was killed `grace` seconds later);
* `crashed`: it exited with an error code or was killed by a signal (the tail
  of its log goes into `notes`);
* `interrupted`: the scheduler was asked to stop: the crawl got SIGTERM,
  finished its requests in flight and stored them;
* `abandoned`: the process running it died (closed by the next scheduler);
* `failed`: the crawl could not start (a targets file is missing, ...).

A schedule with Scrapyd nodes (`ScheduleSpec.scrapyd`) sends its targets
to them as jobs of the run instead (`scheduler.scrapyd`), with the same
outcomes.

Counts always come from the fetches that were stored, so a crashed or
interrupted run still says what it did; targets it did not reach stay due.

The crawl process is ``python -m scrapy crawl landing -a file=TARGETS -a
run_id=N`` with ``SCRAPY_SETTINGS_MODULE=spiders.settings`` (it works from
an installed package, no scrapy.cfg needed), the database in
``PAPERWALL_DB`` (never on the command line), conditional requests on and
``CLOSESPIDER_TIMEOUT`` set to the time limit.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, or_, select

from scheduler.lock import pid_alive, this_host
from scheduler.schedules import ScheduleSpec, trigger_name
from storage.db import make_engine, normalize_url, session_scope, upgrade
from storage.models import CrawlRun, Target, utcnow
from storage.runs import (
    DueTarget,
    add_targets,
    backing_off,
    closespider_timeout,
    due_skipped_by_backoff,
    due_targets,
    finish_run,
    format_duration,
    start_run,
    targets_for,
    with_time_limit,
)

log = logging.getLogger("paperwall.scheduler")
crawl_log = logging.getLogger("paperwall.crawl")

_MIGRATING = threading.Lock()
GRACE = 30.0  # seconds a crawl gets to stop cleanly (SIGTERM) before SIGKILL
LOG_TAIL = 25  # lines of a crashed crawl's log kept in the run's notes
# Crawl log lines worth repeating in the scheduler's log (the rest only on -v).
_WORTH = re.compile(r"\] (WARNING|ERROR|CRITICAL): |Closing spider \(|stored \d+ fetches")
_LOG_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def absolute_db_url(url: str) -> str:
    """A SQLite URL with a relative path made absolute (the crawl runs in another directory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            parsed = parsed.set(database=str(path.resolve()))
    return parsed.render_as_string(hide_password=False)


def run_owner() -> str:
    return f"{this_host()}:{os.getpid()}"


# --- which targets ----------------------------------------------------------------------


@dataclass
class Selection:
    targets: list[DueTarget] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # domain backing off -> targets left out
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what prevents the run (unreadable file, ...)


def explicit_lines(spec: ScheduleSpec, selection: Selection) -> list[str]:
    """The schedule's files (read now) and DOIs, as target values; bad lines noted."""
    from spiders.spiders.landing import read_targets

    lines: list[str] = list(spec.dois)
    for path in spec.files:
        try:
            lines += Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            selection.problems.append(f"cannot read {path}: {exc.strerror or exc}")
    parsed, rejected = read_targets(lines)
    if rejected:
        shown = ", ".join(repr(r) for r in rejected[:3]) + (", ..." if len(rejected) > 3 else "")
        selection.notes.append(f"{len(rejected)} lines are not URLs or DOIs, skipped: {shown}")
    return [value for _, value in parsed]


def select_targets(engine: Engine, spec: ScheduleSpec, now: datetime | None = None) -> Selection:
    """What this run of `spec` crawls, and what it leaves out (domains backing off)."""
    now = now or utcnow()
    selection = Selection()
    limit = spec.effective_limit
    explicit = explicit_lines(spec, selection) if (spec.files or spec.dois) else []
    if spec.due and not explicit and not spec.sources and not (spec.files or spec.dois):
        # Every watched target that is due: in SQL, most overdue first.
        selection.targets = due_targets(engine, now, limit)
        selection.skipped = due_skipped_by_backoff(engine, now)
    else:
        if explicit:
            added = add_targets(engine, explicit, source=spec.name, now=now)
            if added:
                selection.notes.append(f"{added} new targets watched (source {spec.name})")
        rows: list[Target] = targets_for(engine, explicit) if explicit else []
        if spec.sources:
            rows += _targets_of_sources(engine, spec.sources, now if spec.due else None)
        backoff = backing_off(engine, now)
        seen: set[int] = set()
        picked: list[Target] = []
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)
            if spec.due and row.next_due is not None and row.next_due > now:
                continue
            if row.domain in backoff:
                selection.skipped[row.domain] = selection.skipped.get(row.domain, 0) + 1
                continue
            picked.append(row)
        if spec.due:  # most overdue first, never fetched first of all
            picked.sort(key=lambda t: (t.next_due is not None, t.next_due or now))
        selection.targets = [DueTarget(t.id, t.kind, t.value) for t in picked[:limit]]
    if selection.skipped:
        backoff = backing_off(engine, now)
        for domain, n in sorted(selection.skipped.items()):
            b = backoff.get(domain)
            why = f" until {b.until:%Y-%m-%d %H:%M} UTC ({b.reason})" if b else ""
            selection.notes.append(f"skipped {n} targets of {domain}: backing off{why}")
    return selection


def _targets_of_sources(engine: Engine, sources: Sequence[str], due_by: datetime | None) -> list[Target]:
    query = select(Target).where(Target.source.in_(list(sources)))
    if due_by is not None:
        query = query.where(or_(Target.next_due.is_(None), Target.next_due <= due_by))
    with session_scope(engine) as session:
        return list(session.scalars(query.order_by(Target.id)))


# --- the crawl process ------------------------------------------------------------------


@dataclass
class RunResult:
    name: str
    run_id: int | None
    outcome: str
    counts: dict[str, Any]
    notes: list[str]
    seconds: float
    targets: int
    returncode: int | None = None

    def line(self) -> str:
        """One line about the run, for logs and the CLI."""
        c = self.counts
        if self.run_id is None:
            return f"schedule {self.name}: {self.outcome}: {'; '.join(self.notes)}"
        kinds = ", ".join(f"{k} {v}" for k, v in (c.get("error_kinds") or {}).items())
        text = (
            f"schedule {self.name}: run {self.run_id} {self.outcome} in {self.seconds:.1f} s: "
            f"{c.get('pages', 0)} pages of {self.targets} targets; articles {c.get('articles_new', 0)} new, "
            f"{c.get('articles_changed', 0)} changed, {c.get('articles_unchanged', 0)} unchanged, "
            f"{c.get('not_modified', 0)} not modified (304); problems: {kinds or 'none'}"
        )
        return text


def crawl_command(
    targets_file: Path,
    run_id: int,
    spec: ScheduleSpec,
    foreground: bool,
    progress: bool,
    time_limit: float | None = None,
    prefetched: Path | None = None,
) -> list[str]:
    settings = {
        "PAPERWALL_CONDITIONAL": "True",
        "PAPERWALL_MIGRATE": "False",  # run_schedule / the service migrated already
        "CLOSESPIDER_TIMEOUT": closespider_timeout(spec.time_limit if time_limit is None else time_limit),
        "LOG_LEVEL": "WARNING" if foreground else "INFO",
        "PAPERWALL_PROGRESS": "True" if progress else "False",
        **({"PAPERWALL_PREFETCHED": str(prefetched)} if prefetched is not None else {}),
        **{str(k): str(v) for k, v in spec.settings.items()},
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "landing", "-a", f"file={targets_file}", "-a", f"run_id={run_id}"]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def revalidate_command(
    targets_file: Path, out: Path, run_id: int, spec: ScheduleSpec, foreground: bool, progress: bool
) -> list[str]:
    """The revalidation step (`spiders.revalidate`) of a run, with the crawl's settings."""
    cmd = [sys.executable, "-m", "spiders.revalidate", str(targets_file), "--out", str(out), "--run-id",
           str(run_id), "--time-limit", str(spec.time_limit)]
    settings = {"LOG_LEVEL": "WARNING" if foreground else "INFO", **{str(k): str(v) for k, v in spec.settings.items()}}
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd + (["--progress"] if progress else [])


def revalidates(spec: ScheduleSpec) -> bool:
    """Whether runs of `spec` start with the revalidation step (``PAPERWALL_REVALIDATE``, default on)."""
    value = str(spec.settings.get("PAPERWALL_REVALIDATE", "True")).strip().lower()
    return value not in ("false", "0", "no", "off")


def with_validators(engine: Engine, targets: Sequence[DueTarget]) -> int:
    """How many of the targets have an ETag or Last-Modified to ask with."""
    ids = [t.id for t in targets]
    n = 0
    with session_scope(engine) as session:
        for i in range(0, len(ids), 500):
            n += session.scalar(
                select(func.count()).select_from(Target).where(
                    Target.id.in_(ids[i:i + 500]), or_(Target.etag.is_not(None), Target.last_modified.is_not(None))
                )
            ) or 0
    return n


def crawl_env(db_url: str) -> dict[str, str]:
    """The crawl's environment: project settings module, database, and the
    code this process runs (a source checkout is put on PYTHONPATH)."""
    import spiders

    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    env["PAPERWALL_DB"] = db_url
    root = Path(spiders.__file__).resolve().parent.parent
    if root.name not in ("site-packages", "dist-packages"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


class _LogPump(threading.Thread):
    """Reads the crawl's stderr: keeps the tail, repeats what matters in our log."""

    def __init__(self, stream: IO[str], prefix: str, verbose: bool) -> None:
        super().__init__(name=f"log-{prefix}", daemon=True)
        self.stream, self.prefix, self.verbose = stream, prefix, verbose
        self.tail: deque[str] = deque(maxlen=LOG_TAIL)
        self.soft_timeout = False

    def run(self) -> None:
        forwarding = False
        for raw in self.stream:
            line = raw.rstrip("\n")
            if not line:
                continue
            self.tail.append(line)
            if "Closing spider (closespider_timeout)" in line:
                self.soft_timeout = True
            if _LOG_START.match(line):
                forwarding = self.verbose or bool(_WORTH.search(line))
            if forwarding:
                crawl_log.info("%s %s", self.prefix, line)


def run_schedule(
    db_url: str,
    spec: ScheduleSpec,
    *,
    stop: threading.Event | None = None,
    force: threading.Event | None = None,
    grace: float = GRACE,
    foreground: bool = False,
    progress: bool = False,
    verbose: bool = False,
    now: datetime | None = None,
    migrate: bool = True,
) -> RunResult:
    """Run `spec` once and record it (see the module doc).  `stop`: finish
    early (SIGTERM to the crawl, SIGKILL `grace` s later); `force`: kill now.
    `migrate`: bring the schema up to date first (the service does it once
    at start instead)."""
    db_url = absolute_db_url(db_url)
    engine = make_engine(db_url)
    started = time.monotonic()
    run_id: int | None = None
    try:
        if migrate:
            with _MIGRATING:  # Alembic's command API keeps state in module globals
                upgrade(engine)
        busy = running_elsewhere(engine, spec)
        if busy:
            log.warning("schedule %s: not started, %s", spec.name, busy)
            return RunResult(spec.name, None, "skipped", {}, [busy], 0.0, 0)
        selection = select_targets(engine, spec, now)
        run_id = start_run(
            engine, trigger_name(spec.name), f"schedule {spec.name}: {spec.what}", now=now, owner=run_owner()
        )
        for note in selection.notes:
            log.info("schedule %s: run %d: %s", spec.name, run_id, note)
        if selection.problems or not selection.targets:
            outcome = "failed" if selection.problems else "ok"
            extra = list(selection.problems) or ["nothing to crawl" + (" (nothing is due)" if spec.due else "")]
            counts = finish_run(engine, run_id, outcome=outcome, notes=[*selection.notes, *extra])
            result = RunResult(spec.name, run_id, outcome, counts, [*selection.notes, *extra], 0.0, 0)
            (log.error if selection.problems else log.info)("%s (%s)", result.line(), "; ".join(extra))
            run_id = None  # recorded
            return result
        outcome, returncode, more = _crawl(db_url, engine, spec, run_id, selection.targets, stop, force, grace,
                                           foreground, progress, verbose)
        counts = finish_run(engine, run_id, outcome=outcome, notes=[*selection.notes, *more])
        if spec.scrapyd:
            from scheduler.scrapyd import note_missing

            note_missing(engine, run_id, len(selection.targets), counts)
        notes = [n for n in (counts.get("notes") or "").splitlines() if n]
        result = RunResult(spec.name, run_id, outcome, counts, notes, time.monotonic() - started,
                           len(selection.targets), returncode)
        (log.info if outcome == "ok" else log.warning)("%s", result.line())
        for note in [*more, *(n for n in notes if n.startswith("domain "))]:
            log.warning("schedule %s: run %d: %s", spec.name, run_id, note)
        run_id = None  # recorded
        return result
    except BaseException as exc:
        if run_id is not None:  # the run row exists: it must not stay open
            try:
                finish_run(engine, run_id, outcome="failed", notes=[f"the scheduler failed: {exc!r}"])
            except Exception:  # noqa: BLE001 - the original error matters more
                log.exception("could not record the failure of run %d", run_id)
        raise
    finally:
        engine.dispose()


@dataclass
class _Ended:
    """How one process of a run ended."""

    reason: str | None  # "interrupted", "timeout" or None (it ended by itself)
    killed: bool
    returncode: int | None
    elapsed: float
    tail: list[str]
    soft_timeout: bool  # Scrapy's CLOSESPIDER_TIMEOUT closed the crawl


def _run_process(
    cmd: list[str], cwd: str, db_url: str, label: str, time_limit: float, stop: threading.Event | None,
    force: threading.Event | None, grace: float, foreground: bool, verbose: bool,
) -> _Ended | str:
    """Run one process of a run to its end (the reason it could not start, as text, if so)."""
    try:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=crawl_env(db_url), stdin=subprocess.DEVNULL,
            stdout=None if foreground else subprocess.DEVNULL,
            stderr=None if foreground else subprocess.PIPE,
            text=True, errors="replace",
            start_new_session=True,  # our signals reach it only when we send them
        )
    except OSError as exc:
        return str(exc)
    pump = None
    if proc.stderr is not None:
        pump = _LogPump(proc.stderr, label, verbose)
        pump.start()
    started = time.monotonic()
    reason, killed = _watch(proc, time_limit, stop, force, grace)
    elapsed = time.monotonic() - started
    if pump is not None:
        pump.join(timeout=5)
    return _Ended(reason, killed, proc.returncode, elapsed, list(pump.tail) if pump else [],
                  pump is not None and pump.soft_timeout)


def _crawl(
    db_url: str,
    engine: Engine,
    spec: ScheduleSpec,
    run_id: int,
    targets: list[DueTarget],
    stop: threading.Event | None,
    force: threading.Event | None,
    grace: float,
    foreground: bool,
    progress: bool,
    verbose: bool,
) -> tuple[str, int | None, list[str]]:
    """Run the revalidation step, then the crawl of what it left; (outcome, exit code, notes)."""
    if spec.scrapyd:
        return _crawl_on_scrapyd(spec, run_id, targets, stop, force, grace)
    label = f"[{spec.name} run {run_id}]"
    limit = format_duration(timedelta(seconds=spec.time_limit))
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"paperwall-{spec.name}-") as tmp:
        targets_file = Path(tmp) / "targets.txt"
        targets_file.write_text("".join(t.line + "\n" for t in targets), encoding="utf-8")
        crawl_file, prefetched, left = targets_file, None, spec.time_limit
        if revalidates(spec) and with_validators(engine, targets):
            out = Path(tmp) / "revalidated"
            log.info("schedule %s: run %d: asking %d targets whether they changed (time limit %s)", spec.name,
                     run_id, len(targets), limit)
            step = _run_process(revalidate_command(targets_file, out, run_id, spec, foreground, progress), tmp,
                                db_url, label, spec.time_limit, stop, force, grace, foreground, verbose)
            if isinstance(step, _Ended) and step.reason == "interrupted":
                notes.append("interrupted: the scheduler was stopping" + (
                    " (revalidation killed)" if step.killed else "; the answers received were stored"))
                return "interrupted", step.returncode, notes
            if isinstance(step, _Ended) and step.reason == "timeout":
                notes.append(f"time limit {limit} reached while revalidating")
                return "timeout", step.returncode, notes
            rest = out / "rest.txt"
            stopped = _stopped_early(out)
            if isinstance(step, _Ended) and step.returncode == 0 and stopped:
                # It ended itself: its time limit (the run's), or a signal not ours.
                outcome = "timeout" if stopped == "time limit" else "interrupted"
                notes.append(f"time limit {limit} reached while revalidating" if outcome == "timeout"
                             else "interrupted while revalidating")
                return outcome, step.returncode, notes
            if isinstance(step, _Ended) and step.returncode == 0 and rest.exists():
                if not rest.read_text(encoding="utf-8").strip():
                    return "ok", 0, notes  # every target answered 304
                crawl_file, prefetched = rest, out / "prefetched.jsonl"
                left = max(1.0, spec.time_limit - step.elapsed)
            else:
                why = step if isinstance(step, str) else _ended_badly(step)
                notes.append(f"the revalidation step failed ({why}); every target was crawled in full")
                log.warning("schedule %s: run %d: %s", spec.name, run_id, notes[-1])
        n = len(crawl_file.read_text(encoding="utf-8").splitlines())
        log.info("schedule %s: run %d: crawling %d targets (time limit %s)", spec.name, run_id, n,
                 format_duration(timedelta(seconds=left)))
        ended = _run_process(crawl_command(crawl_file, run_id, spec, foreground, progress, left, prefetched), tmp,
                             db_url, label, left, stop, force, grace, foreground, verbose)
    if isinstance(ended, str):
        return "failed", None, [*notes, f"could not start the crawl process: {ended}"]
    returncode = ended.returncode
    if ended.reason == "interrupted":
        notes.append("interrupted: the scheduler was stopping" + (" (crawl killed)" if ended.killed else
                     "; the crawl stored what it had fetched"))
        return "interrupted", returncode, notes
    if ended.reason == "timeout" or ended.soft_timeout or (returncode == 0 and ended.elapsed >= left):
        notes.append(f"time limit {limit} reached: " + ("the crawl was killed" if ended.killed else
                                                        "the crawl was stopped"))
        return "timeout", returncode, notes
    if returncode == 0:
        return "ok", returncode, notes
    notes.append(_ended_badly(ended, "crawl process"))
    return "crashed", returncode, notes


def _crawl_on_scrapyd(
    spec: ScheduleSpec, run_id: int, targets: list[DueTarget], stop: threading.Event | None,
    force: threading.Event | None, grace: float,
) -> tuple[str, int | None, list[str]]:
    """The crawl as jobs on the schedule's Scrapyd nodes (`scheduler.scrapyd`).
    No revalidation step: the changed pages it keeps on this machine could
    not reach the nodes, whose crawls ask conditionally themselves."""
    from scheduler.scrapyd import Dispatch, ScrapydError, wait

    settings = with_time_limit(
        {"PAPERWALL_CONDITIONAL": "True", "PAPERWALL_MIGRATE": "False", "LOG_LEVEL": "INFO",
         **{str(k): str(v) for k, v in spec.settings.items()}},
        spec.time_limit,
    )
    try:
        sent = Dispatch.start(run_id, [t.line for t in targets], spec.scrapyd, settings)
    except ScrapydError as exc:
        return "failed", None, [f"the crawl could not be sent to Scrapyd: {exc}"]
    log.info("schedule %s: run %d: %d targets for Scrapyd; first jobs: %s", spec.name, run_id, len(targets),
             ", ".join(f"{job.node.url} job {job.id} ({job.targets})" for job in sent.jobs))
    waited = wait(sent, time_limit=spec.time_limit, grace=grace, stop=stop, force=force)
    limit = format_duration(timedelta(seconds=spec.time_limit))
    notes = {
        "timeout": [f"time limit {limit} reached: the Scrapyd jobs still running were cancelled"],
        "interrupted": ["interrupted: the scheduler was stopping; the Scrapyd jobs were cancelled"],
        "crashed": ["a Scrapyd job vanished from its node (a node restarted or stopped answering)"],
    }.get(waited, [])
    outcome, more = sent.ending(waited)
    return outcome, None, notes + more


def _stopped_early(out: Path) -> str | None:
    """Why the revalidation step stopped before asking every target, if it did."""
    try:
        return json.loads((out / "summary.json").read_text(encoding="utf-8")).get("stopped")
    except (OSError, ValueError):
        return None


def _ended_badly(ended: _Ended, what: str = "process") -> str:
    """Why a process failed, with the end of its log."""
    returncode = ended.returncode
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        why = f"{what} killed by {name}"
    else:
        why = f"{what} exited with code {returncode}"
    if ended.tail:
        why += "; its log ended with:\n" + "\n".join(ended.tail)
    return why


def _watch(
    proc: subprocess.Popen[str],
    time_limit: float,
    stop: threading.Event | None,
    force: threading.Event | None,
    grace: float,
) -> tuple[str | None, bool]:
    """Wait for the crawl; stop it on request or at the time limit.  (reason, killed)."""
    started = time.monotonic()
    reason: str | None = None
    term_at: float | None = None
    killed = False
    while True:
        try:
            proc.wait(timeout=0.2)
            return reason, killed
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if force is not None and force.is_set() and not killed:
            reason = reason or "interrupted"
            _signal(proc, signal.SIGKILL)
            killed = True
        elif stop is not None and stop.is_set() and term_at is None:
            reason = "interrupted"
            _signal(proc, signal.SIGTERM)  # Scrapy: stop, finish requests in flight, flush
            term_at = now
        elif term_at is None and now - started >= time_limit:
            # CLOSESPIDER_TIMEOUT should have closed it; make sure.
            reason = "timeout"
            _signal(proc, signal.SIGTERM)
            term_at = now
        if term_at is not None and not killed and now - term_at >= grace:
            _signal(proc, signal.SIGKILL)
            killed = True


def _signal(proc: subprocess.Popen[str], sig: int) -> None:
    try:
        proc.send_signal(sig)
    except ProcessLookupError:
        pass


# --- runs left behind --------------------------------------------------------------------


def running_elsewhere(engine: Engine, spec: ScheduleSpec) -> str | None:
    """A run of this schedule still going in another live process, if any."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(CrawlRun.id, CrawlRun.owner, CrawlRun.started_at)
            .where(CrawlRun.trigger == trigger_name(spec.name), CrawlRun.finished_at.is_(None))
        ).all()
    host, me = this_host(), os.getpid()
    for run_id, owner, started_at in rows:
        owner_host, _, pid = (owner or "").rpartition(":")
        if owner_host == host and pid.isdigit():
            if int(pid) != me and pid_alive(int(pid)):
                return f"run {run_id} of this schedule is still going (pid {pid})"
        elif owner and utcnow() - started_at < timedelta(seconds=spec.time_limit + GRACE):
            return f"run {run_id} of this schedule is still going on {owner_host}"
    return None


def abandon_orphans(engine: Engine, dead_owners: Sequence[str] = ()) -> list[int]:
    """Close runs whose process is gone: a dead pid of this host, or one of
    `dead_owners` ("host:pid", e.g. a scheduler whose stale lock was taken
    over).  Their counts are what was stored; outcome ``abandoned``."""
    host = this_host()
    dead = set(dead_owners)
    with session_scope(engine) as session:
        rows = session.execute(
            select(CrawlRun.id, CrawlRun.owner).where(CrawlRun.finished_at.is_(None), CrawlRun.owner.is_not(None))
        ).all()
    closed = []
    for run_id, owner in rows:
        owner_host, _, pid = (owner or "").rpartition(":")
        gone = owner in dead or (owner_host == host and pid.isdigit() and not pid_alive(int(pid)))
        if gone:
            finish_run(engine, run_id, outcome="abandoned",
                       notes=[f"the process running it ({owner}) died before it finished"])
            closed.append(run_id)
    return closed
