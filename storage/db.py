"""Engines, sessions and migrations.

One place decides how paperwall talks to its database so that the crawl, the
CLI and the tests all get the same SQLite pragmas, the same PostgreSQL driver
and the same schema version.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///./paperwall.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution option naming the statement that opens a SQLite transaction.
# Writers ask for "BEGIN IMMEDIATE": taking the write lock up front means a
# concurrent writer waits (busy_timeout) instead of failing on lock upgrade.
SQLITE_BEGIN = "sqlite_begin"


def default_url() -> str:
    """`PAPERWALL_DB` when set (a bare path is a SQLite file), else ./paperwall.db."""
    value = os.environ.get("PAPERWALL_DB", "").strip()
    return normalize_url(value) if value else DEFAULT_URL


def normalize_url(url: str | URL) -> str:
    """A SQLAlchemy URL string: bare path -> SQLite file, postgresql -> psycopg 3."""
    if isinstance(url, str) and "://" not in url:
        return f"sqlite:///{url}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine for `url` (default: `default_url()`), tuned per backend."""
    engine = create_engine(normalize_url(url or default_url()), **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks
        # SAVEPOINT; switch it off and emit BEGIN ourselves (below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # First: switching a new file to WAL needs its lock, and may have to wait for it.
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the crawl
        cur.execute("PRAGMA foreign_keys=ON")  # SQLite ignores FKs unless asked
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(SQLITE_BEGIN, "BEGIN"))


def writer_engine(engine: Engine) -> Engine:
    """`engine` opening write transactions (BEGIN IMMEDIATE on SQLite)."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: callers read attributes after the commit.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, write: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception.
    `write`: a write transaction, one at a time per database (see below)."""
    bind = writer_engine(engine) if write else engine
    with make_sessionmaker(bind)() as session, session.begin():
        if write and engine.dialect.name == "postgresql":
            _one_writer_at_a_time(session)
        yield session


# Writers on PostgreSQL queue on one transaction-level advisory lock, as
# SQLite's BEGIN IMMEDIATE queues them on the database's write lock.  Two
# crawls storing the same article at once (Scrapyd nodes sharing one
# database, a scheduled and a manual crawl) would otherwise both insert it
# (one write failing) or both open the same offer (a duplicate row).  Write
# transactions are short batches; readers never wait.
PG_WRITE_LOCK = 0x7061706572  # "paper"
PG_MIGRATE_LOCK = PG_WRITE_LOCK + 1


def _one_writer_at_a_time(session: Session) -> None:
    # The same bound as SQLite's busy_timeout: a stuck writer is an error, not a hang.
    session.execute(text(f"SET LOCAL lock_timeout = '{SQLITE_BUSY_TIMEOUT_MS}ms'"))
    _pg_lock(session, PG_WRITE_LOCK)


def _pg_lock(executor: Session | Connection, key: int) -> None:
    """A PostgreSQL advisory lock held until the transaction ends."""
    executor.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str | URL | None = None) -> Config:
    """Alembic config built in code: works from an installed package, no alembic.ini."""
    # Imported here: Alembic costs ~0.2 s to import, and most processes never migrate.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates '%': escape it (URL-encoded passwords).
        cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url_or_engine: str | URL | Engine | None = None, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the latest schema)."""
    if isinstance(url_or_engine, Engine):
        engine, owned = url_or_engine, False
    else:
        engine, owned = make_engine(url_or_engine), True
    from alembic import command

    try:
        cfg = alembic_config()
        # Processes starting together on a new database (Scrapyd nodes, a
        # scheduler and a crawl) all call this: one migrates while the others
        # wait for its commit, then find the schema at its head.
        with writer_engine(engine).begin() as conn:  # BEGIN IMMEDIATE on SQLite
            if engine.dialect.name == "postgresql":
                _pg_lock(conn, PG_MIGRATE_LOCK)
            cfg.attributes["connection"] = conn  # env.py runs on this connection
            command.upgrade(cfg, revision)
    finally:
        if owned:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: not migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
