"""Crawls on Scrapyd nodes: one crawl run, its targets shared among the nodes.

    report = run_on_scrapyd(targets, db_url, ["http://node1:6800", "http://node2:6800"])

When one machine is not enough, the landing spider runs as Scrapyd jobs
(Scrapy's own daemon) on several machines that all write to one PostgreSQL.
This side opens the crawl run in that database, sends each node its share of
the targets (``schedule.json``: spider ``landing``, ``urls`` one per line,
``run_id``), waits for the jobs to finish (``listjobs.json``), cancels the
ones still running at the time limit (``cancel.json``) and closes the run
with counts read from the fetches the nodes stored, as `paperwall crawl`
does for a local crawl.

The nodes find the database in their own environment (``PAPERWALL_DB``):
its URL, password included, is never sent over Scrapyd's API, nor kept in
its queue and job list.  A node that writes elsewhere shows as targets with
no fetch in this run, and the run's notes say so.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.db import make_engine, upgrade
from storage.runs import note_run
from storage.writer import finish_run, start_run

PROJECT = "paperwall"
SPIDER = "landing"
GRACE = 30.0  # seconds a cancelled job gets to stop cleanly before it is killed (as scheduled crawls)


class ScrapydError(Exception):
    """A node that cannot be reached, or that refused a request (its message)."""


@dataclass
class Node:
    """One Scrapyd node's JSON API."""

    url: str
    timeout: float = 30.0

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ScrapydError(f"not a Scrapyd URL: {self.url!r} (expected e.g. http://node1:6800)")
        self.url = self.url.rstrip("/")

    def call(self, endpoint: str, params: Sequence[tuple[str, str]] = (), *, post: bool = False) -> dict[str, Any]:
        query = urllib.parse.urlencode(list(params))
        url = f"{self.url}/{endpoint}"
        request = (
            urllib.request.Request(url, data=query.encode(), method="POST")
            if post
            else urllib.request.Request(f"{url}?{query}" if query else url)
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                payload = json.loads(answer.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ScrapydError(f"Scrapyd at {self.url}: {getattr(exc, 'reason', exc)}") from None
        if payload.get("status") != "ok":
            raise ScrapydError(f"Scrapyd at {self.url}: {payload.get('message', payload)}")
        return payload

    def schedule(self, args: dict[str, str], settings: dict[str, Any], project: str = PROJECT) -> str:
        """Queue a landing crawl; `settings` as `scrapy crawl -s` takes them
        (a dict or list value goes as JSON, which Scrapy's getdict reads)."""
        params = [("project", project), ("spider", SPIDER), *args.items()]
        params += [("setting", f"{name}={value if isinstance(value, str) else json.dumps(value)}")
                   for name, value in settings.items()]
        return str(self.call("schedule.json", params, post=True)["jobid"])

    def states(self, project: str = PROJECT) -> dict[str, str]:
        """job id -> "pending" / "running" / "finished"."""
        jobs = self.call("listjobs.json", [("project", project)])
        return {job["id"]: state for state in ("pending", "running", "finished") for job in jobs.get(state, [])}

    def cancel(self, job: str, project: str = PROJECT, signal: str = "INT") -> None:
        self.call("cancel.json", [("project", project), ("job", job), ("signal", signal)], post=True)


@dataclass
class Job:
    node: Node
    id: str
    targets: int
    state: str = "pending"


@dataclass
class ScrapydReport:
    run_id: int
    db_url: str
    counts: dict[str, Any]
    jobs: list[Job] = field(default_factory=list)
    outcome: str = "ok"


def shares(targets: Sequence[str], nodes: int) -> list[list[str]]:
    """Targets dealt out in turn, so each node gets as many of each site as the others."""
    return [list(targets[i::nodes]) for i in range(nodes)]


def run_on_scrapyd(
    targets: Sequence[str],
    db_url: str,
    node_urls: Sequence[str],
    *,
    trigger: str = "scrapyd",
    description: str = "",
    settings: dict[str, Any] | None = None,
    time_limit: float | None = None,
    grace: float = GRACE,
    poll: float = 2.0,
    project: str = PROJECT,
    progress: Callable[[list[Job]], None] | None = None,
) -> ScrapydReport:
    """Crawl `targets` on the nodes as one crawl run of `db_url`, and wait for it.

    With a `time_limit` the jobs close themselves then (CLOSESPIDER_TIMEOUT,
    as a scheduled local crawl does); any still running are cancelled
    (SIGINT: Scrapy stops and stores what it read), and killed `grace`
    seconds later, so the run ends and its counts are what was stored."""
    nodes = [Node(url) for url in node_urls]
    settings = dict(settings or {})
    if time_limit:
        settings.setdefault("CLOSESPIDER_TIMEOUT", str(max(1, math.ceil(time_limit))))
    if not nodes:
        raise ScrapydError("no Scrapyd node given")
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        run_id = start_run(engine, trigger, description or f"{len(targets)} targets on {len(nodes)} Scrapyd nodes")
        jobs: list[Job] = []
        try:
            for node, share in zip(nodes, shares(targets, len(nodes))):
                if share:
                    args = {"urls": "\n".join(share), "run_id": str(run_id)}
                    jobs.append(Job(node, node.schedule(args, settings, project), len(share)))
        except ScrapydError as exc:
            for job in jobs:  # the run is not half-started: what was sent is taken back
                _cancel_quietly(job, project)
            finish_run(engine, run_id, outcome="failed", notes=[str(exc)])
            raise
        outcome = _wait(jobs, time_limit, grace, poll, project, progress)
        counts = finish_run(engine, run_id, outcome=outcome)
        missing = len(targets) - counts["pages"]
        if outcome == "ok" and missing > 0:
            note = (f"{missing} of {len(targets)} targets left no fetch in this run: do the nodes' PAPERWALL_DB "
                    "name this database? (the jobs' logs are on the nodes)")
            note_run(engine, run_id, note)
            counts["notes"] = "\n".join(filter(None, [counts.get("notes"), note]))
    finally:
        engine.dispose()
    return ScrapydReport(run_id, db_url, counts, jobs, outcome)


def _wait(
    jobs: list[Job], time_limit: float | None, grace: float, poll: float, project: str,
    progress: Callable[[list[Job]], None] | None,
) -> str:
    """"ok" when every job finished, "crashed" when one vanished from its
    node (the node restarted), "timeout" when the limit came first."""
    deadline = time.monotonic() + time_limit if time_limit else None
    cancelled: float | None = None  # when the jobs were sent SIGINT
    while True:
        _refresh(jobs, project)
        if progress:
            progress(jobs)
        if all(job.state in ("finished", "lost") for job in jobs):
            if cancelled is not None:
                return "timeout"
            return "ok" if all(job.state == "finished" for job in jobs) else "crashed"
        now = time.monotonic()
        if deadline is not None and now >= deadline and cancelled is None:
            cancelled = now
            for job in jobs:
                if job.state in ("pending", "running"):
                    _cancel_quietly(job, project)
        elif cancelled is not None and now >= cancelled + grace:
            for job in jobs:
                if job.state == "running":
                    _cancel_quietly(job, project, "KILL")
            return "timeout"
        time.sleep(poll)


def _refresh(jobs: list[Job], project: str) -> None:
    for node in {id(j.node): j.node for j in jobs}.values():
        states = node.states(project)
        for job in jobs:
            if job.node is node:
                job.state = states.get(job.id, "lost")


def _cancel_quietly(job: Job, project: str, signal: str = "INT") -> None:
    try:
        job.node.cancel(job.id, project, signal)
    except ScrapydError:
        pass
