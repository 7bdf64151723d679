"""Crawls on real Scrapyd nodes (`paperwall crawl --scrapyd`): two Scrapyd
daemons on loopback ports, each with the database in its environment, share
the demo site's targets and write one crawl run into one database (a SQLite
file here, PostgreSQL when PAPERWALL_TEST_PG_URL is set)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from paperwall.demo.server import DemoServer
from scheduler.scrapyd import Dispatch, Job, Node, batches, run_on_scrapyd, read_job_logs, shares, wait
from storage.db import make_engine, upgrade
from storage.models import Article, CrawlRun, Fetch
from storage.runs import start_run

from .conftest import REPO, env, fast_settings
from .test_postgres import PG_URL, pg_url  # noqa: F401 - the fixture

pytest.importorskip("scrapyd")

NODE_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
poll_interval = 0.2
max_proc = 2
logs_dir = logs
eggs_dir = eggs
dbs_dir = dbs
"""
# The project without an egg: the installed package's settings, named in a
# scrapy.cfg where Scrapyd runs (both Scrapyd and its `scrapy list` read it).
NODE_PROJECT = """\
[settings]
paperwall = spiders.settings
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


@contextmanager
def scrapyd_node(home: Path, db_url: str, login: str = "") -> Iterator[str]:
    """A Scrapyd daemon in `home` whose crawls write to `db_url` (PAPERWALL_DB),
    behind Scrapyd's basic auth when `login` is "user:password"."""
    home.mkdir(parents=True)
    port = free_port()
    conf = NODE_CONF.format(port=port)
    if login:
        user, _, password = login.partition(":")
        conf += f"username = {user}\npassword = {password}\n"
    (home / "scrapyd.conf").write_text(conf)
    (home / "scrapy.cfg").write_text(NODE_PROJECT)
    node_env = env()
    node_env["PAPERWALL_DB"] = db_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=home, env=node_env,
        stdout=subprocess.DEVNULL, stderr=(home / "scrapyd.err").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"{url}/daemonstatus.json")
                break
            except urllib.error.HTTPError:
                break  # it answers: 401 behind a login
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("scrapyd did not start: " + (home / "scrapyd.err").read_text()[-2000:])
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    if not PG_URL:
        pytest.skip('PAPERWALL_TEST_PG_URL is not set (run: eval "$(bash .ci/postgres.sh)")')
    return request.getfixturevalue("pg_url")


def paperwall_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paperwall.cli", *args], cwd=REPO, env=env(),
        capture_output=True, text=True, timeout=timeout,
    )


def setting_args(server: DemoServer, **changes: object) -> list[str]:
    settings = {**fast_settings(server), **changes}
    return [a for name, value in settings.items() for a in ("-s", f"{name}={value}")]


def test_two_nodes_share_the_targets_of_one_run(tmp_path: Path, shared_db: str) -> None:
    """Two sites (the demo site on two ports, the same articles on both):
    each site's pages go to one node, and the two nodes store the same
    articles at the same time without a duplicate."""
    with DemoServer() as site1, DemoServer() as site2, scrapyd_node(tmp_path / "node1", shared_db) as node1, \
            scrapyd_node(tmp_path / "node2", shared_db) as node2:
        targets = site1.target_urls() + site2.target_urls()
        # DEBUG: the jobs' logs name each page they fetched ("Crawled (200) <GET ...>").
        proc = paperwall_cli("crawl", "--db", shared_db, "--scrapyd", node1, "--scrapyd", node2,
                             *targets, *setting_args(site1), "-s", "LOG_LEVEL=DEBUG")
        assert proc.returncode == 0, proc.stderr[-3000:]
        jobs = [get_json(f"{node}/listjobs.json?project=paperwall") for node in (node1, node2)]
    assert "outcome ok" in proc.stdout
    # Each node ran one job of its share, to the end.
    assert [len(j["finished"]) for j in jobs] == [1, 1]
    assert [len(j["running"]) + len(j["pending"]) for j in jobs] == [0, 0]
    engine = make_engine(shared_db)
    try:
        with engine.connect() as conn:
            run = conn.execute(select(CrawlRun)).one()
            assert conn.scalar(select(func.count()).select_from(CrawlRun)) == 1
            assert (run.trigger, run.outcome, run.pages) == ("cli", "ok", len(targets))
            # Both nodes' fetches belong to the run; every target was fetched once.
            fetched = conn.scalars(select(Fetch.url).where(Fetch.run_id == run.id)).all()
            assert sorted(fetched) == sorted(targets)
            assert conn.scalar(select(func.count()).select_from(Article)) == 7
    finally:
        engine.dispose()
    # Each node's log names only its own site's pages.
    for node_dir, share in zip(("node1", "node2"), (site1.target_urls(), site2.target_urls())):
        log = next((tmp_path / node_dir / "logs").rglob("*.log")).read_text()
        assert all(f"<GET {url}>" in log for url in share)
        assert not any(f"<GET {url}>" in log for url in set(targets) - set(share))


