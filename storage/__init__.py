"""paperwall's database: what journals show before the paywall, with its history.

    from storage import make_engine, upgrade, write_batch, find_articles
    engine = make_engine()          # PAPERWALL_DB or ./paperwall.db
    upgrade(engine)                 # migrate to the latest schema
    stats = write_batch(engine, fetch_results, run_id=start_run(engine, "cli"))

docs/schema.md describes the tables, views and write rules.
"""

from storage.db import default_url, make_engine, make_sessionmaker, session_scope, upgrade
from storage.queries import article_history, export_rows, find_articles, summary, to_csl_json, to_ris
from storage.runs import DueTarget, add_targets, due_targets, finish_run, normalize_doi, start_run
from storage.writer import WriteStats, write_batch

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
