"""`paperwall scheduler`, `paperwall schedule ...`, `paperwall runs`, `paperwall status`.

The scheduler service and its schedules live in `scheduler/`; this module
only parses options, prints, and turns `ScheduleError` into one-line errors.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import click

from storage.db import default_url

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="Output as an aligned table or as JSON.",
)
NOTE_LINES = 6  # note lines shown under a run in the table
DB = click.option(
    "--db", "db_url", default=None, help="Database URL or SQLite path [default: $PAPERWALL_DB or ./paperwall.db]."
)


def register(main: click.Group) -> None:
    main.add_command(scheduler_command)
    main.add_command(schedule_group)
    main.add_command(runs_command)
    main.add_command(status_command)


@contextmanager
def _errors() -> Iterator[None]:
    """Bad input and unknown schedules: one line, exit 1."""
    from scheduler.schedules import ScheduleError

    try:
        yield
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None


def _db(db_url: str | None) -> str:
    from scheduler.runner import absolute_db_url

    return absolute_db_url(db_url or default_url())


# --- paperwall scheduler ----------------------------------------------------------------


@click.command("scheduler")
@DB
@click.option("--grace", type=float, default=30.0, show_default=True,
              help="Seconds a crawl gets to stop cleanly (on SIGTERM or at its time limit) before it is killed.")
@click.option("--max-parallel", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Crawls that may run at the same time (1: one after the other, politest).")
@click.option("--heartbeat", type=click.FloatRange(0.1, 300), default=5.0, show_default=True,
              help="Seconds between lock heartbeats; also how soon CLI edits of schedules are seen.")
@click.option("--stale-after", type=click.FloatRange(1, 3600), default=60.0, show_default=True,
              help="Seconds without heartbeat after which another scheduler may take the lock over.")
@click.option("-v", "--verbose", is_flag=True, help="Also log APScheduler's messages and every crawl log line.")
def scheduler_command(
    db_url: str | None, grace: float, max_parallel: int, heartbeat: float, stale_after: float, verbose: bool
) -> None:
    """Run the schedules: refresh the database in the foreground until stopped.

    Runs every schedule (see `paperwall schedule add`) at its time, each run
    a crawl process recorded in `paperwall runs`.  Logs to stderr.  Stops
    cleanly on SIGTERM or Ctrl-C: the crawl in progress stores what it
    fetched and its run is marked interrupted.  Only one scheduler may run
    against a database; a second one refuses to start.

    \b
    Example:
        paperwall schedule add demo --every 1m --file urls.txt
        paperwall scheduler
        paperwall scheduler --db postgresql://user@localhost/paperwall --max-parallel 2
    """
    from scheduler.service import SchedulerError, configure_logging, serve

    configure_logging(verbose)
    try:
        code = serve(_db(db_url), heartbeat=heartbeat, stale_after=stale_after, grace=grace,
                     max_parallel=max_parallel, verbose=verbose)
    except SchedulerError as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(code)


# --- paperwall schedule ... ----------------------------------------------------------------


@click.group("schedule")
def schedule_group() -> None:
    """Manage the schedules the scheduler runs (stored in the database).

    \b
    Example:
        paperwall schedule add nightly --cron "0 3 * * *" --due
        paperwall schedule list
        paperwall schedule run nightly
    """


def _settings(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--set")
        out[name.strip()] = value.strip()
    return out


@schedule_group.command("add")
@click.argument("name")
@click.option("--every", metavar="INTERVAL", help="Run every INTERVAL: 90s, 15m, 6h, 1d, 2w, 1h30m.")
@click.option("--cron", metavar="EXPRESSION",
              help='Run at the times of a crontab line (minute hour day month weekday), local time: "0 3 * * *".')
@click.option("--due", is_flag=True,
              help="Crawl only targets that are due (by article age: new daily, last year weekly, older monthly); "
                   "alone: every watched target that is due.")
@click.option("--file", "files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Crawl the URLs/DOIs of this file (one per line, re-read at every run); repeatable.")
@click.option("--doi", "dois", multiple=True, metavar="DOI", help="Crawl this DOI; repeatable.")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Crawl the watched targets added with this source (a schedule's name for its files/DOIs).")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="At most this many targets per run [default: 1000 with --due alone, else all].")
@click.option("--time-limit", default="1h", show_default=True, metavar="DURATION",
              help="Stop a run that takes longer (recorded as timeout).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this schedule's crawls (repeatable), e.g. -s DOWNLOAD_DELAY=5.")
@click.option("--scrapyd", "nodes", multiple=True, metavar="URL",
              help="Run the crawls as jobs on these Scrapyd nodes (repeatable), each site on one node"
                   " (docs/deploy.md).")
@click.option("--replace", is_flag=True, help="Replace a schedule of the same name.")
@DB
def schedule_add(
    name: str, every: str | None, cron: str | None, due: bool, files: tuple[str, ...], dois: tuple[str, ...],
    sources: tuple[str, ...], limit: int | None, time_limit: str, overrides: tuple[str, ...], nodes: tuple[str, ...],
    replace: bool, db_url: str | None,
) -> None:
    """Add a schedule NAME: when to crawl (--every or --cron) and what.

    An --every schedule first runs as soon as the scheduler is up, then every
    INTERVAL; a --cron one at its times.  Each run asks known pages with
    If-None-Match/If-Modified-Since: unchanged pages answer 304 and cost
    almost nothing.  Targets of a site that is backing off (bot challenges,
    429s) are skipped until the backoff ends.  With --scrapyd the crawls run
    as jobs on those Scrapyd nodes (their own conditional requests replace
    the revalidation step).

    \b
    Examples:
        paperwall schedule add demo --every 1m --file urls.txt
        paperwall schedule add nightly --cron "0 3 * * *" --due --limit 5000
        paperwall schedule add watch --every 1h --file watchlist.txt --due
        paperwall schedule add one --every 6h --doi 10.1080/00268976.2013.788745 -s DOWNLOAD_DELAY=5
        paperwall schedule add fleet --cron "0 2 * * *" --due --limit 20000 \\
            --scrapyd http://node1:6800 --scrapyd http://node2:6800 --time-limit 4h
    """
    from scheduler.schedules import build_spec, open_store

    with _errors():
        spec = build_spec(name, every, cron, due=due, files=files, dois=dois, sources=sources, limit=limit,
                          time_limit=time_limit, settings=_settings(overrides), scrapyd=nodes)
        with open_store(_db(db_url)) as store:
            job = store.add(spec, replace=replace)
            next_run = job.next_run_time
    click.echo(f"schedule {spec.name}: {spec.when}; {spec.what}; next run {_time(next_run)}")
    click.echo("  (runs while `paperwall scheduler` runs against this database)")


@schedule_group.command("list")
@FORMAT
@DB
def schedule_list(fmt: str, db_url: str | None) -> None:
    """List the schedules: when, what, state, next run, last run and its outcome.

    \b
    Example:
        paperwall schedule list
        paperwall schedule list --format json
    """
    from scheduler.schedules import open_store

    with _errors(), open_store(_db(db_url)) as store:
        infos = [i.as_dict() for i in store.list()]
    if fmt == "json":
        _json(infos)
        return
    if not infos:
        click.echo("no schedules (add one: paperwall schedule add NAME --every 6h --due)")
        return
    rows = [
        [i["name"], i["state"], i["when"], i["what"], _time(i["next_run"]) if i["next_run"] else "-",
         _last_run(i["last_run"])]
        for i in infos
    ]
    _table(["NAME", "STATE", "WHEN", "WHAT", "NEXT RUN", "LAST RUN"], rows)


def _last_run(run: dict[str, Any] | None) -> str:
    if not run:
        return "never"
    return (
        f"#{run['id']} {run['outcome']} {_time(run['started_at'])}: {run['pages']} pages, "
        f"{run['articles_new']} new, {run['articles_changed']} changed, {run['not_modified']} not modified, "
        f"{run['errors']} errors"
    )


def _simple(verb: str, action: Callable[[Any, str], Any]) -> Callable[..., None]:
    def command(name: str, db_url: str | None) -> None:
        from scheduler.schedules import open_store

        with _errors(), open_store(_db(db_url)) as store:
            job = action(store, name)
            next_run = getattr(job, "next_run_time", None)
        extra = f"; next run {_time(next_run)}" if verb == "resumed" and next_run else ""
        click.echo(f"schedule {name} {verb}{extra}")

    return command


def _simple_command(cmd_name: str, verb: str, action: Callable[[Any, str], Any], doc: str) -> None:
    command = _simple(verb, action)
    command.__doc__ = doc
    schedule_group.command(cmd_name)(DB(click.argument("name")(command)))


_simple_command("pause", "paused", lambda store, name: store.pause(name),
                """Pause schedule NAME (it keeps its settings; the scheduler skips it).

    A run in progress is not stopped.

    \b
    Example:
        paperwall schedule pause nightly
    """)
_simple_command("resume", "resumed", lambda store, name: store.resume(name),
                """Resume schedule NAME (its next run is computed from now).

    \b
    Example:
        paperwall schedule resume nightly
    """)
_simple_command("remove", "removed", lambda store, name: store.remove(name),
                """Remove schedule NAME (its past runs stay in `paperwall runs`).

    \b
    Example:
        paperwall schedule remove nightly
    """)


@schedule_group.command("run")
@click.argument("name")
@click.option("--progress/--no-progress", default=None,
              help="Show the progress bar [default: when stderr is a terminal].")
@click.option("--grace", type=float, default=30.0, show_default=True,
              help="Seconds the crawl gets to stop cleanly on Ctrl-C or at its time limit.")
@DB
def schedule_run(name: str, progress: bool | None, grace: float, db_url: str | None) -> None:
    """Run schedule NAME once now, in the foreground, with a progress bar.

    The run is recorded like a scheduled one (trigger schedule:NAME).  Ctrl-C
    stops the crawl cleanly (twice: at once).  Exits 1 when the run did not
    end ok (crashed, timeout, interrupted, failed).

    \b
    Example:
        paperwall schedule run demo
    """
    from scheduler.runner import run_schedule
    from scheduler.schedules import open_store

    db = _db(db_url)
    with _errors(), open_store(db) as store:
        spec = store.spec(name)
    stop, force = threading.Event(), threading.Event()

    def on_sigint(_signum: int, _frame: Any) -> None:
        (force if stop.is_set() else stop).set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        result = run_schedule(db, spec, stop=stop, force=force, grace=grace, foreground=True,
                              progress=sys.stderr.isatty() if progress is None else progress)
    finally:
        signal.signal(signal.SIGINT, previous)
    click.echo(result.line())
    for note in result.notes:
        click.echo(f"  {note}")
    if result.outcome != "ok":
        raise click.ClickException(f"run {result.run_id or '-'} of schedule {name}: {result.outcome}")


# --- paperwall runs / status --------------------------------------------------------------


@click.command("runs")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="How many runs.")
@click.option("--schedule", "schedule_name", default=None, help="Only the runs of this schedule.")
@FORMAT
@DB
def runs_command(limit: int, schedule_name: str | None, fmt: str, db_url: str | None) -> None:
    """List recent crawl runs: trigger, duration, pages, articles, errors by kind.

    Articles: new, changed, unchanged (read again, same values) and 304 (not
    modified: not read at all).  A run's notes (domains that started backing
    off, targets skipped, why a crawl died) are shown under it.

    \b
    Example:
        paperwall runs
        paperwall runs --schedule demo --limit 5 --format json
    """
    from scheduler.report import recent_runs
    from scheduler.schedules import trigger_name
    from storage.db import make_engine, upgrade

    engine = make_engine(_db(db_url))
    try:
        upgrade(engine)
        runs = recent_runs(engine, limit, trigger_name(schedule_name) if schedule_name else None)
    finally:
        engine.dispose()
    if fmt == "json":
        _json(runs)
        return
    if not runs:
        click.echo("no runs yet")
        return
    rows, notes = [], {}
    for r in runs:
        kinds = ", ".join(f"{k} {v}" for k, v in r["error_kinds"].items()) or "-"
        rows.append([r["id"], r["trigger"], _time(r["started_at"]), _seconds(r["seconds"]), r["outcome"],
                     r["pages"], r["articles_new"], r["articles_changed"], r["articles_unchanged"],
                     r["not_modified"], kinds])
        notes[len(rows) - 1] = r["notes"]
    _table(["RUN", "TRIGGER", "STARTED (UTC)", "TOOK", "OUTCOME", "PAGES", "NEW", "CHANGED", "UNCHANGED", "304",
            "PROBLEMS"], rows, notes)


@click.command("status")
@FORMAT
@DB
def status_command(fmt: str, db_url: str | None) -> None:
    """Show what is due, which sites are backing off, the last error per site.

    Also whether a scheduler is running against the database, the last run,
    and what the Scrapyd nodes of the schedules say of themselves.

    \b
    Example:
        paperwall status
        paperwall status --format json --db postgresql://user@localhost/paperwall
    """
    from scheduler.report import status
    from storage.db import make_engine, upgrade

    from scheduler.schedules import open_store
    from scheduler.scrapyd import node_statuses

    engine = make_engine(_db(db_url))
    try:
        upgrade(engine)
        s = status(engine)
    finally:
        engine.dispose()
    with _errors(), open_store(_db(db_url)) as store:
        nodes = list(dict.fromkeys(url for info in store.list() for url in info.spec.scrapyd))
    s["scrapyd_nodes"] = node_statuses(nodes)
    if fmt == "json":
        _json(s)
        return
    t = s["targets"]
    sched = s["scheduler"]
    click.echo(
        "scheduler: "
        + (f"running (pid {sched['pid']} on {sched['host']}, since {_time(sched['since'])}, "
           f"heartbeat {sched['heartbeat_age_s']:.0f} s ago)" if sched["running"] else "not running")
    )
    if s["last_run"]:
        lr = s["last_run"]
        click.echo(f"last run: #{lr['id']} {lr['trigger']} {lr['outcome']} {_time(lr['started_at'])}")
    click.echo(
        f"targets: {t['total']} watched; {t['due_now']} due now"
        + (f" (+{t['due_but_domain_backing_off']} due on sites backing off)" if t["due_but_domain_backing_off"]
           else "")
        + f"; {t['due_within_24h']} due within 24 h; {t['never_fetched']} never fetched; {t['failing']} failing"
        + (f"; next due {_time(t['next_due'])}" if t["next_due"] else "")
    )
    click.echo("")
    if s["domains_backing_off"]:
        click.echo("Sites backing off:")
        _table(["DOMAIN", "UNTIL (UTC)", "WHY"],
               [[d["domain"], _time(d["until"]), d["reason"] or "-"] for d in s["domains_backing_off"]])
    else:
        click.echo("Sites backing off: none")
    click.echo("")
    if s["last_error_per_domain"]:
        click.echo("Last error per site:")
        _table(["DOMAIN", "WHEN (UTC)", "ERROR"],
               [[d["domain"], _time(d["at"]), d["error"]] for d in s["last_error_per_domain"]])
    else:
        click.echo("Last error per site: none")
    if s["scrapyd_nodes"]:
        click.echo("")
        click.echo("Scrapyd nodes of the schedules:")
        _table(["NODE", "STATE", "RUNNING", "PENDING", "FINISHED"],
               [[n["node"], n["state"] if n["state"] == "up" else f"unreachable ({n['error']})",
                 n.get("running", "-"), n.get("pending", "-"), n.get("finished", "-")] for n in s["scrapyd_nodes"]])


# --- output ------------------------------------------------------------------------------------


def _time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    from datetime import UTC

    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f}s"
    return str(timedelta(seconds=round(value)))


def _table(headers: list[str], rows: list[list[Any]], notes: dict[int, list[str]] | None = None) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for n, row in enumerate(cells):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        lines = (notes or {}).get(n, [])
        for note in lines[:NOTE_LINES]:
            click.echo(f"    note: {note}")
        if len(lines) > NOTE_LINES:
            click.echo(f"    ... {len(lines) - NOTE_LINES} more lines (--format json shows them)")


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_jsonable, ensure_ascii=False))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
