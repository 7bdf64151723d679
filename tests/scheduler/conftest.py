"""Scheduler tests: real processes, a real demo site on loopback, both database engines.

Fixtures `db_url` / `engine` come from tests/storage (a fresh migrated
database per test, SQLite and, with PAPERWALL_TEST_PG_URL, PostgreSQL).
Crawls run with the demo's loopback host undelayed; every other politeness
setting is as in production.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from paperwall.demo.server import DemoServer
from scheduler.schedules import ScheduleSpec
from tests.storage.conftest import db_url, empty_db_url, engine, pg_admin, pg_template, sqlite_template  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
# No delay on loopback test sites (AutoThrottle would put DOWNLOAD_DELAY back).
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "RETRY_AFTER_MAX": "0"}


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


def article_urls(server: DemoServer) -> list[str]:
    """The demo's 7 readable articles (not the challenge, not the 404)."""
    return [u for u in server.target_urls() if "2170007" not in u and "9999999" not in u]


def spec(name: str, tmp_path: Path, urls: list[str], **kw: Any) -> ScheduleSpec:
    """A schedule crawling `urls` (through a file, as `--file` does), fast on loopback."""
    listing = tmp_path / f"{name}.txt"
    listing.write_text("".join(u + "\n" for u in urls), encoding="utf-8")
    kw.setdefault("every", 3600.0)
    kw["settings"] = {**FAST, **kw.get("settings", {})}
    return ScheduleSpec(name=name, files=[str(listing)], **kw)


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PAPERWALL_DB", None)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def paperwall(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "paperwall.cli", *args], cwd=REPO, env=env(),
                          capture_output=True, text=True, timeout=timeout)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return proc


class Scheduler:
    """A `paperwall scheduler` process; its stderr is collected as it comes."""

    def __init__(self, db: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "paperwall.cli", "scheduler", "--db", db, *args],
            cwd=REPO, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        wait_until(lambda: text in self.log or self.proc.poll() is not None, timeout, f"{text!r} in the log", self)
        assert text in self.log, f"scheduler exited ({self.proc.returncode}) before {text!r}:\n{self.log}"

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def start_scheduler() -> Iterator[Callable[..., Scheduler]]:
    started: list[Scheduler] = []

    def start(db: str, *args: str) -> Scheduler:
        s = Scheduler(db, "--heartbeat", "0.5", *args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()


def wait_until(
    predicate: Callable[[], Any], timeout: float = 30, what: str = "condition", scheduler: Scheduler | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    log = f"; scheduler log:\n{scheduler.log}" if scheduler is not None else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{log}")


class BlackHole:
    """A TCP server that accepts connections and never answers (a hung site)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()
