"""Crawl tests: a real demo server on a loopback port, crawls in subprocesses.

Scrapy's reactor cannot restart, so every crawl runs in its own process
(`python -m scrapy crawl landing` or `python -m paperwall.cli`) with the
repository as working directory; the server runs in the test process so
tests can read its request log.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from paperwall.demo.server import DemoServer

REPO = Path(__file__).resolve().parents[2]
CRAWL_TIMEOUT = 60  # seconds; a demo crawl takes about 3


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


def fast_settings(server: DemoServer) -> dict[str, Any]:
    """No delays on the demo's loopback host; everything else as in production."""
    return {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "PAPERWALL_DOI_RESOLVER": f"{server.url}/resolve/",
        "LOG_LEVEL": "INFO",
    }


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PAPERWALL_DB", None)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def scrapy_crawl(
    targets: Sequence[str], db: Path | str, settings: dict[str, Any], *extra_args: str
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl landing` in a subprocess; fails the test if it fails.

    `db` is a SQLite file or a database URL.
    """
    url = f"sqlite:///{db}" if isinstance(db, Path) else db
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "landing",
        "-a",
        "urls=" + ",".join(targets),
        "-a",
        f"db={url}",
        *extra_args,
    ]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.run(cmd, cwd=REPO, env=env(), capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def paperwall(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "paperwall.cli", *args],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return proc


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def count(db: Path, table: str) -> int:
    return rows(db, f"SELECT COUNT(*) FROM {table}")[0][0]
