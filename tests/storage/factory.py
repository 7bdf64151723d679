"""Build records and fetch results with the real `spiders.items` classes, plus DB helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import Engine, text

from spiders.items import AbstractSection, ArticleRecord, Author, FetchResult, Metrics, Offer, RelatedLink

DOI = "10.1080/00268976.2013.788745"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(day: int) -> datetime:
    """Crawl time of day `day` (0 = 2024-01-01), aware UTC."""
    return T0 + timedelta(days=day)


def iso(day: int) -> str:
    return at(day).isoformat().replace("+00:00", "Z")


def url_for(doi: str) -> str:
    return f"https://www.tandfonline.com/doi/full/{doi}"


def offer(
    price: str | None = "50.00", label: str = "Article Purchase", kind: str = "article", **kw: Any
) -> Offer:
    kw.setdefault("currency", "USD")
    kw.setdefault("period", "PT24H")
    kw.setdefault("details", ["24 hours access to article PDF & online version"])
    kw.setdefault("tax_note", "Local tax will be added as applicable")
    return Offer(label=label, kind=kind, price=price, **kw)


def related(list_name: str, n: int, start: int = 1, prefix: str = "10.1000/rel") -> list[RelatedLink]:
    return [
        RelatedLink(
            list=list_name,
            rank=i - start + 1,
            title=f"Related {i}",
            url=f"https://x.org/{i}",
            doi=f"{prefix}.{i}",
        )
        for i in range(start, start + n)
    ]


def record(doi: str | None = DOI, **overrides: Any) -> ArticleRecord:
    """A full paywalled article page; `overrides` replace any field."""
    base = ArticleRecord(
        url=url_for(doi or "no-doi"),
        platform="tandf",
        status="article",
        doi=doi,
        title="Molecular dynamics of water",
        authors=[
            Author(
                name="Ada Lovelace",
                given="Ada",
                family="Lovelace",
                affiliations=["Univ A"],
                orcid="0000-0001-2345-6789",
            ),
            Author(name="Alan Turing", given="Alan", family="Turing"),
        ],
        journal="Molecular Physics",
        publisher="Taylor & Francis",
        issns=["0026-8976", "1362-3028"],
        volume="111",
        issue="9-11",
        first_page="1327",
        last_page="1338",
        published="2013-04-24",
        article_type="Original Articles",
        abstract="Background\n\nWe study water.",
        abstract_sections=[AbstractSection(heading="Background", text="We study water.")],
        keywords=["water", "molecular dynamics"],
        access="paywalled",
        offers=[
            offer("50.00"),
            offer("450.00", label="Issue Purchase", kind="issue", period="P30D", details=[]),
        ],
        metrics=Metrics(views=100, citations=5, altmetric=2, downloads=None),
        related=related("recommended", 3) + related("cited_by", 2, start=10),
        related_counts={"cited_by": 2},
    )
    return attrs.evolve(base, **overrides)


def blocked(url: str = url_for(DOI), status: str = "challenge") -> ArticleRecord:
    """A page that is not an article: only url, platform and status."""
    return ArticleRecord(url=url, platform="tandf", status=status)


def result(rec: ArticleRecord | None, day: int = 0, **kw: Any) -> FetchResult:
    url = rec.url if rec is not None else kw.pop("url", url_for(DOI))
    kw.setdefault("http_status", 200 if rec is not None and rec.status == "article" else 403)
    return FetchResult(
        url=url,
        final_url=url,
        fetched_at=iso(day),
        elapsed_ms=120.5,
        bytes=54321,
        content_hash="ab" * 32,
        record=rec,
        **kw,
    )


def count(engine: Engine, table: str, where: str = "", **params: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table} {where}"), params).scalar_one()


def rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


TABLES = ("articles", "authors", "abstract_sections", "offers", "metric_observations", "related_links")


def snapshot(engine: Engine, ignore: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    """Every article-data row, minus the `ignore`d columns: to compare before/after."""
    out = {}
    for table in TABLES:
        out[table] = [
            {k: v for k, v in r.items() if k not in ignore}
            for r in rows(engine, f"SELECT * FROM {table} ORDER BY id")
        ]
    return out
