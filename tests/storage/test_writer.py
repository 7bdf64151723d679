"""The write rules of `storage.writer.write_batch`, on both backends."""

from __future__ import annotations

from decimal import Decimal

import attrs
from sqlalchemy import Engine

from spiders.items import Author, Metrics
from storage.writer import write_batch
from tests.storage.factory import (
    DOI,
    TABLES,
    at,
    blocked,
    count,
    offer,
    record,
    related,
    result,
    rows,
    snapshot,
    url_for,
)

SEEN = ("last_seen",)


def article(engine: Engine, doi: str = DOI) -> dict:
    return rows(engine, "SELECT * FROM articles WHERE key = :k", k=doi.lower())[0]


def offers(engine: Engine, label: str = "Article Purchase") -> list[dict]:
    return rows(engine, "SELECT * FROM offers WHERE label = :l ORDER BY first_seen, id", l=label)


def test_first_write_stores_the_whole_record(engine: Engine) -> None:
    stats = write_batch(engine, [result(record())])

    assert (stats.articles_new, stats.fetches, stats.errors) == (1, 1, 0)
    a = article(engine)
    assert (a["doi"], a["title"], a["journal"], a["volume"], a["access"]) == (
        DOI,
        "Molecular dynamics of water",
        "Molecular Physics",
        "111",
        "paywalled",
    )
    assert str(a["published"]) == "2013-04-24"
    assert [r["name"] for r in rows(engine, "SELECT name FROM authors ORDER BY position")] == [
        "Ada Lovelace",
        "Alan Turing",
    ]
    assert count(engine, "abstract_sections") == 1
    assert [
        (o["kind"], o["price"], o["currency"]) for o in rows(engine, "SELECT * FROM offers ORDER BY id")
    ] == [
        ("article", Decimal("50.00"), "USD"),
        ("issue", Decimal("450.00"), "USD"),
    ]
    m = rows(engine, "SELECT views, citations, altmetric, downloads FROM metric_observations")
    assert m == [{"views": 100, "citations": 5, "altmetric": 2, "downloads": None}]
    assert count(engine, "related_links") == 5
    f = rows(engine, "SELECT * FROM fetches")[0]
    assert (f["outcome"], f["page_status"], f["http_status"], f["article_id"]) == (
        "new",
        "article",
        200,
        a["id"],
    )


def test_rewriting_the_same_batch_only_moves_last_seen(engine: Engine) -> None:
    other = record("10.1080/00268976.2020.000001", title="Other")
    write_batch(engine, [result(record()), result(other)])
    before = snapshot(engine, ignore=SEEN)

    stats = write_batch(engine, [result(record(), day=3), result(other, day=3)])

    assert (stats.articles_unchanged, stats.articles_new, stats.articles_changed) == (2, 0, 0)
    assert snapshot(engine, ignore=SEEN) == before  # no new rows, nothing else moved
    assert {
        str(r["last_seen"])[:10]
        for t in TABLES
        if t in ("articles", "offers", "metric_observations", "related_links")
        for r in rows(engine, f"SELECT last_seen FROM {t}")
    } == {"2024-01-04"}
    assert count(engine, "fetches") == 4


def test_price_change_closes_old_offer_and_opens_new(engine: Engine) -> None:
    write_batch(engine, [result(record(), day=0)])
    write_batch(engine, [result(record(), day=1)])
    changed = record(
        offers=[
            offer("60.00"),
            offer("450.00", label="Issue Purchase", kind="issue", period="P30D", details=[]),
        ]
    )
    stats = write_batch(engine, [result(changed, day=5)])

    assert stats.articles_changed == 1
    old, new = offers(engine)
    assert (old["price"], old["first_seen"], old["last_seen"], old["closed_at"]) == (
        Decimal("50.00"),
        *map(_db_ts(engine), (at(0), at(1), at(5))),
    )
    assert (new["price"], new["first_seen"], new["closed_at"]) == (
        Decimal("60.00"),
        _db_ts(engine)(at(5)),
        None,
    )
    assert len(offers(engine, "Issue Purchase")) == 1  # unchanged offer: still one row
    change = rows(engine, "SELECT * FROM price_changes")
    assert [(c["doi"], c["label"], c["old_price"], c["new_price"]) for c in change] == [
        (DOI, "Article Purchase", Decimal("50.00"), Decimal("60.00"))
    ]
    assert change[0]["changed_at"] == _db_ts(engine)(at(5))
    assert article(engine)["last_changed"] == _db_ts(engine)(at(5))


