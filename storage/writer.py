"""Write rules: what a batch of fetch results does to the database.

The rules, in short (docs/schema.md has the long form):

* every FetchResult becomes one `fetches` row, whatever happened;
* only a record with status "article" touches article data;
* a value the page does not show never blanks a stored one;
* history is intervals: the same value again only moves `last_seen`, a
  different value closes the old row and opens a new one; nothing is rewritten;
* one batch is one transaction; each item runs in a SAVEPOINT so a bad item
  becomes an error fetch and the rest of the batch still lands;
* a 304 answer (conditional request, page unchanged) is a fetch with outcome
  `not_modified`: nothing is parsed or written but the fetch row, the
  target's schedule and the article's `last_seen`;
* each fetch of a target sets when it is due again (`storage.runs.RefreshPolicy`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from spiders.health import fields_given
from spiders.items import ArticleRecord, FetchResult, Metrics
from storage.db import session_scope
from storage.models import (
    AbstractSection,
    Article,
    Author,
    CrawlRun,
    Fetch,
    MetricObservation,
    Offer,
    RelatedLink,
    Target,
    UTCDateTime,
    utcnow,
)
from storage.runs import (
    DEFAULT_POLICY,
    NOT_MODIFIED,
    SKIP_ERROR,
    SKIPPED,
    RefreshPolicy,
    add_targets,
    classify_target,
    domain_of,
    due_targets,
    finish_run,
    normalize_doi,
    start_run,
)

__all__ = ["WriteStats", "add_targets", "due_targets", "finish_run", "start_run", "write_batch"]

log = logging.getLogger(__name__)

# Scalar bibliographic fields copied from the record as they are.
TEXT_FIELDS = (
    "doi",
    "title",
    "journal",
    "publisher",
    "volume",
    "issue",
    "first_page",
    "last_page",
    "article_type",
    "abstract",
)
METRICS = ("views", "citations", "altmetric", "downloads")
ARTICLE_OUTCOMES = ("new", "changed", "unchanged")
MAX_PRICE = Decimal("10000000000")  # NUMERIC(12,2) holds less than this


@dataclass
class WriteStats:
    articles_new: int = 0
    articles_changed: int = 0
    articles_unchanged: int = 0
    fetches: int = 0
    errors: int = 0  # fetch rows carrying an error (no record, or the write failed)
    # page status; "not_modified" (304), "skipped" (domain backing off), "error": no record
    statuses: Counter[str] = field(default_factory=Counter)

    def count(self, status: str, outcome: str, error: str | None) -> None:
        self.fetches += 1
        self.statuses[status] += 1
        self.errors += error is not None and outcome != SKIPPED
        if outcome in ARTICLE_OUTCOMES:
            setattr(self, f"articles_{outcome}", getattr(self, f"articles_{outcome}") + 1)

    def __add__(self, other: WriteStats) -> WriteStats:
        """Sum of two batches' stats (for a run's total)."""
        return WriteStats(
            self.articles_new + other.articles_new,
            self.articles_changed + other.articles_changed,
            self.articles_unchanged + other.articles_unchanged,
            self.fetches + other.fetches,
            self.errors + other.errors,
            self.statuses + other.statuses,
        )

    @property
    def not_modified(self) -> int:
        return self.statuses[NOT_MODIFIED]

    @property
    def skipped(self) -> int:
        return self.statuses[SKIPPED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles_new": self.articles_new,
            "articles_changed": self.articles_changed,
            "articles_unchanged": self.articles_unchanged,
            "fetches": self.fetches,
            "errors": self.errors,
            "statuses": dict(self.statuses),
        }


def write_batch(
    engine: Engine,
    results: Sequence[FetchResult],
    run_id: int | None = None,
    policy: RefreshPolicy | None = None,
) -> WriteStats:
    """Store a batch of fetch results in one transaction (see the module doc).

    `policy` sets when each fetched target is due again (default: `DEFAULT_POLICY`).
    """
    _VALUES_CACHE.clear()  # per batch: results of one batch share it, nothing outlives the call
    with session_scope(engine, write=True) as session:
        batch = _Batch(
            session,
            run_id,
            _load_targets(session, results),
            _known_runs(session, results, run_id),
            policy or DEFAULT_POLICY,
            {},
        )
        batch.unchanged_pages = _not_modified_articles(session, results, batch.targets)
        for result in results:
            _write_result(batch, result)
        _insert_fetches(session, batch.fetches)
        _touch_articles(session, batch.seen_articles)
    _VALUES_CACHE.clear()
    return batch.stats


@dataclass
class _Batch:
    """What one write_batch call carries from item to item."""

    session: Session
    run_id: int | None
    targets: dict[str, Target]  # preloaded: one query per batch
    known_runs: set[int]
    policy: RefreshPolicy
    # URL answered 304 -> (article id, published) of the article it showed last time
    unchanged_pages: dict[str, tuple[int, date | None]]
    fetches: list[dict[str, Any]] = field(default_factory=list)  # inserted together at the end
    stats: WriteStats = field(default_factory=WriteStats)
    seen_articles: dict[int, datetime] = field(default_factory=dict)  # 304s: article id -> fetched_at


# --- one fetch result ---------------------------------------------------------


def is_not_modified(result: FetchResult) -> bool:
    """A 304 answer to a conditional request: the page is as it was last time."""
    return result.record is None and result.error is None and _int(result.http_status) == 304


def is_skipped(result: FetchResult) -> bool:
    """A request the crawl did not make because its domain was backing off."""
    return result.record is None and bool(result.error) and str(result.error).startswith(SKIP_ERROR)


def _write_result(batch: _Batch, result: FetchResult) -> None:
    rec = result.record
    status = rec.status if rec is not None else "error"  # "error": no page was read
    if is_not_modified(result):
        status = NOT_MODIFIED
    elif is_skipped(result):
        status = SKIPPED
    error = result.error
    article_id: int | None = None
    published: date | None = _published(rec)
    outcome = status
    try:
        now = parse_time(result.fetched_at)
    except (TypeError, ValueError):
        now, outcome = utcnow(), "error"
        error = _join(error, f"unreadable fetched_at {result.fetched_at!r}")
    if rec is not None and outcome == "article":
        try:
            with batch.session.begin_nested():  # SAVEPOINT: a failure undoes this item only
                article_id, outcome = _write_article(batch.session, rec, now)
        except Exception as exc:
            log.warning("write failed for %s: %s", result.url, exc)
            outcome, error = "error", _join(error, f"write failed: {type(exc).__name__}: {exc}")
    elif outcome == NOT_MODIFIED:
        # No parse, no article write: only the fetch, the target and last_seen.
        article_id, published = batch.unchanged_pages.get(str(result.url), (None, None))
        if article_id is not None:
            batch.seen_articles[article_id] = max(now, batch.seen_articles.get(article_id, now))
    rid = batch.run_id if batch.run_id is not None else result.run_id
    run = rid if rid in batch.known_runs else None
    batch.fetches.append(_fetch_row(result, now, run, outcome, article_id, error))
    if outcome != SKIPPED:  # not asked: the target stays due, its domain's backoff decides
        _touch_targets(
            result,
            batch,
            now,
            ok=outcome in ARTICLE_OUTCOMES or outcome == NOT_MODIFIED,
            status="error" if outcome == "error" else status,
            published=published,
            article_id=article_id,
        )
    batch.stats.count(status, outcome, error)


def _published(rec: ArticleRecord | None) -> date | None:
    if rec is None or rec.status != "article" or not rec.published:
        return None
    try:
        return date.fromisoformat(rec.published)
    except ValueError:
        return None


def _not_modified_articles(
    session: Session, results: Iterable[FetchResult], targets: dict[str, Target]
) -> dict[str, tuple[int, date | None]]:
    """For the batch's 304 answers: the article each URL showed when last read.

    From the target rows already loaded (`targets.article_id`); a URL that is
    no watched target is looked up in its fetches.  One query for the dates.
    """
    found: dict[str, int] = {}
    unknown: list[str] = []
    for result in results:
        if not is_not_modified(result):
            continue
        ids = [t.article_id for v in _target_values(result) if (t := targets.get(v)) is not None and t.article_id]
        if ids:
            found[str(result.url)] = ids[0]
        else:
            unknown.append(str(result.url))
    if unknown:
        latest = (
            select(func.max(Fetch.id))
            .where(Fetch.url.in_(unknown), Fetch.article_id.is_not(None))
            .group_by(Fetch.url)
        )
        for url, article_id in session.execute(select(Fetch.url, Fetch.article_id).where(Fetch.id.in_(latest))):
            if article_id is not None:
                found[url] = article_id
    if not found:
        return {}
    published = dict(
        session.execute(select(Article.id, Article.published).where(Article.id.in_(set(found.values())))).all()
    )
    return {url: (aid, published.get(aid)) for url, aid in found.items() if aid in published}


_ARTICLES = cast(Table, Article.__table__)  # Core, not ORM: an executemany with its own WHERE
_LAST_SEEN = bindparam("last_seen", type_=UTCDateTime())
_TOUCH_ARTICLE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article_id"), _ARTICLES.c.last_seen < _LAST_SEEN)
    .values(last_seen=_LAST_SEEN)
)


def _touch_articles(session: Session, seen: dict[int, datetime]) -> None:
    """A 304 confirms the page as last read: its article's `last_seen` moves (one statement)."""
    if seen:
        session.execute(_TOUCH_ARTICLE, [{"article_id": a, "last_seen": t} for a, t in seen.items()])


