"""The database schema (SQLAlchemy 2 typed models).

History lives in *observed intervals*: a row says "this value was on the page
from `first_seen` to `last_seen`".  Re-seeing the same value only moves
`last_seen`; a different value closes the row (`closed_at`) and opens a new
one.  Rows are never rewritten, so "when did this price change" is a query.

The migration in `storage/migrations/versions/` is the source of truth for
the DDL; `tests/storage/test_migrations.py` checks these models match it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# JSONB on PostgreSQL (indexable, compact), plain JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")

# Exact decimal; 2 places fit the currencies pages show.  The string as shown
# is kept beside it (`Offer.price_text`) for currencies with other precision.
PRICE = Numeric(12, 2)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps in UTC: timestamptz on PostgreSQL, naive-UTC text on SQLite.

    Always hands back aware UTC datetimes so both backends compare alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite stores text: drop the offset so every row sorts lexically.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Deterministic constraint names: migrations can refer to them on both backends.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _article_fk() -> Mapped[int]:
    # Children go with their article (DB-side cascade; the ORM need not load them).
    return mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), nullable=False)


class Article(Base):
    """One row per article: the latest known bibliographic values."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identity: lower-cased DOI when known, else the canonical URL.  A DOI-less
    # row is re-keyed to its DOI when a later page shows one.
    key: Mapped[str] = mapped_column(String, unique=True)
    doi: Mapped[str | None] = mapped_column(String)  # as published
    url: Mapped[str] = mapped_column(String, index=True)  # latest canonical URL
    platform: Mapped[str] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(Text)
    journal: Mapped[str | None] = mapped_column(String, index=True)
    publisher: Mapped[str | None] = mapped_column(String)
    issns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    volume: Mapped[str | None] = mapped_column(String)  # strings: "9-11", "e1001"
    issue: Mapped[str | None] = mapped_column(String)
    first_page: Mapped[str | None] = mapped_column(String)
    last_page: Mapped[str | None] = mapped_column(String)
    published: Mapped[date | None] = mapped_column(Date, index=True)
    article_type: Mapped[str | None] = mapped_column(String)
    abstract: Mapped[str | None] = mapped_column(Text)
    access: Mapped[str] = mapped_column(String, default="unknown")  # open|paywalled|unknown
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # Moves only when a bibliographic value, an offer or a metric changed.
    last_changed: Mapped[datetime] = mapped_column(UTCDateTime)

    # Read-side conveniences; the writer manages child rows explicitly.
    authors: Mapped[list[Author]] = relationship(viewonly=True, order_by="Author.position")
    abstract_sections: Mapped[list[AbstractSection]] = relationship(
        viewonly=True, order_by="AbstractSection.position"
    )
    offers: Mapped[list[Offer]] = relationship(viewonly=True, order_by=lambda: [Offer.first_seen, Offer.id])


