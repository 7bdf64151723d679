"""Crawls on Scrapyd nodes: one crawl run, its targets shared among the nodes.

    report = run_on_scrapyd(targets, db_url, ["http://node1:6800", "http://node2:6800"])

When one machine is not enough, the landing spider runs as Scrapyd jobs
(Scrapy's own daemon) on several machines that all write to one PostgreSQL.
This side opens the crawl run in that database, sends each node its share of
the targets (``schedule.json``: spider ``landing``, ``urls`` one per line,
``run_id``; all of a site's targets on one node, so its politeness holds),
waits for the jobs to finish (``listjobs.json``), stops the ones still
running at the time limit (``cancel.json``) and closes the run with counts
read from the fetches the nodes stored, as `paperwall crawl` does for a
local crawl.  `paperwall crawl --scrapyd` runs `run_on_scrapyd`;
a schedule with nodes (`schedule add --scrapyd`) runs `Dispatch.start` and
`wait` inside its own run (`scheduler.runner`).

The nodes find the database in their own environment (``PAPERWALL_DB``):
its URL, password included, is never sent over Scrapyd's API, nor kept in
its queue and job list.  A node that writes elsewhere shows as targets with
no fetch in this run, and the run's notes say so.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.db import make_engine, upgrade
from storage.runs import classify_target, domain_of, note_run, with_time_limit
from storage.writer import finish_run, start_run

PROJECT = "paperwall"
SPIDER = "landing"
GRACE = 30.0  # seconds a cancelled job gets to stop cleanly before it is killed (as scheduled crawls)
NODE_LOST_AFTER = 300.0  # seconds a node may not answer before its jobs count as lost
LOG_TAIL = 65_536  # bytes of a finished job's log read to tell whether its crawl closed
# A job's targets, one per line, at most: Scrapyd passes them to the crawl as
# one command-line argument, and Linux allows 128 KiB per argument.
JOB_BYTES = 100_000


class ScrapydError(Exception):
    """A node that cannot be reached, or that refused a request (its message:
    `refused` then, and asking again will not help)."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


def shown_url(url: str) -> str:
    """A node URL without its login, for messages and listings."""
    head, at, host = url.rpartition("@")
    return f"{head.split('//', 1)[0]}//***@{host}" if at else url