def parse_time(value: str) -> datetime:
    """ISO 8601 -> aware UTC datetime (naive means UTC)."""
    dt = datetime.fromisoformat(value)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


def _fetch_row(
    result: FetchResult,
    now: datetime,
    run_id: int | None,
    outcome: str,
    article_id: int | None,
    error: str | None,
) -> dict[str, Any]:
    rec = result.record
    return {
        "run_id": run_id,
        "article_id": article_id,
        "url": str(result.url),
        "final_url": _str(result.final_url),
        "target": _str(result.target),
        "http_status": _int(result.http_status),
        "page_status": rec.status if rec is not None else None,
        "outcome": outcome,
        "bytes": _int(result.bytes),
        "elapsed_ms": None if result.elapsed_ms is None else float(result.elapsed_ms),
        "error": error,
        "warnings": [str(w) for w in rec.warnings] if rec is not None else [],
        "etag": _str(result.etag),
        "last_modified": _str(result.last_modified),
        "content_hash": _str(result.content_hash),
        "fetched_at": now,
        "platform": _str(rec.platform) if rec is not None else None,
        "fields_given": _fields_given(rec),
    }


def _fields_given(rec: ArticleRecord | None) -> list[str] | None:
    """What an article page gave (selector health); None for other fetches."""
    if rec is None or rec.status != "article":
        return None
    try:
        return fields_given(rec)
    except Exception as exc:  # noqa: BLE001 - a malformed record must not cost the fetch row
        log.warning("fields of %s unreadable: %s", rec.url, exc)
        return None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None  # a malformed number is not worth losing the fetch row for