def test_a_node_that_does_not_answer_is_a_one_line_error(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'run.db'}"
    dead = f"http://127.0.0.1:{free_port()}"
    proc = paperwall_cli("crawl", "--db", db, "--scrapyd", dead, "https://example.org/a")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(f"Error: Scrapyd at {dead}:")
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            outcome, notes = conn.execute(select(CrawlRun.outcome, CrawlRun.notes)).one()
    finally:
        engine.dispose()
    assert outcome == "failed" and dead in notes


def test_jobs_still_running_at_the_time_limit_are_stopped(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'run.db'}"
    with DemoServer() as server, scrapyd_node(tmp_path / "node", db) as node:
        # A minute between the site's pages: the crawl cannot end by itself in time.
        settings = {**fast_settings(server), "DOWNLOAD_DELAY": "60"}
        started = time.monotonic()
        report = run_on_scrapyd(server.target_urls(), db, [node], settings=settings, time_limit=6, grace=3, poll=0.5)
        took = time.monotonic() - started
        for _ in range(20):  # the node notes the killed process's exit within a poll or two
            if not (jobs := get_json(f"{node}/listjobs.json?project=paperwall"))["running"]:
                break
            time.sleep(0.5)
    assert report.outcome == "timeout"
    assert took < 6 + 3 + 10  # the limit, the grace, a few polls: not the minute-long delays
    assert jobs["running"] == [] and len(jobs["finished"]) == 1
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(CrawlRun.outcome)).scalar_one() == "timeout"
    finally:
        engine.dispose()


def test_a_schedule_with_nodes_runs_its_crawls_there(tmp_path: Path) -> None:
    """`schedule add --scrapyd`: each run of the schedule is a run of jobs on
    the node; the second run asks conditionally and finds every page unchanged."""
    db = f"sqlite:///{tmp_path / 'run.db'}"
    with DemoServer() as server, scrapyd_node(tmp_path / "node", db) as node:
        targets = tmp_path / "targets.txt"
        targets.write_text("\n".join(server.target_urls()) + "\n")
        added = paperwall_cli("schedule", "add", "fleet", "--every", "1h", "--file", str(targets), "--db", db,
                              "--scrapyd", node, *setting_args(server))
        assert added.returncode == 0, added.stderr
        assert "on 1 Scrapyd node" in added.stdout
        for _ in range(2):
            ran = paperwall_cli("schedule", "run", "fleet", "--db", db, "--no-progress")
            assert ran.returncode == 0, ran.stderr[-3000:]
        jobs = get_json(f"{node}/listjobs.json?project=paperwall")
        # `paperwall status` asks the schedules' nodes how they are.
        dead = f"http://127.0.0.1:{free_port()}"
        assert paperwall_cli("schedule", "add", "gone", "--every", "1d", "--due", "--db", db, "--scrapyd", dead,
                             "--scrapyd", node).returncode == 0
        status = paperwall_cli("status", "--db", db).stdout
    nodes = {line.split()[0]: line for line in status.split("Scrapyd nodes of the schedules:")[1].splitlines()[2:]}
    assert nodes.keys() == {node, dead}
    assert nodes[node].split()[1:] == ["up", "0", "0", "2"]  # running, pending, finished
    assert "unreachable" in nodes[dead] and "refused" in nodes[dead]
    assert len(jobs["finished"]) == 2
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            runs = conn.execute(
                select(CrawlRun.trigger, CrawlRun.outcome, CrawlRun.pages, CrawlRun.articles_new,
                       CrawlRun.not_modified).order_by(CrawlRun.id)
            ).all()
    finally:
        engine.dispose()
    pages = len(server.target_urls())
    assert [r[:3] for r in runs] == [("schedule:fleet", "ok", pages)] * 2
    assert runs[0].articles_new == 7
    assert runs[1].articles_new == 0 and runs[1].not_modified >= 7  # the node's requests were conditional


