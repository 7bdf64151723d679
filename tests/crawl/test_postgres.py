"""The crawl writes to PostgreSQL as it does to SQLite (needs PAPERWALL_TEST_PG_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from paperwall.demo.server import DemoServer
from storage.db import make_engine, normalize_url
from storage.models import Article, CrawlRun, Fetch, Offer
from tests.pg_databases import drop_database

from .conftest import fast_settings, scrapy_crawl

PG_URL = os.environ.get("PAPERWALL_TEST_PG_URL")

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip('PAPERWALL_TEST_PG_URL is not set (run: eval "$(bash .ci/postgres.sh)")')
    admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"pw_crawl_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(normalize_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


def test_crawl_into_postgres(pg_url: str) -> None:
    with DemoServer() as server:
        targets = server.target_urls()
        scrapy_crawl(targets, pg_url, fast_settings(server))
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Article)) == 7
            assert conn.scalar(select(func.count()).select_from(Fetch)) == len(targets)
            assert conn.scalar(select(func.count()).select_from(Offer).where(Offer.currency == "EUR")) == 1
            assert conn.execute(select(CrawlRun.articles_new, CrawlRun.challenges)).one() == (7, 1)
    finally:
        engine.dispose()
