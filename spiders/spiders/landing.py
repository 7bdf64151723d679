"""The `landing` spider: fetch article landing pages, hand each outcome to storage.

    scrapy crawl landing -a urls=https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745
    scrapy crawl landing -a urls=10.1080/00268976.2013.788745,doi:10.1080/14786435.2011.563752
    scrapy crawl landing -a file=targets.txt -a db=sqlite:///crawl.db -a run_id=7

A target is a URL or a DOI (``10.…``, ``doi:10.…``, ``https://doi.org/10.…``);
DOIs are fetched through ``PAPERWALL_DOI_RESOLVER`` (https://doi.org/) and
its redirects.  Every request ends as one `FetchResult`: a page (any HTTP
status) with its extracted record, or a download error with no record.  The
spider is thin on purpose: extraction is `spiders.pages.extract`, writing is
`spiders.pipelines.StoragePipeline`, politeness is settings and middlewares.

Incremental refresh (``PAPERWALL_CONDITIONAL``, on in scheduled runs): a
URL whose last good fetch recorded an ETag or Last-Modified is asked with
If-None-Match / If-Modified-Since; a 304 answer becomes a FetchResult with
``http_status=304`` and no record (nothing is parsed; the writer records it
as ``not_modified``).  Domain backoff (``PAPERWALL_DOMAIN_BACKOFF``): domains
backing off in the database, or that start answering bot challenges / 429s
during the crawl, get no more requests (`spiders.middlewares.DomainGate`).
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import attrs
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.items import ArticleRecord, FetchResult
from spiders.middlewares import CLOSING, DomainGate, drop_queued
from spiders.targets import now_iso, parse_target, read_targets, resolver_url, target_key
from storage.runs import domain_of

__all__ = ["LandingSpider", "parse_target", "read_page", "read_targets"]

# Related lists a page names an endpoint for (`ArticlePage.related_endpoints`,
# e.g. the Atypon core template's cited-by widget) are fetched before the
# page's FetchResult is handed on, and their links fill the record's list.
# The requests go through the downloader middlewares like any other, so
# RobotsTxtMiddleware drops disallowed ones (Science and ACM disallow
# /pb/widgets): the list then stays pending.  T&F pages name no URL.
RELATED_LIST_NAMES = frozenset(("people_also_read", "recommended", "cited_by", "similar"))
# The metrics widget a page names the same way: its figures replace the
# copy the page was served with (`_merge_metrics`).
METRICS_ENDPOINT = "metrics"


def read_page(url: str, body: bytes, headers: Any = None, status: int = 200) -> tuple[ArticleRecord, Any]:
    """(record, page object) of a response.  The extractors are imported on
    first use: a crawl answered only by 304s never loads them (web-poet,
    extruct, ...)."""
    from spiders.pages import make_response, page_for, to_record

    page = page_for(make_response(url, body, headers, status))
    return to_record(page), page


def honour_log_level(level: str | int | None) -> None:
    """Make Scrapy's own loggers drop what LOG_LEVEL hides before building it.

    Scrapy leaves the root logger at NOTSET and filters in its handler, so
    every DEBUG message ("Crawled (304) ...", "Scraped from ...") is built as
    a LogRecord and then thrown away: ~0.15 ms per response.
    """
    if level is None:
        return
    number = logging.getLevelName(level) if isinstance(level, str) else level
    if isinstance(number, int) and number > logging.DEBUG:
        logging.getLogger("scrapy").setLevel(number)


def settle_gc() -> None:
    """Once the crawl is set up (imports, engine, pipeline): move what exists
    to the GC's permanent generation and collect the young one less often.

    A crawl allocates many short-lived objects per request; without this the
    collector keeps re-scanning the ~150,000 objects that imports left behind
    (about a tenth of the CPU of a crawl answered by 304s).
    """
    gc.freeze()
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 5000), gen1, gen2)


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


class LandingSpider(scrapy.Spider):
    name = "landing"

    def __init__(
        self,
        urls: str | Iterable[str] | None = None,
        file: str | None = None,
        run_id: str | int | None = None,
        db: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.targets, rejected = read_targets(urls, file)
        for line in rejected:
            self.logger.error("not a URL or DOI, skipped: %r", line)
        if not self.targets:
            raise ValueError("no targets: pass -a urls=URL1,DOI2 or -a file=PATH")
        # Read by StoragePipeline: write into this run / database.
        self.run_id = int(run_id) if run_id not in (None, "") else None
        self.db = db or None
        # Read by DomainBackoffMiddleware; filled from the database in start().
        self.domain_gate = DomainGate()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        # Page results waiting for their widgets (`related_requests`), by id.
        self._held: dict[int, dict[str, Any]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> LandingSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        honour_log_level(crawler.settings.get("LOG_LEVEL"))
        return spider

    def resolver_url(self, doi: str) -> str:
        return resolver_url(doi, self.settings.get("PAPERWALL_DOI_RESOLVER"))

    def db_url(self) -> str:
        from storage.db import default_url

        return self.db or self.settings.get("PAPERWALL_DB") or default_url()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        asked = [(self.resolver_url(value) if kind == "doi" else value, kind, value) for kind, value in self.targets]
        await self.load_state([url for url, _, _ in asked], [value for _, _, value in asked])
        settle_gc()
        for url, kind, value in asked:
            headers: dict[str, str] = {}
            etag, modified = self.validators.get(url, (None, None))
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.on_error,
                headers=headers or None,
                dont_filter=True,  # each target is asked for, even if two resolve alike
                meta={
                    "asked_url": url,
                    "target": target_key(kind, value),
                    "validators": (etag, modified) if headers else None,
                },
            )

    async def load_state(self, urls: list[str], values: list[str] | None = None) -> None:
        """Validators of the URLs (conditional requests) and the domains'
        backoff, from the database, in a worker thread.  A database that
        cannot say (not there yet, unreachable) means a plain crawl."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThread

        # Both off unless the settings say so (spiders/settings.py turns domain backoff on).
        conditional = self.settings.getbool("PAPERWALL_CONDITIONAL")
        gate = self.settings.getbool("PAPERWALL_DOMAIN_BACKOFF")
        if not (conditional or gate):
            return
        args = (self.db_url(), urls, values if values is not None else urls, conditional, gate)
        try:
            if getattr(reactor, "running", False):
                validators, backoff, strikes = await maybe_deferred_to_future(deferToThread(_read_state, *args))
            else:  # no reactor (start() iterated by hand): read in place
                validators, backoff, strikes = _read_state(*args)
        except Exception as exc:  # noqa: BLE001 - a crawl without the extras still works
            self.logger.warning("could not read validators / domain backoff from the database: %s", exc)
            return
        self.validators = validators
        self.domain_gate = DomainGate(blocked=backoff, strikes=strikes)
        if conditional:
            self.logger.info("conditional requests for %d of %d URLs", len(validators), len(urls))
        for domain, reason in backoff.items():
            self.logger.warning("domain %s is backing off (%s): its requests are skipped", domain, reason)

    # --- pages ---------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[FetchResult | scrapy.Request]:
        page = None
        if response.status == 304:
            result = self.not_modified(response)
        else:
            result, page = self.fetch_result(response)
        self.judge_domain(response, result)
        requests = list(self.related_requests(response, result, page))
        if page is not None:
            page.release()  # its tree now, not at the next collection
        if requests:
            yield from requests  # the result follows when its lists are read
        else:
            yield result

    def not_modified(self, response: Response) -> FetchResult:
        """A 304: the page is as it was at the last good fetch.  Nothing to parse."""
        sent = response.request.meta.get("validators") if response.request is not None else None
        etag, modified = sent or (None, None)
        latency = response.meta.get("download_latency")
        self.crawler.stats.inc_value("paperwall/not_modified")
        return FetchResult(
            url=response.meta.get("asked_url", response.url),
            final_url=response.url,
            http_status=304,
            fetched_at=now_iso(),
            elapsed_ms=round(latency * 1000, 1) if latency is not None else None,
            bytes=len(response.body),
            # The validators stay those of the stored page (a 304 may repeat them).
            etag=header(response, "ETag") or etag,
            last_modified=header(response, "Last-Modified") or modified,
            target=response.meta.get("target"),
            error=None if sent else "HTTP 304 to a request that was not conditional",
        )

    def judge_domain(self, response: Response, result: FetchResult) -> None:
        """Tell the domain gate how the site answered (bot challenges, 429s trip it)."""
        domain = domain_of(response.url)
        page_status = result.record.status if result.record is not None else None
        outcome = "not_modified" if response.status == 304 else None
        reason = self.domain_gate.observe(domain, response.status, page_status, outcome, response.url)
        if reason and domain:
            dropped = drop_queued(self.crawler, domain, f"domain backing off: {reason}")
            self.logger.warning("domain %s: %s; skipping its other requests in this crawl (%d were queued)",
                                domain, reason, dropped)

    def fetch_result(self, response: Response) -> tuple[FetchResult, Any]:
        meta = response.meta
        body = response.body
        latency = meta.get("download_latency")
        result = FetchResult(
            url=meta.get("asked_url", response.url),
            final_url=response.url,
            http_status=response.status,
            fetched_at=now_iso(),
            elapsed_ms=round(latency * 1000, 1) if latency is not None else None,
            bytes=len(body),
            content_hash=hashlib.sha256(body).hexdigest(),
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
            target=meta.get("target"),
        )
        page = None
        try:
            result.record, page = read_page(response.url, body, response.headers.to_unicode_dict(), response.status)
        except Exception as exc:  # noqa: BLE001 - a bad page must not stop the crawl
            self.logger.exception("extraction failed on %s", response.url)
            result.error = f"extraction failed: {type(exc).__name__}: {exc}"
        return result, page

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        """Download errors: DNS, timeout, refused, retries exhausted, robots.txt."""
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get("related_of"):
            self.logger.info("related endpoint %s not fetched: %s", request.url, failure.getErrorMessage())
            yield from self.related_done(request.meta["related_of"], request.meta["related_list"], None)
            return
        if failure.check(IgnoreRequest) and failure.getErrorMessage().startswith(CLOSING):
            # Dropped from the download queue as the crawl closed: not reached,
            # like the requests still in the scheduler; the target stays due.
            self.crawler.stats.inc_value("paperwall/not_reached")
            self.logger.info("%s not fetched: %s", request.url, failure.getErrorMessage())
            return
        if failure.check(IgnoreRequest):
            error = f"not fetched: {failure.getErrorMessage() or 'ignored'}"
        else:
            error = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if error.startswith("not fetched: domain backing off"):
            self.crawler.stats.inc_value("paperwall/skipped")
            self.logger.info("%s skipped: %s", request.url, error)
        else:
            self.logger.warning("%s failed: %s", request.url, error)
        yield FetchResult(
            url=request.meta.get("asked_url", request.url),
            final_url=None,
            http_status=None,
            fetched_at=now_iso(),
            error=error,
            target=request.meta.get("target"),
        )

    # --- related-list endpoints ----------------------------------------------------

    def related_requests(self, response: Response, result: FetchResult, page: Any) -> Iterator[scrapy.Request]:
        """Requests for the related lists and the metrics widget this page
        loads from other URLs.  Never sets ``dont_obey_robotstxt``."""
        record = result.record
        if page is None or record is None or record.status != "article":
            return
        try:
            endpoints = {
                k: v
                for k, v in page.related_endpoints().items()
                if v and (k in RELATED_LIST_NAMES or k == METRICS_ENDPOINT)
            }
        except Exception:  # noqa: BLE001 - the page itself was read; its lists can wait
            self.logger.exception("related endpoints of %s unreadable", response.url)
            return
        if not endpoints:
            return
        if METRICS_ENDPOINT in endpoints:
            # Its figures come from the widget, which changes while the page
            # does not: the page's own validators would answer 304 and the
            # figures would never be read again.  It is asked in full.
            result.etag = result.last_modified = None
        state = {"result": result, "page_cls": type(page), "waiting": set(endpoints)}
        self._held[id(state)] = state
        for name, url in endpoints.items():
            yield response.follow(
                url,
                callback=self.parse_related,
                errback=self.on_error,
                priority=1,  # finish a page's lists before new pages
                # A page fetched twice in one crawl names the same widget URL:
                # a filtered duplicate would get no callback and hold its page forever.
                dont_filter=True,
                meta={"related_of": state, "related_list": name},
            )

    def parse_related(self, response: Response) -> Iterator[FetchResult]:
        """An endpoint's answer: its links become the record's list, or its
        figures the record's metrics."""
        state, name = response.meta["related_of"], response.meta["related_list"]
        links = None
        if response.status == 200:
            try:
                if name == METRICS_ENDPOINT:
                    metrics, warnings = state["page_cls"].metrics_from_endpoint(response.url, response.body)
                    _merge_metrics(state["result"].record, metrics, warnings)
                else:
                    links = state["page_cls"].related_from_endpoint(name, response.url, response.body)
            except Exception:  # noqa: BLE001 - keep the list pending rather than lose the page
                self.logger.exception("%s at %s unreadable", name, response.url)
        yield from self.related_done(state, name, links)

    def related_done(self, state: dict[str, Any], name: str, links: list[Any] | None) -> Iterator[FetchResult]:
        """Record one list's outcome; hand on the page's result after the last.
        A list that could not be fetched or read stays pending (unknown, not empty)."""
        record = state["result"].record
        if links:
            record.related = [r for r in record.related if r.list != name] + links
            record.related_pending = [p for p in record.related_pending if p != name]
        state["waiting"].discard(name)
        if not state["waiting"] and self._held.pop(id(state), None) is not None:
            yield state["result"]

    def held_results(self) -> list[FetchResult]:
        """The results of pages still waiting for a widget when the crawl
        closes (a time limit, a signal): queued requests are dropped then, with
        no callback.  StoragePipeline takes them as the pages showed them,
        their widget lists still pending, before its last write."""
        held = [state["result"] for state in self._held.values()]
        self._held.clear()
        return held