@dataclass
class Node:
    """One Scrapyd node's JSON API.  A node behind Scrapyd's `username` /
    `password` is given as http://USER:PASSWORD@node1:6800: they go in an
    Authorization header, and `url` (what messages show) leaves them out."""

    url: str
    timeout: float = 30.0
    silent_since: float | None = None  # when it stopped answering (monotonic)
    authorization: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ScrapydError(f"not a Scrapyd URL: {shown_url(self.url)!r} (expected e.g. http://node1:6800)")
        if parts.username is not None:
            pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            self.authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self.url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])).rstrip("/")

    def call(self, endpoint: str, params: Sequence[tuple[str, str]] = (), *, post: bool = False) -> dict[str, Any]:
        query = urllib.parse.urlencode(list(params))
        url = f"{self.url}/{endpoint}"
        if post:
            request = self._request(url, data=query.encode(), method="POST")
        else:
            request = self._request(f"{url}?{query}" if query else url)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                payload = json.loads(answer.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ScrapydError(f"Scrapyd at {self.url}: {getattr(exc, 'reason', exc)}") from None
        if payload.get("status") != "ok":
            raise ScrapydError(f"Scrapyd at {self.url}: {payload.get('message', payload)}", refused=True)
        return payload

    def schedule(self, args: dict[str, str], settings: dict[str, Any], project: str = PROJECT) -> str:
        """Queue a landing crawl; `settings` as `scrapy crawl -s` takes them
        (a dict or list value goes as JSON, which Scrapy's getdict reads)."""
        params = [("project", project), ("spider", SPIDER), *args.items()]
        params += [("setting", f"{name}={value if isinstance(value, str) else json.dumps(value)}")
                   for name, value in settings.items()]
        return str(self.call("schedule.json", params, post=True)["jobid"])

    def states(self, project: str = PROJECT) -> dict[str, dict[str, Any]]:
        """job id -> its listjobs.json entry, with "state": "pending" / "running" / "finished"."""
        jobs = self.call("listjobs.json", [("project", project)])
        return {job["id"]: {**job, "state": state} for state in ("pending", "running", "finished")
                for job in jobs.get(state, [])}

    def log_tail(self, path: str, size: int = LOG_TAIL) -> str | None:
        """The last `size` bytes of a job's log (its `log_url`), or None when
        the node keeps no log (Scrapyd's `logs_dir` empty) or does not answer."""
        url = urllib.parse.urljoin(self.url + "/", path.lstrip("/"))
        # Twisted, which serves the logs, answers 500 to a suffix range longer
        # than the file: such a log is short, and is asked for whole.
        for ranged in (True, False):
            request = self._request(url, headers={"Range": f"bytes=-{size}"} if ranged else {})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    # A server that ignores Range sends the whole log: only its end is kept.
                    return answer.read()[-size:].decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                if not ranged or exc.code not in (416, 500):
                    return None
            except (urllib.error.URLError, OSError, ValueError):
                return None
        return None

    def cancel(self, job: str, project: str = PROJECT, signal: str = "INT") -> None:
        self.call("cancel.json", [("project", project), ("job", job), ("signal", signal)], post=True)

    def _request(self, url: str, **kwargs: Any) -> urllib.request.Request:
        """A request to the node, with its login when it has one."""
        request = urllib.request.Request(url, **kwargs)
        if self.authorization:
            request.add_header("Authorization", self.authorization)
        return request


@dataclass
class Job:
    node: Node
    id: str
    targets: int
    state: str = "pending"
    log_url: str | None = None  # where the node serves its log (Scrapyd >= 1.4)


@dataclass
class ScrapydReport:
    run_id: int
    db_url: str
    counts: dict[str, Any]
    jobs: list[Job] = field(default_factory=list)
    outcome: str = "ok"


def site_of(target: str) -> str:
    """The site a target is fetched from: a URL's host; a DOI's prefix
    ("10.1080"), which names its publisher (and so, after doi.org, its site)."""
    kind, value = classify_target(target)
    if kind == "doi":
        return "doi:" + value.split("/", 1)[0]
    return domain_of(value) or value


def shares(targets: Sequence[str], nodes: int) -> list[list[str]]:
    """The targets split among `nodes`, each site's targets on one node:
    every node throttles per site, so a site split over two nodes would get
    twice the requests its politeness allows.  Sites go, largest first, to
    the node with the fewest targets so far; each share keeps the given order."""
    sites: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        sites.setdefault(site_of(target), []).append(index)
    loads = [0] * nodes
    owner: dict[int, int] = {}
    for indexes in sorted(sites.values(), key=len, reverse=True):
        node = loads.index(min(loads))
        loads[node] += len(indexes)
        owner.update(dict.fromkeys(indexes, node))
    out: list[list[str]] = [[] for _ in range(nodes)]
    for index, target in enumerate(targets):
        out[owner[index]].append(target)
    return out


def batches(share: Sequence[str], max_bytes: int = JOB_BYTES) -> list[list[str]]:
    """A node's share cut into jobs of at most `max_bytes` of targets (one per line)."""
    out: list[list[str]] = []
    current: list[str] = []
    size = 0
    for target in share:
        n = len(target.encode("utf-8")) + 1
        if current and size + n > max_bytes:
            out.append(current)
            current, size = [], 0
        current.append(target)
        size += n
    if current:
        out.append(current)
    return out


@dataclass
class Dispatch:
    """A run's targets on the nodes.  Each node works through its share one
    job at a time: Scrapyd hands a job's targets to the crawl as one
    command-line argument (at most 128 KiB on Linux), so a large share is
    cut into jobs of JOB_BYTES, and the next is sent when the previous has
    finished, so that no site is ever crawled by two processes at once."""

    run_id: int
    settings: dict[str, Any]
    project: str
    nodes: list[Node]
    queued: list[list[list[str]]]  # per node: the batches not sent yet
    jobs: list[Job] = field(default_factory=list)
    abandoned: int = 0  # targets of nodes given up before their turn
    failing_since: dict[int, float] = field(default_factory=dict)  # node index -> first failed send

    @classmethod
    def start(
        cls, run_id: int, targets: Sequence[str], node_urls: Sequence[str], settings: dict[str, Any],
        project: str = PROJECT, job_bytes: int = JOB_BYTES,
    ) -> Dispatch:
        """Send each node its first job.  On an error the jobs already sent
        are cancelled (the run is not half-started) and it is raised."""
        nodes = [Node(url) for url in node_urls]
        if not nodes:
            raise ScrapydError("no Scrapyd node given")
        queued = [batches(share, job_bytes) for share in shares(targets, len(nodes))]
        sent = cls(run_id, settings, project, nodes, queued)
        try:
            for index in range(len(nodes)):
                sent.next_job(index)
        except ScrapydError:
            for job in sent.jobs:
                _cancel_quietly(job, project)
            raise
        return sent

    def next_job(self, index: int) -> None:
        if self.queued[index]:
            batch = self.queued[index].pop(0)
            node = self.nodes[index]
            args = {"urls": "\n".join(batch), "run_id": str(self.run_id)}
            self.jobs.append(Job(node, node.schedule(args, self.settings, self.project), len(batch)))

    def advance(self) -> None:
        """Send a node its next job once its last one has finished.  A node
        whose job was lost, or that has not answered for NODE_LOST_AFTER
        seconds, is given up: its batches are not sent (their targets stay due)."""
        now = time.monotonic()
        for index, node in enumerate(self.nodes):
            if not self.queued[index]:
                continue
            last = next((job for job in reversed(self.jobs) if job.node is node), None)
            if last is not None and last.state == "lost":
                self._give_up(index)
            elif last is None or last.state == "finished":
                try:
                    self.next_job(index)
                except ScrapydError as exc:
                    since = self.failing_since.setdefault(index, now)
                    if exc.refused or now - since >= NODE_LOST_AFTER:
                        self._give_up(index)
                else:
                    self.failing_since.pop(index, None)

    def _give_up(self, index: int) -> None:
        self.abandoned += sum(len(batch) for batch in self.queued[index])
        self.queued[index] = []

    @property
    def unsent(self) -> int:
        return self.abandoned + sum(len(batch) for queue in self.queued for batch in queue)

    def ending(self, outcome: str) -> tuple[str, list[str]]:
        """The run's outcome and notes once `wait` returned `outcome`: the
        targets never sent, and what the finished jobs' logs say when no job
        was cancelled ("ok"), where a crawl that did not finish makes the run
        crashed (`read_job_logs`)."""
        notes: list[str] = []
        if self.unsent:
            notes.append(f"{self.unsent} targets not sent to the nodes before the run ended (they stay due)")
        if outcome != "ok":
            return outcome, notes
        crashes, errors = read_job_logs(self.jobs)
        return ("crashed" if crashes else outcome), notes + crashes + errors


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
    job_bytes: int = JOB_BYTES,
) -> ScrapydReport:
    """Crawl `targets` on the nodes as one new crawl run of `db_url`, and wait for it."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        run_id = start_run(engine, trigger, description or f"{len(targets)} targets on {len(node_urls)} Scrapyd nodes")
        try:
            sent = Dispatch.start(run_id, targets, node_urls, with_time_limit(settings, time_limit), project, job_bytes)
        except ScrapydError as exc:
            finish_run(engine, run_id, outcome="failed", notes=[str(exc)])
            raise
        outcome, notes = sent.ending(wait(sent, time_limit=time_limit, grace=grace, poll=poll))
        counts = finish_run(engine, run_id, outcome=outcome, notes=notes)
        note_missing(engine, run_id, len(targets), counts)
    finally:
        engine.dispose()
    return ScrapydReport(run_id, db_url, counts, sent.jobs, outcome)


def note_missing(engine: Any, run_id: int, targets: int, counts: dict[str, Any]) -> None:
    """After a run on the nodes ended "ok" (`counts` from `finish_run`): when
    targets left no fetch, the nodes may write to another database; the
    run's notes (and `counts["notes"]`) say so."""
    missing = targets - counts["pages"]
    if counts.get("outcome") != "ok" or missing <= 0:
        return
    note = (f"{missing} of {targets} targets left no fetch in this run: do the Scrapyd nodes' PAPERWALL_DB "
            "name this database? (the jobs' logs are on the nodes)")
    note_run(engine, run_id, note)
    counts["notes"] = "\n".join(filter(None, [counts.get("notes"), note]))


