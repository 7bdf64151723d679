"""`paperwall schedule ...`, `runs`, `status`: in-process (click's runner), on both engines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from paperwall.cli import main
from scheduler.schedules import open_store
from spiders.items import FetchResult
from storage.models import utcnow
from storage.runs import finish_run, start_run
from storage.writer import write_batch
from tests.storage.factory import blocked, record

COMMANDS = ["scheduler", "schedule", "schedule add", "schedule list", "schedule pause", "schedule resume",
            "schedule remove", "schedule run", "runs", "status"]


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_an_example(command: str) -> None:
    assert "Example" in ok(*command.split(), "--help")


def test_add_list_pause_resume_remove(db_url: str, tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://www.tandfonline.com/doi/abs/10.1080/00268976.2013.788745\n", encoding="utf-8")
    out = ok("schedule", "add", "demo", "--every", "1m", "--file", str(urls), "--db", db_url)
    assert out.startswith(f"schedule demo: every 1m; file {urls.resolve()}; next run ")
    ok("schedule", "add", "nightly", "--cron", "0 3 * * *", "--due", "--limit", "50", "-s", "DOWNLOAD_DELAY=5",
       "--db", db_url)
    ok("schedule", "add", "tf", "--every", "6h", "--doi", "10.1080/00268976.2013.788745", "--source", "demo",
       "--time-limit", "10m", "--db", db_url)

    table = ok("schedule", "list", "--db", db_url)
    assert table.splitlines()[0].split() == ["NAME", "STATE", "WHEN", "WHAT", "NEXT", "RUN", "LAST", "RUN"]
    assert "nightly  active  cron 0 3 * * *  due targets; at most 50" in table
    listed = {s["name"]: s for s in json.loads(ok("schedule", "list", "--format", "json", "--db", db_url))}
    assert set(listed) == {"demo", "nightly", "tf"}
    assert listed["nightly"]["spec"]["settings"] == {"DOWNLOAD_DELAY": "5"}
    assert listed["tf"]["spec"]["time_limit"] == 600 and listed["tf"]["what"] == "1 DOI; source demo"
    assert listed["demo"]["last_run"] is None and listed["demo"]["next_run"]

    assert ok("schedule", "pause", "nightly", "--db", db_url) == "schedule nightly paused\n"
    paused = {s["name"]: s for s in json.loads(ok("schedule", "list", "--format", "json", "--db", db_url))}
    assert (paused["nightly"]["state"], paused["nightly"]["next_run"]) == ("paused", None)
    assert ok("schedule", "resume", "nightly", "--db", db_url).startswith("schedule nightly resumed; next run ")
    ok("schedule", "remove", "tf", "--db", db_url)
    ok("schedule", "add", "demo", "--every", "2m", "--file", str(urls), "--replace", "--db", db_url)
    with open_store(db_url) as store:
        assert [i.name for i in store.list()] == ["demo", "nightly"]
        assert store.spec("demo").every == 120
        # APScheduler options that keep runs from overlapping, piling up or being dropped.
        job = store.job("demo")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 3600)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "pause", "nope"], "no schedule named 'nope' (schedules: none)"),
        (["schedule", "resume", "nope"], "no schedule named 'nope'"),
        (["schedule", "remove", "nope"], "no schedule named 'nope'"),
        (["schedule", "run", "nope"], "no schedule named 'nope'"),
        (["schedule", "add", "x", "--cron", "0 3 * *", "--due"], "bad cron expression '0 3 * *'"),
        (["schedule", "add", "x", "--cron", "61 * * * *", "--due"], "bad cron expression"),
        (["schedule", "add", "x", "--every", "1h", "--cron", "0 3 * * *", "--due"], "not both"),
        (["schedule", "add", "x", "--due"], "give exactly one of --every INTERVAL or --cron EXPRESSION"),
        (["schedule", "add", "x", "--every", "6x", "--due"], "bad interval: not a duration: '6x'"),
        (["schedule", "add", "x", "--every", "0m", "--due"], "bad interval: duration must be positive"),
        (["schedule", "add", "x", "--every", "1h"], "say what to crawl"),
        (["schedule", "add", "bad name", "--every", "1h", "--due"], "bad schedule name 'bad name'"),
        (["schedule", "add", "x", "--every", "1h", "--doi", "nonsense"], "not a DOI: 'nonsense'"),
        (["schedule", "add", "x", "--every", "1h", "--due", "--time-limit", "soon"], "bad interval"),
        (["schedule", "add", "x", "--every", "1h", "--due", "-s", "PAPERWALL_REFRESH_POLICY=garbage"],
         "bad PAPERWALL_REFRESH_POLICY"),
    ],
)
def test_bad_input_is_a_one_line_error(args: list[str], message: str, tmp_path: Path) -> None:
    result = cli(*args, "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_name_that_exists_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    ok("schedule", "add", "n", "--every", "1h", "--due", "--db", db)
    result = cli("schedule", "add", "n", "--every", "2h", "--due", "--db", db)
    assert result.exit_code == 1 and "a schedule named 'n' exists (use --replace" in result.output


def test_runs_and_status_report_what_happened(engine: Engine, db_url: str) -> None:
    now = utcnow()
    run = start_run(engine, "schedule:demo", now=now - timedelta(seconds=30))
    good = record("10.1000/a.1")
    write_batch(engine, [
        FetchResult(url=good.url, final_url=good.url, http_status=200, fetched_at=now.isoformat(), record=good),
        *[FetchResult(url=f"https://blocked.example/{i}", final_url=f"https://blocked.example/{i}",
                      http_status=403, fetched_at=(now + timedelta(seconds=i)).isoformat(),
                      record=blocked(f"https://blocked.example/{i}")) for i in range(3)],
        FetchResult(url="https://gone.example/", final_url=None, http_status=None, fetched_at=now.isoformat(),
                    error="TCPTimedOutError: TCP connection timed out: 110: Connection timed out."),
    ], run_id=run)
    finish_run(engine, run, now=now)

    table = ok("runs", "--db", db_url)
    lines = table.splitlines()
    assert lines[0].split()[:5] == ["RUN", "TRIGGER", "STARTED", "(UTC)", "TOOK"]
    assert lines[1].split()[:2] == [str(run), "schedule:demo"] and "30.0s  ok" in lines[1]
    assert "challenge 3, timeout 1" in lines[1]
    assert "note: domain blocked.example backs off until" in table
    (as_json,) = json.loads(ok("runs", "--schedule", "demo", "--format", "json", "--db", db_url))
    assert (as_json["pages"], as_json["articles_new"], as_json["errors"]) == (5, 1, 1)
    assert as_json["error_kinds"] == {"challenge": 3, "timeout": 1}
    assert json.loads(ok("runs", "--schedule", "other", "--format", "json", "--db", db_url)) == []

    status = ok("status", "--db", db_url)
    assert "scheduler: not running" in status
    assert "Sites backing off:\nDOMAIN" in status and "blocked.example" in status and "3 bot challenges" in status
    assert "Last error per site:" in status and "TCPTimedOutError" in status
    s = json.loads(ok("status", "--format", "json", "--db", db_url))
    assert [d["domain"] for d in s["domains_backing_off"]] == ["blocked.example"]
    assert {d["domain"] for d in s["last_error_per_domain"]} == {"blocked.example", "gone.example"}
    assert s["last_run"]["outcome"] == "ok" and s["scheduler"] == {"running": False}
