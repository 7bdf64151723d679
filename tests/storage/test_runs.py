"""Crawl runs and the target list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from storage.runs import (
    REFRESH_INTERVAL,
    RETRY_BASE,
    add_targets,
    due_targets,
    finish_run,
    normalize_doi,
    start_run,
)
from storage.writer import write_batch
from tests.storage.factory import DOI, at, blocked, count, record, result, rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1080/ABC.1", "10.1080/abc.1"),
        ("doi:10.1080/abc.1", "10.1080/abc.1"),
        ("https://doi.org/10.1080/ABC.1", "10.1080/abc.1"),
        ("http://dx.doi.org/10.1080%2Fabc.1", "10.1080/abc.1"),
        ("https://www.tandfonline.com/doi/full/10.1080/abc.1", None),
        ("", None),
    ],
)
def test_normalize_doi(value: str, expected: str | None) -> None:
    assert normalize_doi(value) == expected


def test_add_targets_normalises_and_skips_known(engine: Engine) -> None:
    added = add_targets(
        engine,
        [
            "https://doi.org/10.1080/ABC.1",
            "doi:10.1080/abc.1",
            "https://journal.org/a/2",
            "  ",
            "10.1080/xyz.3",
        ],
        source="list.txt",
        now=at(0),
    )
    assert added == 3
    assert add_targets(engine, ["10.1080/abc.1", "https://journal.org/a/3"], now=at(0)) == 1
    assert rows(engine, "SELECT kind, value, source FROM targets ORDER BY id") == [
        {"kind": "doi", "value": "10.1080/abc.1", "source": "list.txt"},
        {"kind": "url", "value": "https://journal.org/a/2", "source": "list.txt"},
        {"kind": "doi", "value": "10.1080/xyz.3", "source": "list.txt"},
        {"kind": "url", "value": "https://journal.org/a/3", "source": None},
    ]


def test_fetch_outcomes_schedule_targets(engine: Engine) -> None:
    add_targets(engine, [DOI.upper(), "https://journal.org/blocked"], now=at(0))
    due = due_targets(engine, now=at(0))
    assert [(t.kind, t.url) for t in due] == [
        ("doi", f"https://doi.org/{DOI}"),
        ("url", "https://journal.org/blocked"),
    ]
    # The DOI target resolved to the article page; the other one hit a bot check, twice.
    write_batch(
        engine, [result(record(), day=1, target=DOI), result(blocked("https://journal.org/blocked"), day=1)]
    )
    write_batch(engine, [result(blocked("https://journal.org/blocked"), day=2)])

    by_kind = {r["kind"]: r for r in rows(engine, "SELECT * FROM targets")}
    assert (by_kind["doi"]["consecutive_failures"], by_kind["doi"]["last_status"]) == (0, "article")
    assert (by_kind["url"]["consecutive_failures"], by_kind["url"]["last_status"]) == (2, "challenge")
    assert due_targets(engine, now=at(2)) == []
    retry_at = at(2) + 2 * RETRY_BASE
    assert [t.value for t in due_targets(engine, now=retry_at)] == ["https://journal.org/blocked"]
    assert [t.kind for t in due_targets(engine, now=at(1) + REFRESH_INTERVAL + timedelta(seconds=1))] == [
        "url",
        "doi",
    ]
    assert len(due_targets(engine, now=at(30), limit=1)) == 1


def test_a_run_counts_its_fetches(engine: Engine) -> None:
    run_id = start_run(engine, "cli", "tandf sample", now=at(0))
    first = write_batch(engine, [result(record(), day=0), result(blocked(), day=0)], run_id=run_id)
    second = write_batch(
        engine,
        [
            result(record(), day=1),
            result(None, day=1, error="ConnectionError"),
            result(blocked(status="not_found"), day=1),
        ],
        run_id=run_id,
    )

    from_fetches = finish_run(engine, run_id, now=at(1))
    assert from_fetches == finish_run(engine, run_id, first + second, now=at(1))
    run = rows(engine, "SELECT * FROM crawl_runs")[0]
    assert (
        run["pages"],
        run["articles_new"],
        run["articles_unchanged"],
        run["challenges"],
        run["not_found"],
        run["errors"],
    ) == (5, 1, 1, 1, 1, 1)
    assert run["finished_at"] is not None
    assert count(engine, "fetches", "WHERE run_id = :r", r=run_id) == 5
    with pytest.raises(LookupError):
        finish_run(engine, run_id + 100)


def test_a_fetch_naming_an_unknown_run_is_still_recorded(engine: Engine) -> None:
    stats = write_batch(engine, [result(record())], run_id=999)
    assert stats.fetches == 1
    assert rows(engine, "SELECT run_id, outcome FROM fetches") == [{"run_id": None, "outcome": "new"}]