def wait(
    sent: Dispatch,
    *,
    time_limit: float | None = None,
    grace: float = GRACE,
    poll: float = 2.0,
    stop: threading.Event | None = None,
    force: threading.Event | None = None,
    progress: Callable[[list[Job]], None] | None = None,
) -> str:
    """Wait for the run's jobs, sending each node its next one in turn: "ok"
    when every one finished, "crashed" when one vanished from its node (the
    node restarted), "timeout" when the time limit came first, "interrupted"
    when `stop` was set.  Then no job is sent any more, the jobs still
    running are cancelled (SIGINT: Scrapy stops and stores what it read)
    and killed `grace` seconds later (at once when `force` is set)."""
    jobs, project = sent.jobs, sent.project
    deadline = time.monotonic() + time_limit if time_limit else None
    ending: str | None = None  # why the jobs were cancelled
    cancelled = 0.0
    while True:
        _refresh(jobs, project)
        if ending is None:
            sent.advance()
        if progress:
            progress(jobs)
        if all(job.state in ("finished", "lost") for job in jobs) and (ending or not any(sent.queued)):
            if ending:
                return ending
            return "ok" if all(job.state == "finished" for job in jobs) and not sent.abandoned else "crashed"
        now = time.monotonic()
        if ending is None and (stop is not None and stop.is_set() or deadline is not None and now >= deadline):
            ending, cancelled = ("interrupted" if stop is not None and stop.is_set() else "timeout"), now
            for job in jobs:
                if job.state in ("pending", "running"):
                    _cancel_quietly(job, project)
        elif ending and (now >= cancelled + grace or force is not None and force.is_set()):
            for job in jobs:
                if job.state == "running":
                    _cancel_quietly(job, project, "KILL")
            return ending
        if stop is not None and ending is None:
            stop.wait(poll)
        elif force is not None and ending:
            force.wait(poll)
        else:
            time.sleep(poll)


