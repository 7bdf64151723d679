"""Fixtures: an `engine` on SQLite and on PostgreSQL, each test on a fresh database.

PostgreSQL runs when PAPERWALL_TEST_PG_URL is set (`eval "$(bash .ci/postgres.sh)"`);
its role needs CREATEDB.  Every PG test gets its own database, copied from a
template migrated once per session, and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from storage.db import make_engine, normalize_url, upgrade
from tests.pg_databases import drop_database

PG_URL = os.environ.get("PAPERWALL_TEST_PG_URL")
PG_SKIP = 'PAPERWALL_TEST_PG_URL is not set: PostgreSQL tests skipped (run: eval "$(bash .ci/postgres.sh)")'
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


# --- SQLite ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; tests copy it instead of migrating each time."""
    path = tmp_path_factory.mktemp("template") / "paperwall.db"
    engine = make_engine(path.as_posix())
    upgrade(engine)
    engine.dispose()  # last connection closed: WAL checkpointed into the file
    return path


# --- PostgreSQL ------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """Autocommit connection to the server (CREATE/DROP DATABASE cannot run in a transaction)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    engine = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _create_db(admin: Engine, template: str = "template0") -> str:
    name = f"pw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return make_url(normalize_url(PG_URL or "")).set(database=name).render_as_string(hide_password=False)


def _drop_db(admin: Engine, url: str) -> None:
    drop_database(admin, make_url(url).database or "")


@pytest.fixture(scope="session")
def pg_template(pg_admin: Engine) -> Iterator[str]:
    url = _create_db(pg_admin)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()  # a template must have no open connections
    yield make_url(url).database or ""
    _drop_db(pg_admin, url)


# --- what tests use --------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "paperwall.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path.as_posix()}"
        return
    admin = request.getfixturevalue("pg_admin")
    url = _create_db(admin, request.getfixturevalue("pg_template"))
    yield url
    _drop_db(admin, url)


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database with no schema at all (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"
        return
    admin = request.getfixturevalue("pg_admin")
    url = _create_db(admin)
    yield url
    _drop_db(admin, url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
