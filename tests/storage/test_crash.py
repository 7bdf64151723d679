"""A crash between or inside batches loses nothing that was committed.

The subprocess test is a real crash: a child process commits batch 1, then
dies (os._exit) in the middle of batch 2's transaction.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from spiders.items import FetchResult
from storage.db import make_engine
from storage.writer import write_batch
from tests.storage.factory import blocked, count, offer, record, result, snapshot

ROOT = Path(__file__).resolve().parents[2]
CRASH_EXIT = 17

CHILD = f"""
import os, sys
from sqlalchemy import event
from storage.db import make_engine
from storage.writer import write_batch
from tests.storage.test_crash import batch1, batch2

engine = make_engine(sys.argv[1])
write_batch(engine, batch1())
print("batch 1 committed", flush=True)
statements = 0

@event.listens_for(engine, "before_cursor_execute")
def crash(conn, cursor, statement, *args):
    global statements
    statements += 1
    if statements == int(sys.argv[2]):
        print("dying at:", statement.split()[0], flush=True)
        os._exit({CRASH_EXIT})

write_batch(engine, batch2())
print("batch 2 committed", flush=True)
"""


def doi(n: int) -> str:
    return f"10.1080/00268976.2021.{n:06d}"


def batch1() -> list[FetchResult]:
    return [result(record(doi(n)), day=0) for n in range(1, 4)]


def batch2() -> list[FetchResult]:
    changed = record(doi(1), title="Changed", offers=[offer("99.00")])
    fresh = [result(record(doi(n)), day=1) for n in range(4, 8)]
    return [result(changed, day=1), *fresh, result(blocked(), day=1)]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_killed_mid_batch_keeps_the_committed_batch(engine: Engine) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, _url(engine), "25"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == CRASH_EXIT, child.stderr
    assert "batch 1 committed" in child.stdout and "dying at:" in child.stdout
    assert "batch 2 committed" not in child.stdout

    reopened = make_engine(_url(engine))
    try:
        if reopened.dialect.name == "sqlite":
            with reopened.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert (count(reopened, "articles"), count(reopened, "fetches"), count(reopened, "offers")) == (
            3,
            3,
            6,
        )
        assert count(reopened, "articles", "WHERE title = 'Changed'") == 0
        stats = write_batch(reopened, batch2())  # the crawl can simply retry the batch
        assert (stats.articles_new, stats.articles_changed, count(reopened, "articles")) == (4, 1, 7)
    finally:
        reopened.dispose()


class Crash(BaseException):
    """Like KeyboardInterrupt: not an Exception, so no item-level handler catches it."""


def test_interrupted_batch_rolls_back_whole_and_engine_stays_usable(engine: Engine) -> None:
    write_batch(engine, batch1())
    before = snapshot(engine)
    fetches = count(engine, "fetches")
    statements = {"n": 0}

    def interrupt(*_args: object) -> None:
        statements["n"] += 1
        if statements["n"] == 30:
            raise Crash

    event.listen(engine, "before_cursor_execute", interrupt)
    with pytest.raises(Crash):
        write_batch(engine, batch2())
    event.remove(engine, "before_cursor_execute", interrupt)

    assert snapshot(engine) == before and count(engine, "fetches") == fetches
    assert write_batch(engine, batch2()).articles_new == 4


def test_concurrent_writers_wait_for_each_other(engine: Engine) -> None:
    """Two writers at once (crawl + CLI import): SQLite serialises them, nothing fails."""
    from concurrent.futures import ThreadPoolExecutor

    def writer(offset: int) -> int:
        written = 0
        for b in range(3):
            batch = [result(record(doi(offset + 100 * b + n)), day=b) for n in range(20)]
            written += write_batch(engine, batch).articles_new
        return written

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(writer, (1000, 2000))) == [60, 60]
    assert count(engine, "articles") == count(engine, "fetches") == 120


def test_concurrent_writers_of_the_same_article_keep_one_history(engine: Engine) -> None:
    """Two crawls (two Scrapyd nodes on one PostgreSQL, or a scheduled crawl
    and a manual one) store the same pages at the same moment: every page is
    stored, and there is still one article, one open offer per offer and one
    metric row per change."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    rounds = 12
    start = [threading.Barrier(2) for _ in range(rounds)]

    def crawl(node: int) -> int:
        errors = 0
        for r in range(rounds):
            start[r].wait()
            errors += write_batch(engine, [result(record(f"10.5555/same.{r}"), day=r)]).errors
        return errors

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(crawl, (1, 2))) == [0, 0]
    assert count(engine, "fetches") == 2 * rounds
    assert count(engine, "articles") == rounds
    assert count(engine, "offers") == rounds * len(record().offers)
    assert count(engine, "metric_observations") == rounds
