"""paperwall's database: what journals show before the paywall, with its history.

    from storage import make_engine, upgrade, write_batch, find_articles
    engine = make_engine()          # PAPERWALL_DB or ./paperwall.db
    upgrade(engine)                 # migrate to the latest schema
    stats = write_batch(engine, fetch_results, run_id=start_run(engine, "cli"))

docs/schema.md describes the tables, views and write rules.
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: a process that only writes fetches (the revalidation
# step) should not pay for the query and export code.
_HOME = {
    "default_url": "db", "make_engine": "db", "make_sessionmaker": "db", "session_scope": "db", "upgrade": "db",
    "article_history": "queries", "export_rows": "queries", "find_articles": "queries", "summary": "queries",
    "to_csl_json": "queries", "to_ris": "queries",
    "DueTarget": "runs", "add_targets": "runs", "due_targets": "runs", "finish_run": "runs",
    "normalize_doi": "runs", "start_run": "runs",
    "WriteStats": "writer", "write_batch": "writer",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    return getattr(importlib.import_module(f"storage.{_HOME[name]}"), name)


__all__ = [
    "DueTarget",
    "WriteStats",
    "add_targets",
    "article_history",
    "default_url",
    "due_targets",
    "export_rows",
    "find_articles",
    "finish_run",
    "make_engine",
    "make_sessionmaker",
    "normalize_doi",
    "session_scope",
    "start_run",
    "summary",
    "to_csl_json",
    "to_ris",
    "upgrade",
    "write_batch",
]