def test_a_job_whose_crawl_could_not_start_makes_a_crashed_run(tmp_path: Path) -> None:
    """Scrapyd lists a job as finished however its process ended.  A node
    whose database cannot be opened runs crawls that stop at once: the run
    ends `crashed`, its notes give the job and the error from the job's log,
    and `paperwall crawl --scrapyd` exits 1.  A schedule's crawl, which
    opens the database only to store, finishes: its run's notes give the
    error the job logged."""
    db = f"sqlite:///{tmp_path / 'run.db'}"
    with DemoServer() as server, scrapyd_node(tmp_path / "node", "sqlite:////dev/null/no.db") as node:
        proc = paperwall_cli("crawl", "--db", db, "--scrapyd", node, *server.target_urls()[:2], *setting_args(server))
        job = get_json(f"{node}/listjobs.json?project=paperwall")["finished"][0]["id"]
        targets = tmp_path / "targets.txt"
        targets.write_text(server.target_urls()[0] + "\n")
        assert paperwall_cli("schedule", "add", "fleet", "--every", "1h", "--file", str(targets), "--db", db,
                             "--scrapyd", node, *setting_args(server)).returncode == 0
        scheduled = paperwall_cli("schedule", "run", "fleet", "--db", db, "--no-progress")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "outcome crashed" in proc.stdout
    assert f"job {job} on {node} did not finish: its crawl closed (shutdown): " in proc.stderr
    assert "OperationalError" in proc.stderr and "unable to open database file" in proc.stderr
    assert "PAPERWALL_DB name this database" not in proc.stderr  # the cause is known
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            runs = conn.execute(select(CrawlRun.trigger, CrawlRun.outcome, CrawlRun.notes).order_by(CrawlRun.id)).all()
    finally:
        engine.dispose()
    # The scheduled crawl does not open the database at its start (it does not
    # migrate): it finishes, and its results could not be stored.
    assert [r[:2] for r in runs] == [("cli", "crashed"), ("schedule:fleet", "ok")], scheduled.stderr[-3000:]
    assert "did not finish" in runs[0].notes and "unable to open database file" in runs[0].notes
    assert "logged 1 error; the last: could not store a batch of 1 results: (sqlite3.OperationalError) unable to " \
           "open database file" in runs[1].notes
    assert "1 of 1 targets left no fetch in this run" in runs[1].notes


_CLOSING = """\
2026-11-27 02:38:21 [scrapy.core.engine] INFO: Closing spider ({reason})
2026-11-27 02:38:21 [scrapy.statscollectors] INFO: Dumping Scrapy stats:
{{'finish_reason': '{reason}'}}
2026-11-27 02:38:21 [scrapy.core.engine] INFO: Spider closed ({reason})
"""
_STARTED = "2026-11-27 02:38:20 [scrapy.core.engine] INFO: Spider opened\n"
_TRACEBACK = """\
Traceback (most recent call last):
  File "/x/engine.py", line 1, in open_spider
    yield self.scraper.open_spider(spider)
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file
(Background on this error at: https://sqlalche.me/e/21/e3q8)
"""


@pytest.mark.parametrize(
    ("log", "note"),
    [
        (_STARTED + _CLOSING.format(reason="finished"), None),
        (_STARTED + _CLOSING.format(reason="closespider_timeout"), None),  # the run's time limit
        (_STARTED + _TRACEBACK + _CLOSING.format(reason="shutdown"),
         "its crawl closed (shutdown): sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open "
         "database file"),
        (_STARTED + "2026-11-27 02:38:22 [scrapy.core.scraper] ERROR: Error processing {'url': 'x'}\n",
         "its log ends before the crawl closed: Error processing {'url': 'x'}"),  # killed, say
        (_STARTED, "its log ends before the crawl closed"),
        ("2026-11-27 02:38:22 [py.warnings] WARNING: a quieter LOG_LEVEL: nothing to tell\n", None),
        ("x" * 70_000 + "\n" + _STARTED + _CLOSING.format(reason="finished"), None),  # read from its end
        (None, None),  # no log on the node
        (_STARTED + "2026-11-27 02:38:21 [spiders.pipelines] ERROR: could not store a batch of 2 results: gone\n"
         + _TRACEBACK + _CLOSING.format(reason="finished").replace("{'finish", "{'log_count/ERROR': 1,\n 'finish"),
         "logged 1 error; the last: could not store a batch of 2 results: gone"),
    ],
)
def test_what_a_finished_jobs_log_says_of_its_crawl(log: str | None, note: str | None, tmp_path: Path) -> None:
    """The log as the node serves it (Twisted's static files, whose answer
    to a range longer than a short log is a 500: asked again whole)."""
    with scrapyd_node(tmp_path / "node", f"sqlite:///{tmp_path / 'run.db'}") as url:
        if log is not None:
            (tmp_path / "node" / "logs" / "paperwall" / "landing").mkdir(parents=True)
            (tmp_path / "node" / "logs" / "paperwall" / "landing" / "job1.log").write_text(log)
        job = Job(Node(url), "job1", 3, state="finished", log_url="/logs/paperwall/landing/job1.log")
        crashes, errors = read_job_logs([job])
    notes = crashes + errors
    if note and note.startswith("logged"):
        assert (crashes, errors) == ([], [f"job job1 on {url} {note}"])
    else:
        assert (notes, errors) == (([f"job job1 on {url} did not finish: {note}"] if note else []), [])


