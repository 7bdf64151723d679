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