def _insert_fetches(session: Session, rows: list[dict[str, Any]]) -> None:
    """One INSERT for the batch; if it fails, row by row so only a bad row degrades."""
    if not rows:
        return
    try:
        with session.begin_nested():
            session.execute(insert(Fetch), rows)
            return
    except Exception as exc:
        log.warning("batch insert of fetches failed (%s); inserting one by one", exc)
    for row in rows:
        try:
            with session.begin_nested():
                session.execute(insert(Fetch), [row])
        except Exception as exc:
            minimal = {k: row[k] for k in ("run_id", "url", "fetched_at")}
            error = _join(row["error"], f"fetch row failed: {type(exc).__name__}: {exc}")
            session.execute(insert(Fetch), [{**minimal, "outcome": "error", "error": error, "warnings": []}])


# --- targets ---------------------------------------------------------------------


def _target_values(result: FetchResult) -> list[str]:
    """Values a target row may have for this result: its target, URLs, the record's DOI.

    Computed once per result and batch (three steps of the write need it).
    """
    raw = [result.target, result.url, result.final_url]
    if result.record is not None:
        raw += [result.record.doi, result.record.url]
    key = tuple(raw)
    cached = _VALUES_CACHE.get(key)
    if cached is None:
        cached = _VALUES_CACHE[key] = list(dict.fromkeys(classify_target(v)[1] for v in raw if v))
    return cached


# Keyed by the raw values, so an entry is right whoever put it there: threads
# writing batches at once only lose cache hits when one of them clears it.
_VALUES_CACHE: dict[tuple[Any, ...], list[str]] = {}


def _load_targets(session: Session, results: Iterable[FetchResult]) -> dict[str, Target]:
    """All targets the batch may touch, in one query."""
    values = {v for r in results for v in _target_values(r)}
    if not values:
        return {}
    return {t.value: t for t in session.scalars(select(Target).where(Target.value.in_(values)))}


