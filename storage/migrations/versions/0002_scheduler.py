"""Scheduler: run outcomes and notes, incremental refresh, domain backoff, the lock, APScheduler's jobs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

* `crawl_runs`: `not_modified` (304 answers), `skipped` (requests not made:
  their domain was backing off), `error_kinds` (JSON), `outcome` (ok,
  timeout, crashed, interrupted, abandoned, failed), `notes`, `owner`; an
  index on `trigger` (a schedule's runs).
* `targets`: `domain` (where it was last fetched from), `article_id`, and the
  validators of the last good fetch (`etag`, `last_modified`).
* `domain_backoff`: sites answering bot challenges or 429s, left alone until
  `until`, with the last error seen from each site.
* `scheduler_lock`: the one scheduler process allowed per database.
* `apscheduler_jobs`: APScheduler 3's SQLAlchemyJobStore table, spelled as
  APScheduler 3.11 creates it.

Frozen like 0001: types are spelled out here.  On SQLite, `targets` is
copied and moved to gain its foreign key (batch mode); dropping the
`crawl_runs` columns on downgrade needs SQLite >= 3.35.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)

RUN_COUNTS = ("not_modified", "skipped")
RUN_TEXT = ("outcome", "notes", "owner")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    empty_json = sa.text("'{}'::jsonb") if not _is_sqlite() else sa.text("'{}'")
    for name in RUN_COUNTS:
        op.add_column("crawl_runs", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("crawl_runs", sa.Column("error_kinds", JSON, nullable=False, server_default=empty_json))
    op.add_column("crawl_runs", sa.Column("outcome", sa.String()))
    op.add_column("crawl_runs", sa.Column("notes", sa.Text()))
    op.add_column("crawl_runs", sa.Column("owner", sa.String()))
    op.execute("UPDATE crawl_runs SET outcome = 'ok' WHERE finished_at IS NOT NULL")
    op.create_index("ix_crawl_runs_trigger", "crawl_runs", ["trigger"])

    # SQLite adds a foreign key only by copy-and-move (nothing references `targets`).
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("domain", sa.String()))
        batch.add_column(sa.Column("article_id", sa.Integer()))
        batch.add_column(sa.Column("etag", sa.String()))
        batch.add_column(sa.Column("last_modified", sa.String()))
        batch.create_foreign_key(
            "fk_targets_article_id_articles", "articles", ["article_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_targets_domain", "targets", ["domain"])

    op.create_table(
        "domain_backoff",
        sa.Column("domain", sa.String(), primary_key=True),
        sa.Column("until", TS),
        sa.Column("reason", sa.Text()),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_at", TS),
        sa.Column("last_ok_at", TS),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "scheduler_lock",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", TS, nullable=False),
        sa.Column("heartbeat_at", TS, nullable=False),
    )
    # apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore, APScheduler 3.11.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("scheduler_lock")
    op.drop_table("domain_backoff")
    op.drop_index("ix_targets_domain", table_name="targets")
    with op.batch_alter_table("targets") as batch:
        batch.drop_constraint("fk_targets_article_id_articles", type_="foreignkey")
        batch.drop_column("article_id")
        batch.drop_column("etag")
        batch.drop_column("last_modified")
        batch.drop_column("domain")
    op.drop_index("ix_crawl_runs_trigger", table_name="crawl_runs")
    for name in (*RUN_COUNTS, "error_kinds", *RUN_TEXT):
        op.drop_column("crawl_runs", name)