def test_a_stopping_scheduler_cancels_its_jobs(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'run.db'}"
    with DemoServer() as server, scrapyd_node(tmp_path / "node", db) as node:
        settings = {**fast_settings(server), "DOWNLOAD_DELAY": "60"}
        engine = make_engine(db)
        upgrade(engine)
        run_id = start_run(engine, "test", "stopped")
        engine.dispose()
        sent = Dispatch.start(run_id, server.target_urls(), [node], settings)
        stop, force = threading.Event(), threading.Event()
        threading.Timer(2, stop.set).start()
        threading.Timer(4, force.set).start()  # a second signal: kill without the rest of the grace
        started = time.monotonic()
        outcome = wait(sent, grace=60, poll=0.5, stop=stop, force=force)
        took = time.monotonic() - started
    assert outcome == "interrupted"
    assert took < 15  # neither the crawl's minute-long delays nor the 60 s grace


def test_a_node_behind_a_login(tmp_path: Path) -> None:
    """Scrapyd's username/password: given in the node's URL, sent as basic
    auth, never shown; without them the node's 401 is a one-line error."""
    db = f"sqlite:///{tmp_path / 'run.db'}"
    with DemoServer() as server, scrapyd_node(tmp_path / "node", db, login="crawler:s3cr:t") as node:
        with_login = node.replace("http://", "http://crawler:s3cr%3At@")
        report = run_on_scrapyd(server.target_urls()[:2], db, [with_login], settings=fast_settings(server), poll=0.3)
        refused = paperwall_cli("crawl", "--db", db, "--scrapyd", node, server.target_urls()[0])
        wrong = paperwall_cli("crawl", "--db", db, "--scrapyd", node.replace("http://", "http://crawler:nope@"),
                              server.target_urls()[0])
    assert report.outcome == "ok" and report.counts["pages"] == 2
    assert all(job.node.url == node for job in report.jobs)
    assert refused.returncode == 1 and "Unauthorized" in refused.stderr
    assert wrong.returncode == 1 and "Unauthorized" in wrong.stderr and "nope" not in wrong.stderr
    # A schedule keeps the login to use it, and never lists it.
    assert paperwall_cli("schedule", "add", "fleet", "--every", "1h", "--due", "--db", db,
                         "--scrapyd", with_login).returncode == 0
    listed = paperwall_cli("schedule", "list", "--format", "json", "--db", db).stdout
    assert "s3cr" not in listed and json.loads(listed)[0]["spec"]["scrapyd"] == [node.replace("//", "//***@")]


def test_a_large_share_runs_as_jobs_one_after_the_other(tmp_path: Path) -> None:
    """A share larger than a job may carry (Scrapyd passes the targets as one
    command-line argument) is cut into jobs that the node runs in turn, so
    the site is never crawled by two processes at once."""
    db = f"sqlite:///{tmp_path / 'run.db'}"
    with DemoServer() as server, scrapyd_node(tmp_path / "node", db) as node:
        targets = server.target_urls()
        report = run_on_scrapyd(targets, db, [node], settings=fast_settings(server), poll=0.3, job_bytes=200)
        finished = get_json(f"{node}/listjobs.json?project=paperwall")["finished"]
    assert report.outcome == "ok"
    assert len(report.jobs) == len(finished) == len(batches(targets, 200)) >= 3
    assert sum(job.targets for job in report.jobs) == len(targets)
    spans = sorted((job["start_time"], job["end_time"]) for job in finished)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))  # never two at once
    assert report.counts["pages"] == len(targets)


def test_batches_stay_under_the_size_of_one_argument() -> None:
    targets = [f"https://a.org/{i:03}" for i in range(10)]  # 18 bytes each with its newline
    assert batches(targets, 40) == [targets[i:i + 2] for i in range(0, 10, 2)]
    assert batches(targets, 10_000) == [targets]
    assert batches(["https://a.org/" + "x" * 50], 10) == [["https://a.org/" + "x" * 50]]  # alone if too long


def test_shares_keep_each_site_on_one_node() -> None:
    targets = ["https://a.org/1", "https://b.org/1", "https://a.org/2", "10.1080/x", "doi:10.1080/y", "10.1002/z"]
    # a.org and the DOIs of 10.1080 (2 each) first, then b.org and 10.1002 to the emptier node.
    assert shares(targets, 2) == [
        ["https://a.org/1", "https://b.org/1", "https://a.org/2"], ["10.1080/x", "doi:10.1080/y", "10.1002/z"]
    ]
    assert shares(["https://a.org/1", "https://a.org/2"], 3) == [["https://a.org/1", "https://a.org/2"], [], []]
    # Sites differ by port too (test servers on one loopback host).
    assert shares(["http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a"], 2) == [
        ["http://127.0.0.1:8001/a"], ["http://127.0.0.1:8002/a"]
    ]
