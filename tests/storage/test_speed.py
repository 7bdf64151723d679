"""The crawl writes ~200 records per batch: the writer must not do N+1 per row."""

from __future__ import annotations

import time

from sqlalchemy import Engine, event

from spiders.items import Metrics
from storage.writer import write_batch
from tests.storage.factory import record, result

BATCH = 200


def _batch(day: int, views: int) -> list:
    return [
        result(record(f"10.1080/00268976.2022.{n:06d}", metrics=Metrics(views=views, citations=1)), day=day)
        for n in range(BATCH)
    ]


def test_a_batch_of_200_costs_a_bounded_number_of_statements(engine: Engine) -> None:
    write_batch(engine, _batch(0, views=1))
    statements = {"n": 0}

    def tally(*_args: object) -> None:
        statements["n"] += 1

    event.listen(engine, "before_cursor_execute", tally)
    started = time.perf_counter()
    stats = write_batch(engine, _batch(1, views=2))  # every article re-seen, metrics changed
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", tally)

    assert stats.articles_changed == BATCH
    # Per record: article, authors, sections, offers, metrics, related lookups,
    # a few grouped UPDATE/INSERTs and the savepoint.  Far from one per row.
    print(f"{statements['n'] / BATCH:.1f} statements, {elapsed * 1000 / BATCH:.1f} ms per record")
    assert statements["n"] <= 14 * BATCH
    assert elapsed < 20.0, f"{elapsed:.1f}s for {BATCH} records"  # ~1 s here; generous for slow CI
