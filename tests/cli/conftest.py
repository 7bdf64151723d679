"""CLI tests: one real demo crawl per backend and module, then the read commands.

`demo_db` crawls the bundled demo site twice in subprocesses (`paperwall
demo`, then `paperwall demo --change-prices`, so two prices and some view
counts have history) into a fresh SQLite file, and, when
PAPERWALL_TEST_PG_URL is set, into a fresh PostgreSQL database.  The read
commands then run in-process through click's CliRunner.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from paperwall.cli import main
from storage.db import normalize_url
from tests.pg_databases import drop_database

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("PAPERWALL_TEST_PG_URL")
PG_SKIP = 'PAPERWALL_TEST_PG_URL is not set: PostgreSQL tests skipped (run: eval "$(bash .ci/postgres.sh)")'
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PAPERWALL_DB", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def demo(db_url: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "paperwall.cli", "demo", "--db", db_url, *args],
        cwd=cwd, env=subprocess_env(), capture_output=True, text=True, timeout=90, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return proc.stdout


class PgDatabases:
    """Creates throwaway databases on the test server and drops them at the end."""

    def __init__(self) -> None:
        if not PG_URL:
            pytest.skip(PG_SKIP)
        self.admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self) -> str:
        name = f"pw_cli_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self.names.append(name)
        return make_url(normalize_url(PG_URL or "")).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        for name in self.names:
            drop_database(self.admin, name)
        self.admin.dispose()


@pytest.fixture(scope="module")
def pg() -> Iterator[PgDatabases]:
    dbs = PgDatabases()
    yield dbs
    dbs.close()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def demo_db(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a database holding two demo crawls (first state, then changed prices)."""
    work = tmp_path_factory.mktemp("demo")
    if backend == "sqlite":
        url = f"sqlite:///{(work / 'paperwall.db').as_posix()}"
    else:
        url = request.getfixturevalue("pg").create()
    demo(url, cwd=work)
    out = demo(url, "--change-prices", cwd=work)
    assert "history recorded" in out, out
    return url


@pytest.fixture(scope="module")
def empty_db(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a database that exists but has no tables."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("empty") / "empty.db"
        path.touch()
        return f"sqlite:///{path.as_posix()}"
    return request.getfixturevalue("pg").create()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """`paperwall ARGS` in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = run(*args, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout
