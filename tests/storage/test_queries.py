"""Read side: find_articles filters, history, exports, summary."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from spiders.items import Metrics
from storage.queries import (
    EXPORT_COLUMNS,
    article_history,
    export_rows,
    find_articles,
    summary,
    to_csl_json,
    to_ris,
)
from storage.writer import write_batch
from tests.storage.factory import DOI, at, blocked, offer, record, result, rows

MP = "Molecular Physics"


def doi(n: int) -> str:
    return f"10.1080/00268976.2020.{n:06d}"


@pytest.fixture
def library(engine: Engine) -> Engine:
    """Five articles; article 2's price rises from USD 40 to 55 on day 2."""
    pages = [
        record(DOI, offers=[offer("60.00")]),
        record(doi(2), title="Ice phases", published="2015-01-01", offers=[offer("40.00")]),
        record(doi(3), title="Steam", published="2016-06-30", offers=[offer("70.00", currency="EUR")]),
        record(
            doi(4), title="Clathrates", journal="Other Journal", publisher="Elsevier", offers=[offer("80.00")]
        ),
        record(doi(5), title="Open water", access="open", offers=[], published="2020-02-02"),
    ]
    write_batch(engine, [result(p, day=0) for p in pages] + [result(blocked(), day=0)])
    rise = record(
        doi(2),
        title="Ice phases",
        published="2015-01-01",
        offers=[offer("55.00")],
        metrics=Metrics(views=180, citations=6, altmetric=2),
    )
    write_batch(engine, [result(rise, day=2)])
    return engine


def dois(found: list[dict]) -> list[str]:
    return [a["doi"] for a in found]


def test_articles_of_a_journal_costing_more_than_usd_50(library: Engine) -> None:
    found = find_articles(library, journal="molecular physics", price_min=50, currency="usd")
    assert dois(found) == [DOI, doi(2)]  # article 2 counts at its *current* price, 55
    assert found[1]["offers"][0]["price"] == Decimal("55.00")
    assert dois(
        find_articles(library, journal=MP, price_min="50.01", price_max=Decimal("56"), currency="USD")
    ) == [doi(2)]


def test_price_filters_use_current_offers_of_the_kind(library: Engine) -> None:
    assert dois(find_articles(library, price_max=45, currency="USD")) == []  # 40 is history now
    assert dois(find_articles(library, price_min=400, offer_kind="issue")) == []
    assert dois(find_articles(library, currency="EUR")) == [doi(3)]


def test_other_filters(library: Engine) -> None:
    assert dois(find_articles(library, publisher="ELSEVIER")) == [doi(4)]
    assert dois(find_articles(library, access="open")) == [doi(5)]
    assert dois(find_articles(library, published_from="2015-01-01", published_to=date(2016, 12, 31))) == [
        doi(2),
        doi(3),
    ]
    assert dois(find_articles(library, title_contains="WATER")) == [DOI, doi(5)]
    assert dois(find_articles(library, title_contains="100%")) == []  # LIKE wildcards are literal
    assert len(find_articles(library, limit=2)) == 2
    assert len(find_articles(library)) == 5


def test_article_dicts_carry_authors_offers_and_latest_metrics(library: Engine) -> None:
    (a,) = find_articles(library, title_contains="Ice")
    assert [x["family"] for x in a["authors"]] == ["Lovelace", "Turing"]
    assert [o["price"] for o in a["offers"]] == [Decimal("55.00")]  # current offers only
    assert (a["metrics"]["views"], a["metrics"]["citations"], a["metrics"]["first_seen"]) == (180, 6, at(2))
    assert a["published"] == date(2015, 1, 1) and a["last_changed"] == at(2)


def test_article_history_has_every_interval(library: Engine) -> None:
    h = article_history(library, f"https://doi.org/{doi(2).upper()}")
    assert [(o["price"], o["first_seen"], o["last_seen"], o["closed_at"]) for o in h["offers"]] == [
        (Decimal("40.00"), at(0), at(0), at(2)),
        (Decimal("55.00"), at(2), at(2), None),
    ]
    assert [(m["views"], m["first_seen"]) for m in h["metrics"]] == [(100, at(0)), (180, at(2))]
    assert (
        h["fetches"] == 2 and len(h["related"]) == 5 and h["abstract_sections"][0]["heading"] == "Background"
    )


def test_unknown_doi_raises_lookup_error(library: Engine) -> None:
    with pytest.raises(LookupError, match=r"10\.9999/nothing"):
        article_history(library, "10.9999/nothing")


def test_export_rows_are_flat_and_serialisable(library: Engine) -> None:
    out = export_rows(library, journal=MP, currency="USD")
    assert [r["doi"] for r in out] == [DOI, doi(2)]
    row = out[1]
    assert list(row) == list(EXPORT_COLUMNS)
    assert (row["price"], row["currency"], row["authors"], row["published"], row["views"]) == (
        "55.00",
        "USD",
        "Lovelace, Ada; Turing, Alan",
        "2015-01-01",
        180,
    )
    assert all(v is None or isinstance(v, str | int) for r in out for v in r.values())
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(out)
    assert len(list(csv.DictReader(io.StringIO(buf.getvalue())))) == 2
    assert json.loads(json.dumps(out))[1]["price"] == "55.00"


def test_reference_manager_formats(library: Engine) -> None:
    (a,) = find_articles(library, title_contains="dynamics")
    ris = to_ris(a)
    assert ris.startswith("TY  - JOUR\n") and ris.endswith("ER  - \n")
    for line in (
        "AU  - Lovelace, Ada",
        f"DO  - {DOI}",
        "JO  - Molecular Physics",
        "SP  - 1327",
        "PY  - 2013",
        "SN  - 0026-8976",
        "AB  - Background We study water.",
    ):
        assert line + "\n" in ris
    csl = to_csl_json(a)
    assert csl["type"] == "article-journal" and csl["DOI"] == DOI and csl["page"] == "1327-1338"
    assert csl["author"][0] == {"family": "Lovelace", "given": "Ada"}
    assert csl["issued"] == {"date-parts": [[2013, 4, 24]]}
    json.dumps(csl)  # plain JSON


def test_summary_counts(library: Engine) -> None:
    s = summary(library)
    assert (s["articles"], s["journals"], s["offers_current"], s["offer_intervals"]) == (5, 2, 4, 5)
    usd = next(p for p in s["prices"] if p["currency"] == "USD")
    assert (usd["offers"], usd["min"], usd["max"]) == (3, Decimal("55.00"), Decimal("80.00"))
    assert s["metrics"]["views"] == {"articles": 5, "total": 580}
    assert s["fetch_outcomes"] == {"challenge": 1, "changed": 1, "new": 5}


def _doc_queries() -> list[str]:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text(encoding="utf-8")
    return [block.strip().rstrip(";") for block in re.findall(r"```sql\n(.*?)```", doc, re.DOTALL)]


def test_the_example_queries_in_docs_run_and_answer(library: Engine) -> None:
    queries = _doc_queries()
    assert len(queries) >= 4
    answers = [rows(library, q) for q in queries]
    over_50, changes, prices, views = answers[:4]
    assert [r["doi"] for r in over_50] == [DOI, doi(2)]
    assert rows(library, queries[1].replace(DOI, doi(2)))[0]["new_price"] == Decimal("55.00")
    assert changes == []  # article 1's price never changed
    assert [r["views"] for r in rows(library, queries[3].replace(DOI, doi(2)))] == [100, 180]
    assert len(prices) == 1 and len(views) == 1