def _touch_targets(
    result: FetchResult,
    batch: _Batch,
    now: datetime,
    ok: bool,
    status: str,
    published: date | None,
    article_id: int | None,
) -> None:
    """Success resets the failure count and sets the next refresh by the
    article's age; failure backs off exponentially (see `RefreshPolicy`)."""
    seen: set[int] = set()
    domain = domain_of(result.final_url or result.url) if result.http_status is not None else None
    for value in _target_values(result):
        target = batch.targets.get(value)
        if target is None or target.id in seen:
            continue
        seen.add(target.id)
        target.last_fetched = now
        target.last_status = status
        target.consecutive_failures = 0 if ok else target.consecutive_failures + 1
        if ok:
            target.next_due = now + batch.policy.interval(published, now)
        else:
            target.next_due = now + batch.policy.retry_delay(target.consecutive_failures)
        if domain is not None and target.domain != domain:
            target.domain = domain
        if article_id is not None and target.article_id != article_id:
            target.article_id = article_id
        if ok:  # what is stored is this answer's page: ask for it conditionally next time
            if target.etag != result.etag:
                target.etag = _str(result.etag)
            if target.last_modified != result.last_modified:
                target.last_modified = _str(result.last_modified)


def _known_runs(session: Session, results: Iterable[FetchResult], run_id: int | None) -> set[int]:
    """Run ids that exist: a fetch naming another keeps run_id NULL instead of failing the FK."""
    ids = {run_id} if run_id is not None else {r.run_id for r in results if r.run_id is not None}
    ids.discard(None)
    if not ids:
        return set()
    return set(session.scalars(select(CrawlRun.id).where(CrawlRun.id.in_(ids))))


# --- one article page ----------------------------------------------------------


def _write_article(session: Session, rec: ArticleRecord, now: datetime) -> tuple[int, str]:
    """Merge an article page into the database; returns (article id, outcome)."""
    values = _article_values(rec)  # validates first: a bad record writes nothing
    offers = _dedupe(_parse_offer(o) for o in rec.offers)
    metrics = _metric_values(rec.metrics)
    article = _find_article(session, rec)
    new = article is None
    if article is None:
        article = _new_article(session, rec, values, now)
    # One flush at the end (savepoint release) instead of one per lookup.
    with session.no_autoflush:
        changed = new or _merge_article(article, rec, values)
        changed |= _merge_authors(session, article.id, rec, new)
        changed |= _merge_sections(session, article.id, rec, new)
        changed |= _merge_offers(session, article.id, offers, rec.access, now, new)
        changed |= _merge_metrics(session, article.id, metrics, now, new)
        _merge_related(session, article.id, rec, now, new)
        article.last_seen = max(article.last_seen, now)
        if changed and not new:
            article.last_changed = now
    return article.id, "new" if new else "changed" if changed else "unchanged"


def _article_values(rec: ArticleRecord) -> dict[str, Any]:
    """Bibliographic values the page shows; None = not shown (never stored over a value)."""
    values: dict[str, Any] = {name: getattr(rec, name) or None for name in TEXT_FIELDS}
    values["published"] = _date(rec.published) if rec.published else None
    values["access"] = rec.access if rec.access in ("open", "paywalled") else None  # "unknown" = not shown
    values["issns"] = list(rec.issns) or None
    values["keywords"] = list(rec.keywords) or None
    return values


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"published {value!r} is not a date: {exc}") from None


def _find_article(session: Session, rec: ArticleRecord) -> Article | None:
    """By DOI key first; else a row with this URL (a DOI-less row adopts the DOI)."""
    doi_key = rec.doi.lower() if rec.doi else None
    keys = [k for k in (doi_key, rec.url) if k]
    rows = session.scalars(select(Article).where(or_(Article.key.in_(keys), Article.url == rec.url))).all()
    if doi_key:
        exact = [a for a in rows if a.key == doi_key]
        # A row keyed by URL (no DOI yet) is the same article seen before its DOI.
        return exact[0] if exact else next((a for a in rows if a.doi is None), None)
    by_key = [a for a in rows if a.key == rec.url]
    return by_key[0] if by_key else (rows[0] if len(rows) == 1 else None)


def _new_article(session: Session, rec: ArticleRecord, values: dict[str, Any], now: datetime) -> Article:
    shown = {k: v for k, v in values.items() if v is not None}
    article = Article(
        key=rec.doi.lower() if rec.doi else rec.url,
        url=rec.url,
        platform=rec.platform,
        **{"issns": [], "keywords": [], "access": "unknown", **shown},
        first_seen=now,
        last_seen=now,
        last_changed=now,
    )
    session.add(article)
    session.flush()  # its id is needed for the child rows
    return article