def read_job_logs(jobs: Sequence[Job]) -> tuple[list[str], list[str]]:
    """What the finished jobs' logs say: (crashes, errors), notes for the run.

    Scrapyd lists a job as finished however its process ended, and a crawl
    that could not reach the database ends as one too.  Scrapy's closing
    line ("Spider closed (finished)") gives the reason a crawl closed: any
    but "finished" or a CLOSESPIDER limit (the run's time limit), or no such
    line, is a crash.  A crawl that finished but logged errors (a batch of
    results that could not be stored) gets a note with the last one.  A log
    without INFO lines (a quieter LOG_LEVEL), or no log, tells nothing."""
    crashes, errors = [], []
    for job in jobs:
        if job.state != "finished" or not job.log_url:
            continue
        tail = job.node.log_tail(job.log_url)
        if tail is None or " INFO: " not in tail:
            continue
        reasons = _CLOSED.findall(tail)
        if reasons and (reasons[-1] == "finished" or reasons[-1].startswith("closespider_")):
            counted = int((_ERROR_COUNT.findall(tail) or ["0"])[-1])
            if counted:
                why = _last_error(tail, traceback=False)
                errors.append(f"job {job.id} on {job.node.url} logged {counted} error{'s' * (counted > 1)}" + (
                    f"; the last: {why}" if why else ""))
            continue
        ended = f"its crawl closed ({reasons[-1]})" if reasons else "its log ends before the crawl closed"
        why = _last_error(tail)
        crashes.append(f"job {job.id} on {job.node.url} did not finish: {ended}" + (f": {why}" if why else ""))
    return crashes, errors


_CLOSED = re.compile(r"Spider closed \((\w+)\)")
_ERROR_COUNT = re.compile(r"'log_count/ERROR': (\d+)")


def _last_error(log: str, traceback: bool = True) -> str | None:
    """The exception that ended the last traceback of a log (`traceback`),
    else its last CRITICAL or ERROR line; one line, at most 300 characters."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if traceback and line.startswith("Traceback (most recent call last)")]
    if starts:
        for line in lines[starts[-1] + 1:]:
            if line and not line[0].isspace():
                return line.strip()[:300]
    for line in reversed(lines):
        if " CRITICAL: " in line or " ERROR: " in line:
            return line.split(": ", 1)[-1].strip()[:300]
    return None


def node_statuses(urls: Sequence[str], timeout: float = 5.0) -> list[dict[str, Any]]:
    """What each node says of itself (`daemonstatus.json`): its jobs running,
    pending and finished, or why it does not answer."""
    out: list[dict[str, Any]] = []
    for url in urls:
        try:
            node = Node(url, timeout=timeout)
            answer = node.call("daemonstatus.json")
        except ScrapydError as exc:
            why = str(exc).partition(": ")[2] or str(exc)  # without the "Scrapyd at URL" it starts with
            out.append({"node": shown_url(url), "state": "unreachable", "error": why})
            continue
        out.append({"node": node.url, "state": "up", "node_name": answer.get("node_name"),
                    **{k: answer.get(k) for k in ("running", "pending", "finished")}})
    return out


def _refresh(jobs: list[Job], project: str) -> None:
    """The jobs' states from their nodes.  A node that does not answer keeps
    its jobs' last state; after NODE_LOST_AFTER seconds of silence they are lost."""
    now = time.monotonic()
    for node in {id(j.node): j.node for j in jobs}.values():
        try:
            states = node.states(project)
        except ScrapydError:
            node.silent_since = node.silent_since or now
            if now - node.silent_since < NODE_LOST_AFTER:
                continue
            states = {}
        else:
            node.silent_since = None
        for job in jobs:
            if job.node is node and job.state != "finished":
                entry = states.get(job.id, {})
                job.state = entry.get("state", "lost")
                job.log_url = entry.get("log_url") or job.log_url


def _cancel_quietly(job: Job, project: str, signal: str = "INT") -> None:
    try:
        job.node.cancel(job.id, project, signal)
    except ScrapydError:
        pass
