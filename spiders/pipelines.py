"""StoragePipeline: FetchResults into the database, in batches, off the reactor.

Items are buffered and written by `storage.writer.write_batch`, at most one
batch at a time and in arrival order, so the crawl never waits on the
database.  A crawl of at least ``PAPERWALL_WRITER_PROCESS_MIN`` targets
(default: one batch) writes from a separate process: extraction keeps one
core and the writer (SQLAlchemy's Python work) gets the other, instead of
the two taking turns on the GIL; smaller crawls write from a thread and
skip the process start-up.  A batch is written when it holds
``PAPERWALL_BATCH_SIZE`` results or every ``PAPERWALL_BATCH_SECONDS``; the
rest is flushed when the spider closes.  Each batch is one transaction, so a
crash loses at most the unwritten buffer, never a committed batch.

Database: the spider's ``db`` argument, else ``PAPERWALL_DB``, else
`storage.db.default_url()`.  Run: the spider's ``run_id`` argument (the
caller owns that run and closes it), else the pipeline opens a run with
``PAPERWALL_RUN_TRIGGER`` and finishes it with the counts when the crawl ends.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import maybe_deferred_to_future
from spiders.items import FetchResult
from storage.db import default_url, make_engine, upgrade
from storage.runs import RefreshPolicy
from storage.writer import WriteStats, finish_run, start_run, write_batch

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)


class StoragePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.batch_size = max(1, settings.getint("PAPERWALL_BATCH_SIZE", 200))
        self.batch_seconds = settings.getfloat("PAPERWALL_BATCH_SECONDS", 2.0)
        self.trigger = settings.get("PAPERWALL_RUN_TRIGGER") or "crawl"
        # A bad policy stops the crawl at once rather than scheduling targets wrongly.
        self.policy = RefreshPolicy.parse(settings.get("PAPERWALL_REFRESH_POLICY"))
        self.engine: Engine | None = None
        self.run_id: int | None = None
        self.own_run = False
        self.buffer: list[FetchResult] = []
        self.totals = WriteStats()
        self.batches = 0
        self.lost = 0  # results in batches whose transaction failed
        self._chain: Deferred[Any] = succeed(None)  # the write queue: one at a time, in order
        self._timer: Any = None
        self.process_min = settings.getint("PAPERWALL_WRITER_PROCESS_MIN", self.batch_size)
        self.writer: ProcessPoolExecutor | None = None
        self.use_process = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # --- lifecycle -----------------------------------------------------------

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        url = getattr(spider, "db", None) or self.crawler.settings.get("PAPERWALL_DB") or default_url()
        self.engine = make_engine(url)
        if self.crawler.settings.getbool("PAPERWALL_MIGRATE", True):  # the scheduler migrates once, itself
            await maybe_deferred_to_future(deferToThread(upgrade, self.engine))
        self.run_id = getattr(spider, "run_id", None)
        if self.run_id is None:
            description = f"{spider.name}: {len(getattr(spider, 'targets', []))} targets"
            self.run_id = await maybe_deferred_to_future(
                deferToThread(start_run, self.engine, self.trigger, description)
            )
            self.own_run = True
        self.crawler.stats.set_value("paperwall/run_id", self.run_id)
        # Started with the first batch that has pages to store: a refresh
        # answered by 304s writes little and never pays for the process.
        self.use_process = 0 < self.process_min <= len(getattr(spider, "targets", []))
        logger.info("storing into %s, crawl run %s", self.engine.url.render_as_string(), self.run_id)
        if self.batch_seconds > 0:
            self._timer = create_looping_call(self._tick)
            self._timer.start(self.batch_seconds, now=False)

    async def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        # Pages the spider still holds for their widgets: written as they showed.
        for result in getattr(self.crawler.spider, "held_results", list)():
            self.process_item(result)
        await maybe_deferred_to_future(self.flush())
        assert self.engine is not None
        if self.own_run and self.run_id is not None:
            # Counts from the fetch rows when a batch failed: they are what was stored.
            stats = self.totals if not self.lost else None
            await maybe_deferred_to_future(deferToThread(finish_run, self.engine, self.run_id, stats))
        self._record_stats()
        if self.writer is not None:
            self.writer.shutdown(wait=True)
        self.engine.dispose()

    # --- items ---------------------------------------------------------------

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchResult):
            return item
        item.run_id = self.run_id
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def _tick(self) -> None:
        self.flush()  # the timer must not get the Deferred back

    def flush(self) -> Deferred[Any]:
        """Queue the buffer for writing; the returned Deferred fires when every
        batch queued so far is written."""
        if self.buffer:
            batch, self.buffer = self.buffer, []
            self._chain.addCallback(lambda _: self._write(batch))
        return self._chain

    def _start_writer(self, batch: list[FetchResult]) -> None:
        parsed = sum(1 for r in batch if r.record is not None)
        if not self.use_process or self.writer is not None or parsed * 2 < len(batch):
            return
        assert self.engine is not None
        # "spawn": forking a process that runs the reactor's threads is unsafe.
        self.writer = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_writer,
            initargs=(self.engine.url.render_as_string(hide_password=False),),
        )
        logger.info("writing from a separate process")

    def _write(self, batch: list[FetchResult]) -> Deferred[None]:
        self._start_writer(batch)
        if self.writer is not None:
            writer = self.writer
            d = deferToThread(lambda: writer.submit(_write_in_writer, batch, self.run_id, self.policy).result())
        else:
            d = deferToThread(write_batch, self.engine, batch, self.run_id, self.policy)
        d.addCallbacks(self._written, self._write_failed, errbackArgs=(batch,))
        return d

    def _written(self, stats: WriteStats) -> None:
        self.batches += 1
        self.totals = self.totals + stats

    def _write_failed(self, failure: Failure, batch: list[FetchResult]) -> None:
        # Returning None keeps the queue going: later batches still get written.
        self.lost += len(batch)
        logger.error("could not store a batch of %d results: %s", len(batch), failure.getErrorMessage(),
                     exc_info=(failure.type, failure.value, failure.getTracebackObject()))

    def _record_stats(self) -> None:
        t = self.totals
        for name, value in t.as_dict().items():
            if not isinstance(value, dict):
                self.crawler.stats.set_value(f"paperwall/{name}", value)
        self.crawler.stats.set_value("paperwall/lost", self.lost)
        logger.info(
            "stored %d fetches in %d batches (run %s): %d new, %d changed, %d unchanged articles, "
            "%d not modified (304), %d skipped, %d errors%s",
            t.fetches, self.batches, self.run_id, t.articles_new, t.articles_changed,
            t.articles_unchanged, t.not_modified, t.skipped, t.errors, f", {self.lost} LOST" if self.lost else "",
        )


# --- the writer process ------------------------------------------------------

_WRITER_ENGINE: Engine | None = None


def _open_writer(url: str) -> None:
    global _WRITER_ENGINE
    _WRITER_ENGINE = make_engine(url)


def _write_in_writer(batch: list[FetchResult], run_id: int | None, policy: RefreshPolicy) -> WriteStats:
    assert _WRITER_ENGINE is not None, "writer process not initialised"
    return write_batch(_WRITER_ENGINE, batch, run_id, policy)