class Author(Base):
    """Authors in page order; replaced as a whole when the page shows a different list."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = _article_fk()
    position: Mapped[int] = mapped_column(Integer)  # 1-based page order
    name: Mapped[str] = mapped_column(String)
    given: Mapped[str | None] = mapped_column(String)
    family: Mapped[str | None] = mapped_column(String)
    orcid: Mapped[str | None] = mapped_column(String, index=True)
    affiliations: Mapped[list[str]] = mapped_column(JSONType, default=list)


class AbstractSection(Base):
    __tablename__ = "abstract_sections"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = _article_fk()
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str | None] = mapped_column(String)  # None: a one-part abstract
    text: Mapped[str] = mapped_column(Text)


class Offer(Base):
    """A purchase offer as observed over an interval; `closed_at` is None while current."""

    __tablename__ = "offers"
    __table_args__ = (
        Index(None, "article_id", "closed_at"),  # current offers of an article
        Index(None, "article_id", "label", "currency", "first_seen"),  # price_changes
        Index(None, "kind", "currency", "price"),  # "costs more than USD 50"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = _article_fk()
    label: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)  # article|issue|tokens|subscription|other
    price: Mapped[Decimal | None] = mapped_column(PRICE)
    price_text: Mapped[str | None] = mapped_column(String)  # exactly as the record had it
    currency: Mapped[str | None] = mapped_column(String(3))
    period: Mapped[str | None] = mapped_column(String)  # ISO 8601 duration
    details: Mapped[list[str]] = mapped_column(JSONType, default=list)
    tax_note: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MetricObservation(Base):
    """A metrics snapshot; a new row only when some value changed."""

    __tablename__ = "metric_observations"
    __table_args__ = (Index(None, "article_id", "first_seen"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = _article_fk()
    # A value the page stopped showing is carried from the previous row, so
    # each row is a full snapshot and a series never drops to null.
    views: Mapped[int | None] = mapped_column(BigInteger)
    citations: Mapped[int | None] = mapped_column(BigInteger)
    altmetric: Mapped[int | None] = mapped_column(BigInteger)
    downloads: Mapped[int | None] = mapped_column(BigInteger)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)


class RelatedLink(Base):
    """A link in one of the article's related lists, as observed over an interval.

    Identity within a list is the target (DOI, else URL, else title), so a link
    moving from rank 3 to 2 stays one row whose `rank` is its latest position.
    `doi` is lower-cased: join `articles.key` to reach the target article.
    """

    __tablename__ = "related_links"
    __table_args__ = (Index(None, "article_id", "list", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = _article_fk()
    list: Mapped[str] = mapped_column(String)  # people_also_read|recommended|cited_by|similar
    rank: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String)
    doi: Mapped[str | None] = mapped_column(String, index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "cli", "demo", "schedule:NAME", ...; indexed since 0002 (a schedule's runs)
    trigger: Mapped[str] = mapped_column(String, index=True)
    description: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_changed: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    challenges: Mapped[int] = mapped_column(Integer, default=0)
    not_found: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    status_counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # Added by 0002 (scheduler).  304 answers: the page was not read, nothing written.
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    # Requests not made because their domain was backing off.
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # Fetches that went wrong, by kind: {"timeout": 2, "challenge": 1, "robots": 3, ...}.
    error_kinds: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # How the run ended: ok|timeout|crashed|interrupted|abandoned|failed; None while running.
    outcome: Mapped[str | None] = mapped_column(String)
    # What the run wants a human to know: domains that started backing off,
    # targets skipped, why a crawl process died (with the tail of its log).
    notes: Mapped[str | None] = mapped_column(Text)
    # "host:pid" of the process that runs it: a run left unfinished by a dead
    # process is closed as "abandoned" by the next scheduler.
    owner: Mapped[str | None] = mapped_column(String)


class Fetch(Base):
    """Every request's outcome, whatever happened: the crawl's audit log."""

    __tablename__ = "fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(String, index=True)  # as requested
    final_url: Mapped[str | None] = mapped_column(String)
    target: Mapped[str | None] = mapped_column(String)
    http_status: Mapped[int | None] = mapped_column(Integer)
    page_status: Mapped[str | None] = mapped_column(String)  # record.status; None: no record
    # What the write did: new|changed|unchanged (article pages), the page
    # status for other pages, "error" when there was no record or it failed.
    outcome: Mapped[str] = mapped_column(String)
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    elapsed_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)  # record.warnings
    etag: Mapped[str | None] = mapped_column(String)
    last_modified: Mapped[str | None] = mapped_column(String)
    content_hash: Mapped[str | None] = mapped_column(String)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Added by 0003.  The page object that read the page (record.platform),
    # and for an article page the fields it gave (spiders.health): a field
    # that stops coming shows in `paperwall health`, while the stored value,
    # which a page showing nothing never blanks, would hide it.
    platform: Mapped[str | None] = mapped_column(String)
    fields_given: Mapped[list[str] | None] = mapped_column(JSONType)


class Target(Base):
    """A DOI or URL the service watches, with its scheduling state."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # doi|url
    value: Mapped[str] = mapped_column(String, unique=True)  # DOI bare and lower-cased
    source: Mapped[str | None] = mapped_column(String)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # None: now
    last_fetched: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[str | None] = mapped_column(String)
    # Added by 0002.  The host the target was last fetched from (a DOI's is
    # its publisher's after the first fetch): due targets of a domain that is
    # backing off are skipped.
    domain: Mapped[str | None] = mapped_column(String, index=True)
    # The article the target led to (its published date sets the refresh interval).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    # Validators of the last good fetch (page stored, or confirmed by a 304):
    # the next request for the target is conditional on them.
    etag: Mapped[str | None] = mapped_column(String)
    last_modified: Mapped[str | None] = mapped_column(String)


class DomainBackoff(Base):
    """A site that answered with bot challenges or 429s: left alone until `until`.

    `strikes` counts consecutive challenge/429 answers (any good answer resets
    it); at `storage.runs.DOMAIN_STRIKES` the domain backs off for 1 h, then
    2 h, 4 h, ... (`trips` in a row), capped at a week.  The last error seen
    from the domain is kept for `paperwall status`.
    """

    __tablename__ = "domain_backoff"

    domain: Mapped[str] = mapped_column(String, primary_key=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    trips: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerLock(Base):
    """The one scheduler allowed to run against this database (see scheduler/lock.py)."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    owner: Mapped[str] = mapped_column(String)  # host:pid:token
    host: Mapped[str] = mapped_column(String)
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


# APScheduler's SQLAlchemyJobStore table, exactly as APScheduler 3.11 defines
# it.  Created by migration 0002 so the schema stays Alembic's; the job store
# finds it there (its own CREATE is "if not exists").  Declared here only so
# model/migration comparisons know it; paperwall never reads it directly.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_dict(row: Any, *names: str) -> dict[str, Any]:
    """The named attributes of an ORM row (all columns when none named)."""
    cols = names or tuple(c.key for c in row.__table__.columns)
    return {n: getattr(row, n) for n in cols}