def _merge_article(article: Article, rec: ArticleRecord, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if value is None or getattr(article, name) == value:
            continue
        if name == "doi" and article.doi and article.doi.lower() == value.lower():
            continue  # same DOI, other spelling: identity is case-insensitive
        setattr(article, name, value)
        changed = True
    if article.doi and article.key != article.doi.lower():
        article.key = article.doi.lower()  # first DOI seen for a URL-keyed row
    # Where the article lives and who parsed it are not bibliographic changes.
    if article.url != rec.url:
        article.url = rec.url
    if article.platform != rec.platform:
        article.platform = rec.platform
    return changed


def _replace_children(
    session: Session,
    model: Any,
    article_id: int,
    cols: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    new: bool,
) -> bool:
    """Replace an ordered child list when the page shows a different, non-empty one."""
    if not rows:
        return False  # not shown: keep what is stored
    if not new:
        stored = session.execute(
            select(*(getattr(model, c) for c in cols))
            .where(model.article_id == article_id)
            .order_by(model.position)
        ).all()
        if [tuple(r) for r in stored] == rows:
            return False
        session.execute(delete(model).where(model.article_id == article_id))
    session.execute(
        insert(model),
        [
            {"article_id": article_id, "position": i, **dict(zip(cols, r, strict=True))}
            for i, r in enumerate(rows, 1)
        ],
    )
    return True


def _merge_authors(session: Session, article_id: int, rec: ArticleRecord, new: bool) -> bool:
    cols = ("name", "given", "family", "orcid", "affiliations")
    rows = [(a.name, a.given, a.family, a.orcid, list(a.affiliations)) for a in rec.authors]
    return _replace_children(session, Author, article_id, cols, rows, new)


def _merge_sections(session: Session, article_id: int, rec: ArticleRecord, new: bool) -> bool:
    rows = [(s.heading, s.text) for s in rec.abstract_sections]
    return _replace_children(session, AbstractSection, article_id, ("heading", "text"), rows, new)


# --- offers ----------------------------------------------------------------------


@dataclass(frozen=True)
class _OfferIn:
    """A validated offer from the record; `key` is how it finds its stored row."""

    label: str
    kind: str
    price: Decimal | None
    price_text: str | None
    currency: str | None
    period: str | None
    details: tuple[str, ...]
    tax_note: str | None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.label, self.kind, self.currency)

    def same_as(self, row: Offer) -> bool:
        stored = Decimal(row.price_text) if row.price_text is not None else row.price
        return (
            _offer_key(row) == self.key
            and stored == self.price
            and row.period == self.period
            and tuple(row.details or ()) == self.details
            and row.tax_note == self.tax_note
        )

    def row(self, article_id: int, now: datetime) -> Offer:
        return Offer(
            article_id=article_id,
            label=self.label,
            kind=self.kind,
            price=None if self.price is None else self.price.quantize(Decimal("0.01")),
            price_text=self.price_text,
            currency=self.currency,
            period=self.period,
            details=list(self.details),
            tax_note=self.tax_note,
            first_seen=now,
            last_seen=now,
        )


def _offer_key(row: Offer) -> tuple[str, str, str | None]:
    return (row.label, row.kind, row.currency)


def _parse_offer(offer: Any) -> _OfferIn:
    price: Decimal | None = None
    if offer.price is not None:
        try:
            price = Decimal(str(offer.price).strip())
        except InvalidOperation:
            raise ValueError(f"offer {offer.label!r}: price {offer.price!r} is not a decimal") from None
        if not price.is_finite() or abs(price) >= MAX_PRICE:
            raise ValueError(f"offer {offer.label!r}: price {offer.price!r} out of range")
    return _OfferIn(
        label=offer.label,
        kind=offer.kind,
        price=price,
        price_text=None if offer.price is None else str(offer.price).strip(),
        currency=offer.currency.upper() if offer.currency else None,
        period=offer.period,
        details=tuple(offer.details or ()),
        tax_note=offer.tax_note,
    )


def _dedupe(offers: Iterable[_OfferIn]) -> list[_OfferIn]:
    """A page listing the very same offer twice still has one offer."""
    return list(dict.fromkeys(offers))


