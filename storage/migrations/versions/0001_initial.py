"""Initial schema: articles and their observed history, fetches, runs, targets, views.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Frozen: this file spells out its own types instead of importing
`storage.models`, so later model changes cannot rewrite what it creates.
Views use only SQL that SQLite (>= 3.25, window functions) and PostgreSQL share.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)  # storage.models.UTCDateTime stores UTC in this


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _article_id() -> sa.Column:
    return sa.Column(
        "article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
    )


def _interval(closable: bool) -> list[sa.Column]:
    cols = [sa.Column("first_seen", TS, nullable=False), sa.Column("last_seen", TS, nullable=False)]
    if closable:
        cols.append(sa.Column("closed_at", TS, nullable=True))
    return cols


def _create_tables() -> None:
    op.create_table(
        "articles",
        _id(),
        sa.Column("key", sa.String(), nullable=False, unique=True),
        sa.Column("doi", sa.String()),
        sa.Column("url", sa.String(), nullable=False, index=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("journal", sa.String(), index=True),
        sa.Column("publisher", sa.String()),
        sa.Column("issns", JSON, nullable=False),
        sa.Column("volume", sa.String()),
        sa.Column("issue", sa.String()),
        sa.Column("first_page", sa.String()),
        sa.Column("last_page", sa.String()),
        sa.Column("published", sa.Date(), index=True),
        sa.Column("article_type", sa.String()),
        sa.Column("abstract", sa.Text()),
        sa.Column("access", sa.String(), nullable=False),
        sa.Column("keywords", JSON, nullable=False),
        *_interval(closable=False),
        sa.Column("last_changed", TS, nullable=False),
    )
    op.create_table(
        "authors",
        _id(),
        _article_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("given", sa.String()),
        sa.Column("family", sa.String()),
        sa.Column("orcid", sa.String(), index=True),
        sa.Column("affiliations", JSON, nullable=False),
        sa.UniqueConstraint("article_id", "position"),
    )
    op.create_table(
        "abstract_sections",
        _id(),
        _article_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String()),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("article_id", "position"),
    )
    op.create_table(
        "offers",
        _id(),
        _article_id(),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("price_text", sa.String()),
        sa.Column("currency", sa.String(3)),
        sa.Column("period", sa.String()),
        sa.Column("details", JSON, nullable=False),
        sa.Column("tax_note", sa.Text()),
        *_interval(closable=True),
        sa.Index(None, "article_id", "closed_at"),
        sa.Index(None, "article_id", "label", "currency", "first_seen"),
        sa.Index(None, "kind", "currency", "price"),
    )
    op.create_table(
        "metric_observations",
        _id(),
        _article_id(),
        *(sa.Column(name, sa.BigInteger()) for name in ("views", "citations", "altmetric", "downloads")),
        *_interval(closable=False),
        sa.Index(None, "article_id", "first_seen"),
    )
    op.create_table(
        "related_links",
        _id(),
        _article_id(),
        sa.Column("list", sa.String(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.String()),
        sa.Column("doi", sa.String(), index=True),
        *_interval(closable=True),
        sa.Index(None, "article_id", "list", "closed_at"),
    )
    op.create_table(
        "crawl_runs",
        _id(),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "pages",
                "articles_new",
                "articles_changed",
                "articles_unchanged",
                "challenges",
                "not_found",
                "errors",
            )
        ),
        sa.Column("status_counts", JSON, nullable=False),
    )
    op.create_table(
        "fetches",
        _id(),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="SET NULL"), index=True),
        sa.Column("url", sa.String(), nullable=False, index=True),
        sa.Column("final_url", sa.String()),
        sa.Column("target", sa.String()),
        sa.Column("http_status", sa.Integer()),
        sa.Column("page_status", sa.String()),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("bytes", sa.BigInteger()),
        sa.Column("elapsed_ms", sa.Float()),
        sa.Column("error", sa.Text()),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("etag", sa.String()),
        sa.Column("last_modified", sa.String()),
        sa.Column("content_hash", sa.String()),
        sa.Column("fetched_at", TS, nullable=False, index=True),
    )
    op.create_table(
        "targets",
        _id(),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False, unique=True),
        sa.Column("source", sa.String()),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("next_due", TS, index=True),
        sa.Column("last_fetched", TS),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String()),
    )


# Current offers, with enough of the article to read them without a join.
LATEST_OFFERS = """
CREATE VIEW latest_offers AS
SELECT o.id AS offer_id, a.id AS article_id, a.doi, a.title, a.journal, a.publisher,
       o.label, o.kind, o.price, o.currency, o.period, o.tax_note,
       o.first_seen, o.last_seen
FROM offers o
JOIN articles a ON a.id = o.article_id
WHERE o.closed_at IS NULL
"""

# Consecutive offer rows of one article+label+currency whose price differs.
# changed_at is when the new price was first seen; the old one was last seen
# at old_last_seen, so the change happened between the two.
PRICE_CHANGES = """
CREATE VIEW price_changes AS
SELECT c.article_id, a.doi, a.title, a.journal, c.label, c.kind, c.currency,
       c.old_price, c.new_price, c.old_first_seen, c.old_last_seen, c.changed_at,
       c.old_offer_id, c.new_offer_id
FROM (
    SELECT o.article_id, o.label, o.kind, o.currency,
           o.id AS new_offer_id, o.price AS new_price, o.first_seen AS changed_at,
           LAG(o.id) OVER w AS old_offer_id,
           LAG(o.price) OVER w AS old_price,
           LAG(o.first_seen) OVER w AS old_first_seen,
           LAG(o.last_seen) OVER w AS old_last_seen
    FROM offers o
    WINDOW w AS (PARTITION BY o.article_id, o.label, o.currency ORDER BY o.first_seen, o.id)
) c
JOIN articles a ON a.id = c.article_id
WHERE c.old_offer_id IS NOT NULL
  AND (c.old_price <> c.new_price
       OR (c.old_price IS NULL AND c.new_price IS NOT NULL)
       OR (c.old_price IS NOT NULL AND c.new_price IS NULL))
"""

# The newest observation per article (greatest first_seen, then id).
LATEST_METRICS = """
CREATE VIEW latest_metrics AS
SELECT m.article_id, a.doi, a.title, a.journal,
       m.views, m.citations, m.altmetric, m.downloads, m.first_seen, m.last_seen
FROM metric_observations m
JOIN articles a ON a.id = m.article_id
WHERE NOT EXISTS (
    SELECT 1 FROM metric_observations n
    WHERE n.article_id = m.article_id
      AND (n.first_seen > m.first_seen OR (n.first_seen = m.first_seen AND n.id > m.id))
)
"""

VIEWS = ("latest_offers", "price_changes", "latest_metrics")


def upgrade() -> None:
    _create_tables()
    for ddl in (LATEST_OFFERS, PRICE_CHANGES, LATEST_METRICS):
        op.execute(ddl)


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in (
        "targets",
        "fetches",
        "crawl_runs",
        "related_links",
        "metric_observations",
        "offers",
        "abstract_sections",
        "authors",
        "articles",
    ):
        op.drop_table(table)