def test_offer_no_longer_shown_is_closed_only_on_a_page_that_shows_offers(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    # A page with no offers at all (layout glitch?) leaves both open and untouched.
    write_batch(engine, [result(record(offers=[]), day=1)])
    assert count(engine, "offers", "WHERE closed_at IS NULL") == 2
    assert article(engine)["last_changed"] == _db_ts(engine)(at(0))
    # A page showing only the article offer: the issue offer was withdrawn.
    write_batch(engine, [result(record(offers=[offer("50.00")]), day=2)])
    assert [o["label"] for o in rows(engine, "SELECT label FROM offers WHERE closed_at IS NULL")] == [
        "Article Purchase"
    ]
    # An open-access page without offers closes the rest.
    write_batch(engine, [result(record(offers=[], access="open"), day=3)])
    assert count(engine, "offers", "WHERE closed_at IS NULL") == 0
    assert count(engine, "offers") == 2  # closed, never deleted


def test_metrics_get_a_new_row_only_when_a_value_changes(engine: Engine) -> None:
    write_batch(engine, [result(record(), day=0)])
    write_batch(engine, [result(record(), day=1)])
    assert count(engine, "metric_observations") == 1
    write_batch(engine, [result(record(metrics=Metrics(views=150, citations=5, altmetric=2)), day=2)])
    # Views not shown (null) this time: carried, not a change to null.
    write_batch(engine, [result(record(metrics=Metrics(views=None, citations=5, altmetric=2)), day=3)])
    # No metrics at all: nothing observed.
    write_batch(engine, [result(record(metrics=Metrics()), day=4)])

    series = rows(
        engine, "SELECT views, citations, first_seen, last_seen FROM metric_observations ORDER BY first_seen"
    )
    ts = _db_ts(engine)
    assert series == [
        {"views": 100, "citations": 5, "first_seen": ts(at(0)), "last_seen": ts(at(1))},
        {"views": 150, "citations": 5, "first_seen": ts(at(2)), "last_seen": ts(at(3))},
    ]
    latest = rows(engine, "SELECT views, citations FROM latest_metrics")
    assert latest == [{"views": 150, "citations": 5}]
    # A shown value that differs while another is not shown: new row carrying the other.
    write_batch(engine, [result(record(metrics=Metrics(views=None, citations=9)), day=5)])
    assert rows(engine, "SELECT views, citations, altmetric FROM latest_metrics") == [
        {"views": 150, "citations": 9, "altmetric": 2}
    ]


def test_non_article_pages_and_errors_never_touch_article_data(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    before = snapshot(engine)

    stats = write_batch(
        engine,
        [
            result(blocked(status="challenge"), day=1),
            result(blocked(status="login"), day=1),
            result(blocked(status="not_found"), day=1, http_status=404),
            result(None, day=1, error="TimeoutError: 30s", http_status=None),
        ],
    )

    assert snapshot(engine) == before  # not even last_seen moved
    assert stats.fetches == 4 and stats.errors == 1
    assert dict(stats.statuses) == {"challenge": 1, "login": 1, "not_found": 1, "error": 1}
    fetched = rows(
        engine, "SELECT page_status, outcome, error, article_id FROM fetches WHERE id > 1 ORDER BY id"
    )
    assert fetched == [
        {"page_status": "challenge", "outcome": "challenge", "error": None, "article_id": None},
        {"page_status": "login", "outcome": "login", "error": None, "article_id": None},
        {"page_status": "not_found", "outcome": "not_found", "error": None, "article_id": None},
        {"page_status": None, "outcome": "error", "error": "TimeoutError: 30s", "article_id": None},
    ]


def test_a_record_missing_values_never_blanks_stored_ones(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    before = snapshot(engine, ignore=SEEN)
    sparse = record(
        title=None,
        journal=None,
        publisher=None,
        issns=[],
        volume=None,
        issue=None,
        first_page=None,
        last_page=None,
        published=None,
        article_type=None,
        abstract=None,
        abstract_sections=[],
        keywords=[],
        access="unknown",
        authors=[],
        offers=[],
        metrics=Metrics(),
        related=[],
        related_counts={},
    )

    stats = write_batch(engine, [result(sparse, day=2)])

    assert stats.articles_unchanged == 1
    assert snapshot(engine, ignore=SEEN) == before
    assert article(engine)["last_seen"] == _db_ts(engine)(at(2))


def test_a_changed_bibliographic_value_replaces_and_moves_last_changed(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    authors = [Author(name="Grace Hopper", given="Grace", family="Hopper")]
    stats = write_batch(engine, [result(record(title="Corrected title", authors=authors), day=1)])

    assert stats.articles_changed == 1
    a = article(engine)
    assert (a["title"], a["last_changed"]) == ("Corrected title", _db_ts(engine)(at(1)))
    assert [r["name"] for r in rows(engine, "SELECT name FROM authors")] == ["Grace Hopper"]


def test_pending_related_list_keeps_its_stored_links(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    # "recommended" now loads by script (pending); cited_by shows one link fewer.
    later = record(
        related=related("cited_by", 1, start=10), related_pending=["recommended"], related_counts={}
    )
    write_batch(engine, [result(later, day=1)])

    open_links = rows(
        engine, "SELECT list, doi FROM related_links WHERE closed_at IS NULL ORDER BY list, rank"
    )
    assert open_links == [
        {"list": "cited_by", "doi": "10.1000/rel.10"},
        {"list": "recommended", "doi": "10.1000/rel.1"},
        {"list": "recommended", "doi": "10.1000/rel.2"},
        {"list": "recommended", "doi": "10.1000/rel.3"},
    ]
    closed = rows(engine, "SELECT doi, closed_at FROM related_links WHERE closed_at IS NOT NULL")
    assert closed == [{"doi": "10.1000/rel.11", "closed_at": _db_ts(engine)(at(1))}]


def test_related_links_are_tracked_by_target_not_rank(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    links = related("recommended", 3)
    reordered = [attrs.evolve(link, rank=4 - link.rank) for link in links]
    write_batch(engine, [result(record(related=reordered), day=1)])

    recs = rows(engine, "SELECT doi, rank FROM related_links WHERE list = 'recommended' ORDER BY rank")
    assert recs == [
        {"doi": "10.1000/rel.3", "rank": 1},
        {"doi": "10.1000/rel.2", "rank": 2},
        {"doi": "10.1000/rel.1", "rank": 3},
    ]
    assert count(engine, "related_links") == 5
    # A list the page states is empty ("Cited by 0") closes its links.
    write_batch(engine, [result(record(related=links, related_counts={"cited_by": 0}), day=2)])
    assert count(engine, "related_links", "WHERE list = 'cited_by' AND closed_at IS NOT NULL") == 2


def test_one_bad_item_is_an_error_fetch_and_the_rest_of_the_batch_lands(engine: Engine) -> None:
    good1 = record("10.1080/00268976.2020.000001")
    bad_price = record("10.1080/00268976.2020.000002", offers=[offer("not-a-number")])
    bad_date = record("10.1080/00268976.2020.000003", published="2013-02-30")
    good2 = record("10.1080/00268976.2020.000004")

    stats = write_batch(engine, [result(r) for r in (good1, bad_price, bad_date, good2)])

    assert (stats.articles_new, stats.errors, stats.fetches) == (2, 2, 4)
    assert [a["doi"] for a in rows(engine, "SELECT doi FROM articles ORDER BY id")] == [good1.doi, good2.doi]
    errors = rows(
        engine, "SELECT url, outcome, error, article_id FROM fetches WHERE error IS NOT NULL ORDER BY id"
    )
    assert [(e["url"], e["outcome"], e["article_id"]) for e in errors] == [
        (bad_price.url, "error", None),
        (bad_date.url, "error", None),
    ]
    assert "not-a-number" in errors[0]["error"] and "2013-02-30" in errors[1]["error"]
    assert count(engine, "offers") == 4  # only the good articles' offers


def test_a_failing_update_leaves_the_stored_article_as_it_was(engine: Engine) -> None:
    write_batch(engine, [result(record())])
    before = snapshot(engine)
    # A new title *and* an unreadable price: nothing of this item may stick.
    bad = record(
        title="Half-written", offers=[offer("61.00"), offer("12,5O", label="Issue Purchase", kind="issue")]
    )

    stats = write_batch(engine, [result(bad, day=1)])

    assert stats.errors == 1
    assert snapshot(engine) == before


def test_doi_identity_is_case_insensitive_and_url_rows_adopt_a_doi(engine: Engine) -> None:
    write_batch(engine, [result(record(doi=DOI.upper()))])
    stats = write_batch(engine, [result(record(url="https://www.tandfonline.com/doi/abs/" + DOI), day=1)])
    assert (count(engine, "articles"), stats.articles_unchanged) == (1, 1)
    assert article(engine)["doi"] == DOI.upper()  # another spelling is not a change

    no_doi = record(doi=None, url="https://example.org/article/7", title="Untitled preprint")
    write_batch(engine, [result(no_doi, day=0)])
    write_batch(engine, [result(record(doi="10.5555/late.doi", url=no_doi.url), day=1)])
    assert rows(engine, "SELECT key, doi FROM articles WHERE url = :u", u=no_doi.url) == [
        {"key": "10.5555/late.doi", "doi": "10.5555/late.doi"}
    ]
    assert count(engine, "articles") == 2


def test_the_same_article_twice_in_one_batch_is_one_article(engine: Engine) -> None:
    stats = write_batch(engine, [result(record()), result(record(url=url_for(DOI) + "?x=1"))])
    assert (stats.articles_new, stats.articles_unchanged) == (1, 1)
    assert (count(engine, "articles"), count(engine, "offers"), count(engine, "fetches")) == (1, 2, 2)


def test_offer_duplicates_and_detail_changes(engine: Engine) -> None:
    twice = [offer("50.00"), offer("50.00")]
    write_batch(engine, [result(record(offers=twice))])
    assert count(engine, "offers") == 1  # the same offer listed twice is one offer
    write_batch(engine, [result(record(offers=[offer("50.00", period="PT48H")]), day=1)])
    assert [(o["period"], o["closed_at"] is None) for o in offers(engine)] == [
        ("PT24H", False),
        ("PT48H", True),
    ]
    assert rows(engine, "SELECT * FROM price_changes") == []  # same price: not a price change


def _db_ts(engine: Engine):
    """How a timestamp reads back through raw SQL on this backend."""
    if engine.dialect.name == "sqlite":
        return lambda dt: dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return lambda dt: dt
