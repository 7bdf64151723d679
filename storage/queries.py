"""Read side: the questions librarians ask, as functions returning plain dicts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, bindparam, distinct, exists, func, select, text
from sqlalchemy.orm import Session, selectinload

from spiders.health import CHECKED_FIELDS
from storage.db import session_scope
from storage.models import Article, Fetch, MetricObservation, Offer, RelatedLink, Target, UTCDateTime, as_dict
from storage.runs import strip_doi

METRICS = ("views", "citations", "altmetric", "downloads")
ARTICLE_COLUMNS = (
    "id",
    "doi",
    "url",
    "platform",
    "title",
    "journal",
    "publisher",
    "issns",
    "volume",
    "issue",
    "first_page",
    "last_page",
    "published",
    "article_type",
    "abstract",
    "access",
    "keywords",
    "first_seen",
    "last_seen",
    "last_changed",
)
OFFER_COLUMNS = (
    "label",
    "kind",
    "price",
    "currency",
    "period",
    "details",
    "tax_note",
    "first_seen",
    "last_seen",
    "closed_at",
)


def find_articles(
    engine: Engine,
    journal: str | None = None,
    publisher: str | None = None,
    access: str | None = None,
    price_min: Decimal | float | str | None = None,
    price_max: Decimal | float | str | None = None,
    currency: str | None = None,
    published_from: date | str | None = None,
    published_to: date | str | None = None,
    title_contains: str | None = None,
    limit: int | None = None,
    offer_kind: str = "article",
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Articles matching every given filter, oldest-stored first.

    Journal and publisher match case-insensitively and exactly; the title
    filter is a case-insensitive substring.  Price and currency filters look
    at *current* offers of `offer_kind`: an article matches when one such
    offer satisfies them all (give `currency` with a price: prices in
    different currencies do not compare).  Each dict carries the article's
    fields, `authors`, current `offers` and latest `metrics`.  `after_id`
    skips articles up to that id (keyset paging, see `iter_articles`).
    """
    query = select(Article).order_by(Article.id).limit(limit)
    if after_id is not None:
        query = query.where(Article.id > after_id)
    if journal is not None:
        query = query.where(func.lower(Article.journal) == journal.lower())
    if publisher is not None:
        query = query.where(func.lower(Article.publisher) == publisher.lower())
    if access is not None:
        query = query.where(Article.access == access)
    if title_contains:
        query = query.where(Article.title.ilike(f"%{_escape_like(title_contains)}%", escape="\\"))
    if published_from is not None:
        query = query.where(Article.published >= _date(published_from))
    if published_to is not None:
        query = query.where(Article.published <= _date(published_to))
    if price_min is not None or price_max is not None or currency is not None:
        query = query.where(_offer_filter(offer_kind, price_min, price_max, currency))
    with session_scope(engine) as session:
        articles = session.scalars(
            query.options(selectinload(Article.authors), selectinload(Article.offers))
        ).all()
        metrics = _latest_metrics(session, [a.id for a in articles])
        return [_article_dict(a, metrics.get(a.id), current_only=True) for a in articles]


def iter_articles(
    engine: Engine, limit: int | None = None, page_size: int = 500, **filters: Any
) -> Iterator[dict[str, Any]]:
    """`find_articles`, a page at a time: constant memory for exports of any size.

    Each page is its own short read transaction (keyset on the article id), so
    a crawl writing meanwhile is never blocked; an article stored during the
    export may or may not be included.
    """
    after: int | None = None
    left = limit
    while left is None or left > 0:
        size = page_size if left is None else min(page_size, left)
        page = find_articles(engine, limit=size, after_id=after, **filters)
        yield from page
        if len(page) < size:
            return
        after = page[-1]["id"]
        if left is not None:
            left -= len(page)


def cheapest_offer(
    article: dict[str, Any],
    offer_kind: str = "article",
    currency: str | None = None,
    price_min: Decimal | float | str | None = None,
    price_max: Decimal | float | str | None = None,
) -> dict[str, Any] | None:
    """The cheapest current priced offer of an article dict that meets the price filters.

    The same conditions as `find_articles`' price filter, so the price shown
    for a match is one that made it match.
    """
    low = None if price_min is None else Decimal(str(price_min))
    high = None if price_max is None else Decimal(str(price_max))
    cur = currency.upper() if currency else None
    priced = [
        o
        for o in article["offers"]
        if o["kind"] == offer_kind
        and o["price"] is not None
        and o.get("closed_at") is None
        and (cur is None or o["currency"] == cur)
        and (low is None or o["price"] >= low)
        and (high is None or o["price"] <= high)
    ]
    return min(priced, key=lambda o: (o["price"], o["currency"] or "", o["label"]), default=None)