def _merge_metrics(record: Any, shown: Any, warnings: list[str]) -> None:
    """The metrics widget's figures are what a visitor sees once the page's
    script has run: each figure it gives replaces the page's served copy; one
    it does not give (no data yet, "17k") keeps what the page showed."""
    for key, value in attrs.asdict(shown).items():
        if value is not None:
            setattr(record.metrics, key, value)
    record.warnings += [w for w in warnings if w not in record.warnings]


def _read_state(
    db_url: str, urls: list[str], values: list[str], conditional: bool, gate: bool
) -> tuple[dict[str, tuple[str | None, str | None]], dict[str, str], dict[str, int]]:
    """(validators by URL, {domain backing off: reason}, {domain: challenges in a row})."""
    from storage.db import make_engine
    from storage.runs import backing_off, domain_strikes, validators_for

    engine = make_engine(db_url)
    try:
        validators = validators_for(engine, urls, values) if conditional else {}
        backoff: dict[str, str] = {}
        strikes: dict[str, int] = {}
        if gate:
            backoff = {
                d: f"until {b.until:%Y-%m-%d %H:%M} UTC: {b.reason}" for d, b in backing_off(engine).items()
            }
            strikes = domain_strikes(engine)
        return validators, backoff, strikes
    finally:
        engine.dispose()
