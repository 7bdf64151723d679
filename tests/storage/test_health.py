"""Selector health over recent crawls: each article fetch keeps the fields its
page gave, and `paperwall health` flags a field that stopped coming."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import attrs
from click.testing import CliRunner
from sqlalchemy import Engine

from paperwall.cli import main
from spiders.health import CHECKED_FIELDS, fields_given
from spiders.items import Metrics
from storage.queries import field_drops, field_health
from storage.writer import write_batch
from tests.storage.factory import DOI, at, blocked, offer, record, result, rows

NOW = at(14) + timedelta(hours=1)


def _papers(first: int, n: int, day: int, **overrides) -> list:
    return [result(record(f"10.1080/health.{i}", **overrides), day=day) for i in range(first, first + n)]


def test_article_fetches_keep_their_platform_and_the_fields_given(engine: Engine) -> None:
    page = record(offers=[offer()], metrics=Metrics(views=10))
    write_batch(engine, [result(page), result(blocked(status="challenge"), day=1), result(None, day=1, error="x")])
    fetched = rows(engine, "SELECT platform, page_status, fields_given FROM fetches ORDER BY id")
    assert fetched[0]["platform"] == "tandf"
    given = fetched[0]["fields_given"]
    given = json.loads(given) if isinstance(given, str) else given
    assert given == fields_given(page)
    assert "prices" in given and "views" in given and "citations" not in given
    # A challenge names its platform but gave no article fields; no page, no platform.
    assert fetched[1]["platform"] == "tandf" and fetched[1]["fields_given"] in (None, "null")
    assert fetched[2]["platform"] is None and fetched[2]["fields_given"] in (None, "null")


def test_a_field_that_stops_coming_is_flagged(engine: Engine) -> None:
    # Days 1-6: every page shows its price.  Days 8-13: a redesign, no offers read.
    write_batch(engine, _papers(0, 6, day=2, offers=[offer()]) + _papers(6, 6, day=9, offers=[]))
    write_batch(engine, [result(blocked(status="challenge"), day=10)])  # not an article: not counted
    health = field_health(engine, days=7, now=NOW)
    tandf = health["tandf"]
    assert tandf["fetches"] == [6, 6]
    assert tandf["fields"]["offers"] == [0, 6] and tandf["fields"]["prices"] == [0, 6]
    assert tandf["fields"]["title"] == [6, 6]
    assert list(tandf["fields"]) == [f for f in CHECKED_FIELDS if f in tandf["fields"]]  # the record's order

    drops = field_drops(health, min_fetches=5, points=25)
    assert {(d["platform"], d["field"]) for d in drops} == {("tandf", "offers"), ("tandf", "prices")}
    offers = next(d for d in drops if d["field"] == "offers")
    assert offers["before_share"] == 100.0 and offers["recent_share"] == 0.0
    # Too few fetches in a window to tell: nothing is flagged.
    assert field_drops(health, min_fetches=7) == []
    # Fetches older than the two windows are not counted: days 11-14 and 8-11.
    assert field_health(engine, days=3, now=NOW)["tandf"]["fetches"] == [0, 6]


def test_a_small_dip_is_not_a_drop(engine: Engine) -> None:
    write_batch(engine, _papers(0, 10, day=2, offers=[offer()]))
    write_batch(engine, _papers(10, 8, day=9, offers=[offer()]) + _papers(18, 2, day=9, offers=[]))
    health = field_health(engine, days=7, now=NOW)
    assert health["tandf"]["fields"]["offers"] == [8, 10]
    assert field_drops(health, points=25) == []  # 100% -> 80%
    assert [d["field"] for d in field_drops(health, points=20)] == ["offers", "prices"]


def test_health_command_prints_the_table_and_fails_on_a_drop(db_url: str, engine: Engine) -> None:
    runner = CliRunner()
    write_batch(engine, _papers(0, 5, day=0, offers=[offer()]))  # 2024: outside the last 14 days
    quiet = runner.invoke(main, ["health", "--db", db_url])
    assert quiet.exit_code == 0, quiet.output
    assert "no article fetches" in quiet.output

    # Ten days ago every page showed its price; yesterday none did.
    now = datetime.now(UTC)

    def days_ago(n: int, fetched: list) -> list:
        return [attrs.evolve(r, fetched_at=(now - timedelta(days=n)).isoformat()) for r in fetched]

    write_batch(engine, days_ago(10, _papers(100, 5, 0, offers=[offer()])) + days_ago(1, _papers(200, 5, 0, offers=[])))

    table = runner.invoke(main, ["health", "--db", db_url])
    assert table.exit_code == 0, table.output
    assert "offers" in table.output and "0/5 (0%)" in table.output and "5/5 (100%)" in table.output
    assert "DROPPED" in table.output
    assert "2 fields dropped: tandf offers (100% -> 0%), tandf prices (100% -> 0%)" in table.output

    failing = runner.invoke(main, ["health", "--db", db_url, "--fail-on-drop", "--format", "json"])
    assert failing.exit_code == 2
    data = json.loads(failing.output)
    assert data["platforms"]["tandf"]["fetches"] == [5, 5]
    assert [d["field"] for d in data["drops"]] == ["offers", "prices"]

    other = runner.invoke(main, ["health", "--db", db_url, "--platform", "springer", "--fail-on-drop"])
    assert other.exit_code == 0 and "no article fetches" in other.output

    bad = runner.invoke(main, ["health", "--db", db_url, "--days", "0"])
    assert bad.exit_code == 1 and "--days" in bad.output and "positive whole number" in bad.output


def test_the_same_fields_as_check_corpus() -> None:
    page = record(DOI, offers=[offer(price=None)])
    given = fields_given(page)
    assert "offers" in given and "prices" not in given  # an offer without a price is not a price