def _merge_offers(
    session: Session, article_id: int, offers: list[_OfferIn], access: str, now: datetime, new: bool
) -> bool:
    """Diff shown offers against the open ones; returns whether any opened or closed.

    A page showing no offers and not saying "open access" is taken as a
    layout glitch, not as the offers being withdrawn: current ones stay open
    (their `last_seen` does not move).
    """
    if not offers and access != "open":
        return False
    current: list[Offer] = (
        []
        if new
        else list(
            session.scalars(
                select(Offer)
                .where(Offer.article_id == article_id, Offer.closed_at.is_(None))
                .order_by(Offer.id)
            )
        )
    )
    unseen: list[_OfferIn] = []
    for offer in offers:  # pass 1: unchanged offers only move last_seen
        row = next((r for r in current if offer.same_as(r)), None)
        if row is None:
            unseen.append(offer)
        else:
            row.last_seen = max(row.last_seen, now)
            current.remove(row)
    for offer in unseen:  # pass 2: a changed offer closes its predecessor
        row = next((r for r in current if _offer_key(r) == offer.key), None)
        if row is not None:
            row.closed_at = now
            current.remove(row)
        session.add(offer.row(article_id, now))
    for row in current:  # no longer shown on a page that shows offers (or says open)
        row.closed_at = now
    return bool(unseen or current)


# --- metrics ---------------------------------------------------------------------


def _metric_values(metrics: Metrics) -> dict[str, int | None]:
    return {name: None if getattr(metrics, name) is None else int(getattr(metrics, name)) for name in METRICS}


def _merge_metrics(
    session: Session, article_id: int, shown: dict[str, int | None], now: datetime, new: bool
) -> bool:
    """New row when a shown value differs; a value not shown carries the previous one."""
    if all(v is None for v in shown.values()):
        return False  # nothing shown: nothing observed
    latest = None
    if not new:
        latest = session.scalars(
            select(MetricObservation)
            .where(MetricObservation.article_id == article_id)
            .order_by(MetricObservation.first_seen.desc(), MetricObservation.id.desc())
            .limit(1)
        ).first()
    values = dict(shown)
    if latest is not None:
        values = {k: v if v is not None else getattr(latest, k) for k, v in shown.items()}
        if all(getattr(latest, k) == v for k, v in values.items()):
            latest.last_seen = max(latest.last_seen, now)
            return False
    session.add(MetricObservation(article_id=article_id, **values, first_seen=now, last_seen=now))
    return True


# --- related lists ---------------------------------------------------------------


def _link_key(doi: str | None, url: str | None, title: str) -> str:
    """A link's identity within its list: its target, whatever rank it has."""
    return (normalize_doi(doi) or doi or "").lower() or url or f"title:{title}"


def _merge_related(session: Session, article_id: int, rec: ArticleRecord, now: datetime, new: bool) -> None:
    """Upsert shown links by (list, target); close links gone from a shown list.

    A pending list (left to a script) is unknown, not empty: its stored links
    are never closed.  A list absent from the page is left alone too, unless
    `related_counts` says it has 0 entries.
    """
    pending = set(rec.related_pending)
    shown: dict[str, dict[str, Any]] = {}
    for link in rec.related:
        shown.setdefault(link.list, {}).setdefault(_link_key(link.doi, link.url, link.title), link)
    emptied = {
        name for name, n in rec.related_counts.items() if n == 0 and name not in shown and name not in pending
    }
    lists = set(shown) | emptied
    if not lists:
        return
    current: list[RelatedLink] = (
        []
        if new
        else list(
            session.scalars(
                select(RelatedLink).where(
                    RelatedLink.article_id == article_id,
                    RelatedLink.closed_at.is_(None),
                    RelatedLink.list.in_(lists),
                )
            )
        )
    )
    stored = {(r.list, _link_key(r.doi, r.url, r.title)): r for r in current}
    for name, links in shown.items():
        for key, link in links.items():
            row = stored.pop((name, key), None)
            if row is None:
                session.add(_link_row(article_id, link, now))
            else:
                _refresh_link(row, link, now)
    for (name, _), row in stored.items():
        if name not in pending:
            row.closed_at = now


def _link_row(article_id: int, link: Any, now: datetime) -> RelatedLink:
    return RelatedLink(
        article_id=article_id,
        list=link.list,
        rank=link.rank,
        title=link.title,
        url=link.url,
        doi=normalize_doi(link.doi) or (link.doi.lower() if link.doi else None),
        first_seen=now,
        last_seen=now,
    )


def _refresh_link(row: RelatedLink, link: Any, now: datetime) -> None:
    """Same target seen again: latest rank/title/url, interval extended."""
    row.last_seen = max(row.last_seen, now)
    for name in ("rank", "title", "url"):
        value = getattr(link, name)
        if value is not None and getattr(row, name) != value:
            setattr(row, name, value)
