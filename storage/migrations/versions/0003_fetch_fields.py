"""Selector health: each fetch keeps its page's platform and the fields an article page gave.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

* `fetches.platform`: the page object that read the page (`record.platform`).
* `fetches.fields_given`: for article pages, the record fields the page gave
  (`spiders.health.CHECKED_FIELDS`), as a JSON list; NULL for other fetches
  and for fetches written before this revision.

Frozen like 0001: types are spelled out here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("fetches", sa.Column("platform", sa.String()))
    op.add_column("fetches", sa.Column("fields_given", JSON))


def downgrade() -> None:
    op.drop_column("fetches", "fields_given")
    op.drop_column("fetches", "platform")
