"""The Alembic migrations build the whole schema on both backends."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from storage.db import alembic_config, current_revision, make_engine, upgrade
from storage.models import Base

TABLES = {
    "articles",
    "authors",
    "abstract_sections",
    "offers",
    "metric_observations",
    "related_links",
    "fetches",
    "crawl_runs",
    "targets",
}
VIEWS = {"latest_offers", "price_changes", "latest_metrics"}


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def test_upgrade_creates_all_tables_and_views(empty_db_url: str) -> None:
    upgrade(empty_db_url)  # from a URL: builds and disposes its own engine
    engine = make_engine(empty_db_url)
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) >= TABLES
        assert set(insp.get_view_names()) == VIEWS
        assert current_revision(engine) == _head()
        upgrade(engine)  # already at head: a no-op, not an error
        assert current_revision(engine) == _head()
    finally:
        engine.dispose()


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    insp = inspect(engine)
    assert not (TABLES | VIEWS) & set(insp.get_table_names() + insp.get_view_names())
    upgrade(engine)
    assert set(inspect(engine).get_view_names()) == VIEWS


def test_processes_starting_together_migrate_once(empty_db_url: str) -> None:
    """Crawls started at once on a new database (Scrapyd nodes, a scheduler
    and a manual crawl) each run `upgrade`: one migrates, the others wait
    and find the schema at its head."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    at = time.time() + 2.0  # every process starts migrating at this moment
    script = (
        "import sys, time\n"
        "from storage.db import upgrade\n"
        f"time.sleep(max(0.0, {at} - time.time()))\n"
        "upgrade(sys.argv[1])\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, empty_db_url], cwd=root,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read()[-2000:] if p.stderr else "") for p in procs]
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) == _head()
    finally:
        engine.dispose()
