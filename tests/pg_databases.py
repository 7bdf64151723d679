"""Dropping the throwaway PostgreSQL databases the tests make."""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError


def drop_database(admin: Engine, name: str, attempts: int = 5) -> None:
    """DROP DATABASE ... WITH (FORCE) on an autocommit engine.  FORCE ends
    the database's other sessions, and fails when one of them belongs to a
    role the test role may not signal: the server's autovacuum worker, which
    can be analysing a database a test has just filled.  It is done within a
    second: the drop is tried again."""
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