def distinct_values(engine: Engine, column: str) -> list[str]:
    """Sorted distinct non-null values of `journal`, `publisher` (articles) or
    `currency` (current offers): for hints when a filter matches nothing."""
    col = {
        "journal": Article.journal,
        "publisher": Article.publisher,
        "currency": Offer.currency,
    }[column]
    query = select(col).distinct().where(col.is_not(None))
    if column == "currency":
        query = query.where(Offer.closed_at.is_(None))
    with session_scope(engine) as session:
        return sorted(session.scalars(query))


def _offer_filter(kind: str, low: Any, high: Any, currency: str | None) -> Any:
    cond = exists().where(Offer.article_id == Article.id, Offer.closed_at.is_(None), Offer.kind == kind)
    if currency is not None:
        cond = cond.where(Offer.currency == currency.upper())
    if low is not None:
        cond = cond.where(Offer.price >= Decimal(str(low)))
    if high is not None:
        cond = cond.where(Offer.price <= Decimal(str(high)))
    return cond


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _latest_metrics(session: Session, article_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Latest observation per article, from the `latest_metrics` view (one definition of latest)."""
    if not article_ids:
        return {}
    stmt = (
        text(
            "SELECT article_id, views, citations, altmetric, downloads, first_seen, last_seen "
            "FROM latest_metrics WHERE article_id IN :ids"
        )
        .bindparams(bindparam("ids", expanding=True))
        # Typed columns: SQLite hands view timestamps back as text otherwise.
        .columns(first_seen=UTCDateTime(), last_seen=UTCDateTime())
    )
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(article_ids), 500):
        for row in session.execute(stmt, {"ids": list(article_ids[i : i + 500])}).mappings():
            out[row["article_id"]] = {k: row[k] for k in (*METRICS, "first_seen", "last_seen")}
    return out


def _article_dict(article: Article, metrics: dict[str, Any] | None, current_only: bool) -> dict[str, Any]:
    d = as_dict(article, *ARTICLE_COLUMNS)
    d["authors"] = [as_dict(a, "name", "given", "family", "orcid", "affiliations") for a in article.authors]
    offers = [o for o in article.offers if o.closed_at is None or not current_only]
    d["offers"] = [as_dict(o, *OFFER_COLUMNS) for o in offers]
    d["metrics"] = metrics or dict.fromkeys(METRICS)
    return d


def article_history(engine: Engine, doi: str) -> dict[str, Any]:
    """Everything known about one article: fields, every offer interval, the metrics series.

    Raises LookupError for a DOI that is not in the database.
    """
    key = strip_doi(doi)
    with session_scope(engine) as session:
        article = session.scalars(
            select(Article)
            .where(Article.key == key)
            .options(
                selectinload(Article.authors),
                selectinload(Article.abstract_sections),
                selectinload(Article.offers),
            )
        ).first()
        if article is None:
            raise LookupError(f"no article with DOI {doi!r} in the database")
        d = _article_dict(article, None, current_only=False)
        d["abstract_sections"] = [as_dict(s, "heading", "text") for s in article.abstract_sections]
        d["metrics"] = _rows(
            session, _series(MetricObservation, article.id), (*METRICS, "first_seen", "last_seen")
        )
        d["related"] = _rows(
            session,
            _series(RelatedLink, article.id).order_by(RelatedLink.list, RelatedLink.rank),
            ("list", "rank", "title", "url", "doi", "first_seen", "last_seen", "closed_at"),
        )
        d["fetches"] = session.scalar(select(func.count()).where(Fetch.article_id == article.id))
        return d


def _series(model: Any, article_id: int) -> Select[Any]:
    return select(model).where(model.article_id == article_id).order_by(model.first_seen, model.id)


def _rows(session: Session, query: Select[Any], cols: Sequence[str]) -> list[dict[str, Any]]:
    return [as_dict(r, *cols) for r in session.scalars(query)]


# --- export ---------------------------------------------------------------------

EXPORT_COLUMNS = (
    "doi",
    "url",
    "title",
    "authors",
    "journal",
    "publisher",
    "issns",
    "volume",
    "issue",
    "first_page",
    "last_page",
    "published",
    "article_type",
    "access",
    "keywords",
    "price",
    "currency",
    "offer_label",
    "offers",
    *METRICS,
    "first_seen",
    "last_seen",
    "last_changed",
)


def export_rows(engine: Engine, offer_kind: str = "article", **filters: Any) -> list[dict[str, Any]]:
    """Flat rows (str/int/None only, keys = EXPORT_COLUMNS) for CSV or JSONL.

    Takes `find_articles`' filters.  `price`/`currency`/`offer_label` are the
    cheapest current offer of `offer_kind` (within the currency and price
    filters when given, see `cheapest_offer`); `offers` is every current
    offer as a JSON string.
    """
    return [
        flat_row(a, offer_kind, **_price_filters(filters))
        for a in find_articles(engine, offer_kind=offer_kind, **filters)
    ]


def _price_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: filters.get(k) for k in ("currency", "price_min", "price_max")}


def flat_row(
    article: dict[str, Any],
    offer_kind: str = "article",
    currency: str | None = None,
    price_min: Decimal | float | str | None = None,
    price_max: Decimal | float | str | None = None,
) -> dict[str, Any]:
    """One article dict as a flat export row (keys = EXPORT_COLUMNS)."""
    return _flat(article, cheapest_offer(article, offer_kind, currency, price_min, price_max))


def _flat(article: dict[str, Any], cheapest: dict[str, Any] | None) -> dict[str, Any]:
    row = {
        k: _plain(article.get(k)) for k in EXPORT_COLUMNS if k in article and k not in ("authors", "offers")
    }
    row.update(
        authors="; ".join(_author_name(a) for a in article["authors"]),
        issns="; ".join(article["issns"] or []),
        keywords="; ".join(article["keywords"] or []),
        price=None if cheapest is None else str(cheapest["price"]),
        currency=None if cheapest is None else cheapest["currency"],
        offer_label=None if cheapest is None else cheapest["label"],
        offers=json.dumps(
            [{k: _plain(v) for k, v in o.items()} for o in article["offers"]], ensure_ascii=False
        ),
        **{m: article["metrics"].get(m) for m in METRICS},
    )
    return {k: row.get(k) for k in EXPORT_COLUMNS}


def _plain(value: Any) -> Any:
    """JSON/CSV-safe scalar: dates as ISO text, decimals as exact strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _author_name(author: dict[str, Any]) -> str:
    if author.get("family"):
        return f"{author['family']}, {author['given']}" if author.get("given") else author["family"]
    return author["name"]


# --- reference managers ---------------------------------------------------------


def _published(article: dict[str, Any]) -> date | None:
    value = article.get("published")
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def to_ris(article: dict[str, Any]) -> str:
    """One RIS record (EndNote, Zotero, Mendeley) for an article dict from this module."""
    lines = [("TY", "JOUR")]
    lines += [("AU", _author_name(a)) for a in article.get("authors") or []]
    published = _published(article)
    for tag, value in (
        ("TI", article.get("title")),
        ("JO", article.get("journal")),
        ("PB", article.get("publisher")),
        ("VL", article.get("volume")),
        ("IS", article.get("issue")),
        ("SP", article.get("first_page")),
        ("EP", article.get("last_page")),
        ("PY", published and str(published.year)),
        ("DA", published and published.strftime("%Y/%m/%d")),
        ("DO", article.get("doi")),
        ("UR", article.get("url")),
        ("AB", article.get("abstract")),
    ):
        if value:
            lines.append((tag, str(value)))
    lines += [("SN", s) for s in article.get("issns") or []]
    lines += [("KW", k) for k in article.get("keywords") or []]
    lines.append(("ER", ""))
    # RIS is line based: a value may not span lines.
    return "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines)


def to_csl_json(article: dict[str, Any]) -> dict[str, Any]:
    """A CSL-JSON item (Zotero, pandoc, citeproc) for an article dict from this module."""
    item: dict[str, Any] = {
        "id": article.get("doi") or article.get("url"),
        "type": "article-journal",
        "title": article.get("title"),
        "container-title": article.get("journal"),
        "publisher": article.get("publisher"),
        "volume": article.get("volume"),
        "issue": article.get("issue"),
        "DOI": article.get("doi"),
        "URL": article.get("url"),
        "abstract": article.get("abstract"),
        "ISSN": (article.get("issns") or [None])[0],
        "keyword": ", ".join(article.get("keywords") or []) or None,
    }
    first, last = article.get("first_page"), article.get("last_page")
    item["page"] = f"{first}-{last}" if first and last else first
    item["author"] = [
        {"family": a["family"], **({"given": a["given"]} if a.get("given") else {})}
        if a.get("family")
        else {"literal": a["name"]}
        for a in article.get("authors") or []
    ]
    published = _published(article)
    if published:
        item["issued"] = {"date-parts": [[published.year, published.month, published.day]]}
    return {k: v for k, v in item.items() if v not in (None, [], "")}


# --- summary ---------------------------------------------------------------------


def summary(engine: Engine) -> dict[str, Any]:
    """Counts for a demo table: articles, current offers and prices, metrics, fetch outcomes."""
    with session_scope(engine) as session:
        scalar = session.scalar
        current = Offer.closed_at.is_(None)
        prices = session.execute(
            select(Offer.kind, Offer.currency, func.count(), func.min(Offer.price), func.max(Offer.price))
            .where(current, Offer.price.is_not(None))
            .group_by(Offer.kind, Offer.currency)
            .order_by(Offer.kind, Offer.currency)
        ).all()
        metric_cols = ", ".join(f"COUNT({m}), SUM({m})" for m in METRICS)
        metric_row = session.execute(text(f"SELECT COUNT(*), {metric_cols} FROM latest_metrics")).one()
        outcomes = session.execute(select(Fetch.outcome, func.count()).group_by(Fetch.outcome)).all()
        return {
            "articles": scalar(select(func.count()).select_from(Article)),
            "articles_with_doi": scalar(select(func.count()).where(Article.doi.is_not(None))),
            "journals": scalar(select(func.count(distinct(Article.journal)))),
            "offers_current": scalar(select(func.count()).where(current)),
            "offers_with_price": scalar(select(func.count()).where(current, Offer.price.is_not(None))),
            "offer_intervals": scalar(select(func.count()).select_from(Offer)),
            "prices": [
                {"kind": k, "currency": c, "offers": n, "min": lo, "max": hi} for k, c, n, lo, hi in prices
            ],
            "metrics": {
                "articles": metric_row[0],
                **{m: _metric_summary(metric_row, i) for i, m in enumerate(METRICS)},
            },
            "fetches": scalar(select(func.count()).select_from(Fetch)),
            "fetch_outcomes": dict(sorted(outcomes)),
            "targets": scalar(select(func.count()).select_from(Target)),
        }


def _metric_summary(row: Any, i: int) -> dict[str, int | None]:
    """(articles showing metric i, their total); SUM is NUMERIC on PostgreSQL: back to int."""
    total = row[2 + 2 * i]
    return {"articles": row[1 + 2 * i], "total": None if total is None else int(total)}


# --- selector health over recent crawls -----------------------------------------------


def field_health(
    engine: Engine,
    days: int = 7,
    now: datetime | None = None,
    platform: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Per platform, how many article fetches of the last `days` days and of
    the `days` before gave each field (`fetches.fields_given`):
    {platform: {"fetches": [recent, before], "warnings": [recent, before],
    "fields": {field: [recent, before]}}}.  Fetches written before the
    fields were recorded (schema 0003) are not counted."""
    now = now or datetime.now(UTC)
    split, start = now - timedelta(days=days), now - timedelta(days=2 * days)
    query = (
        select(Fetch.platform, Fetch.fields_given, Fetch.warnings, Fetch.fetched_at)
        .where(Fetch.page_status == "article", Fetch.fetched_at > start, Fetch.fetched_at <= now)
        .execution_options(yield_per=2000)
    )
    if platform:
        query = query.where(Fetch.platform == platform)
    health: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as session:
        for name, fields, warnings, fetched_at in session.execute(query):
            if not name or not isinstance(fields, list):
                continue  # JSON null: no fields recorded for this fetch
            window = 0 if fetched_at > split else 1
            entry = health.setdefault(name, {"fetches": [0, 0], "warnings": [0, 0], "fields": {}})
            entry["fetches"][window] += 1
            entry["warnings"][window] += bool(warnings)
            for field_name in fields:
                entry["fields"].setdefault(str(field_name), [0, 0])[window] += 1
    order = {name: i for i, name in enumerate(CHECKED_FIELDS)}
    for entry in health.values():  # the record's order, names it does not know last
        entry["fields"] = dict(sorted(entry["fields"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return dict(sorted(health.items()))


def field_drops(
    health: dict[str, dict[str, Any]], min_fetches: int = 5, points: int = 25
) -> list[dict[str, Any]]:
    """Fields whose share of a platform's article fetches fell by at least
    `points` percentage points from the earlier window to the recent one,
    where each window has at least `min_fetches` fetches: what a redesign
    that breaks a selector looks like."""
    drops = []
    for name, entry in health.items():
        recent_n, before_n = entry["fetches"]
        if recent_n < min_fetches or before_n < min_fetches:
            continue
        for field_name, (recent, before) in entry["fields"].items():
            recent_share, before_share = 100 * recent / recent_n, 100 * before / before_n
            if before_share - recent_share >= points:
                drops.append({
                    "platform": name,
                    "field": field_name,
                    "recent": recent, "recent_fetches": recent_n, "recent_share": round(recent_share, 1),
                    "before": before, "before_fetches": before_n, "before_share": round(before_share, 1),
                })
    return drops
