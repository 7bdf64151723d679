"""Discovery: finding the articles to watch, shared by the `toc`, `sitemap` and `crossref` spiders.

A discovery spider yields one `Discovered` item per article it finds (a
DOI or a landing-page URL).  `TargetPipeline` adds them to the watched
targets (`storage.runs.add_targets`, with the spider's ``source``) in
batches, in a worker thread, and counts how many were new.  The spider's
`report` (a `DiscoveryReport`) says what was found, what went wrong and
why it stopped; ``paperwall discover`` prints it.

Discovery spiders do not use the landing crawl's `StoragePipeline` (they
store no fetches and open no crawl run): their ``custom_settings`` replace
``ITEM_PIPELINES``.  Everything else (robots.txt, User-Agent, AutoThrottle,
Crawl-delay, Retry-After) is the project's polite settings.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from storage.db import default_url, make_engine, upgrade
from storage.runs import add_targets, classify_target, normalize_doi

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

# Settings every discovery spider runs with (as `custom_settings`; `-s` still overrides).
DISCOVERY_SETTINGS: dict[str, Any] = {
    "ITEM_PIPELINES": {"spiders.discovery.TargetPipeline": 300},
    # The crawl's progress bar counts landing pages; discovery has none.
    "PAPERWALL_PROGRESS": False,
}

# "/doi/10.1080/x", "/doi/full/10.1080/x", "/doi/abs/…", "/doi/pdf/…", "/doi/ref/…", "/doi/epdf/…"
_DOI_IN_PATH = re.compile(r"/doi/(?:[a-z][a-z-]*/)?(10\.\d{4,9}/[^?#\s]+)", re.IGNORECASE)


def doi_from_href(href: str | None) -> str | None:
    """The DOI an article link points at: bare, lower-case; None if it names none.

    Reads Literatum/Atypon paths (``/doi/10.x/y``, ``/doi/full/10.x/y``,
    ``/doi/abs/…``, ``/doi/pdf/…``, ...) and doi.org links.
    """
    if not href:
        return None
    href = href.strip()
    doi = normalize_doi(href)
    if doi:
        return doi
    match = _DOI_IN_PATH.search(urlsplit(href).path if "://" in href else href.split("?", 1)[0])
    if not match:
        return None
    return normalize_doi(unquote(match.group(1)).rstrip("/.,;"))


def one_line(text: str) -> str:
    """`text` on one line (whitespace runs collapsed): messages for `click.ClickException`."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Discovered:
    """One article found: a DOI (bare) or a landing-page URL, and where it was found."""

    value: str
    found_on: str = ""


@dataclass
class DiscoveryReport:
    """What a discovery run found and how it ended."""

    found: int = 0  # distinct targets found (after normalisation)
    new: int = 0  # of them, newly added to the watched targets
    pages: int = 0  # pages / API responses read
    unstored: int = 0  # found but not stored (a database write failed)
    warnings: list[str] = field(default_factory=list)  # trouble that did not stop the run
    failure: str | None = None  # what stopped the run early (one line); None: it finished
    stopped: str | None = None  # why it ended when it did not fail ("--limit reached", ...)

    @property
    def known(self) -> int:
        """Found targets that were already watched."""
        return self.found - self.new - self.unstored


class DiscoveryMixin:
    """What the discovery spiders share: arguments, the report, dedup and limits.

    Spider arguments (``-a``): ``db`` (database URL; else ``PAPERWALL_DB``,
    else ./paperwall.db), ``source`` (stored on the targets), ``limit`` (stop
    after this many distinct targets).
    """

    custom_settings: dict[str, Any] | None = DISCOVERY_SETTINGS
    logger: logging.LoggerAdapter[logging.Logger]
    crawler: Crawler

    def setup_discovery(self, db: str | None, source: str | None, limit: str | int | None) -> None:
        self.db = db or None
        self.source = source or None
        self.limit = int(limit) if limit not in (None, "", 0, "0") else None
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"limit must be positive, got {limit!r}")
        self.report = DiscoveryReport()
        self._seen: set[str] = set()

    @property
    def full(self) -> bool:
        """The limit is reached: find nothing more."""
        return self.limit is not None and self.report.found >= self.limit

    def emit(self, value: str, found_on: str = "") -> Discovered | None:
        """An item for `value`, or None when it was found before (or the limit is reached)."""
        if self.full:
            return None
        key = classify_target(value)[1]
        if not key or key in self._seen:
            return None
        self._seen.add(key)
        self.report.found += 1
        return Discovered(value, found_on)

    def _reported_by_caller(self) -> bool:
        """``PAPERWALL_DISCOVERY_REPORT``: the caller (``paperwall discover``)
        prints failures and warnings itself, so they are logged at INFO only."""
        settings = getattr(self, "settings", None)
        return bool(settings is not None and settings.getbool("PAPERWALL_DISCOVERY_REPORT"))

    def fail(self, message: str) -> None:
        """Record what stopped the run (the first reason wins)."""
        message = one_line(message)
        if self.report.failure is None:
            self.report.failure = message
        self.logger.log(logging.INFO if self._reported_by_caller() else logging.ERROR, "%s", message)

    def warn(self, message: str) -> None:
        message = one_line(message)
        self.report.warnings.append(message)
        self.logger.log(logging.INFO if self._reported_by_caller() else logging.WARNING, "%s", message)

    def problem(self, message: str, fatal: bool) -> None:
        (self.fail if fatal else self.warn)(message)

    def download_error(self, failure: Failure) -> str:
        """One line about a request that got no response."""
        request = getattr(failure, "request", None)
        url = getattr(request, "url", "?")
        if failure.check(IgnoreRequest):
            reason = failure.getErrorMessage() or "ignored"
            if "robots.txt" in reason:
                return f"not fetched, robots.txt forbids it: {url}"
            return f"not fetched ({reason}): {url}"
        kind = failure.type.__name__ if failure.type else "error"
        return f"could not fetch {url}: {kind}: {failure.getErrorMessage()}"


def http_problem(response: Response) -> str:
    """One line about an answer that is not a page to read."""
    text = f"{response.url} answered HTTP {response.status}"
    if response.status in (403, 429, 503):
        body = response.body[:4000].lower()
        if b"just a moment" in body or b"challenge" in body or b"captcha" in body:
            text += " (a bot check: the site does not let crawlers in)"
    return text


class TargetPipeline:
    """`Discovered` items -> watched targets, in batches, one transaction each.

    Database: the spider's ``db``, else ``PAPERWALL_DB``, else
    `storage.db.default_url()`; migrated on open.  Batches of
    ``PAPERWALL_BATCH_SIZE`` go to `add_targets` in a worker thread, one at a
    time and in order; the rest when the spider closes.  The count of new
    targets goes to the spider's `report`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch_size = max(1, crawler.settings.getint("PAPERWALL_BATCH_SIZE", 200))
        self.engine: Engine | None = None
        self.source: str | None = None
        self.buffer: list[str] = []
        self._chain: Deferred[Any] = succeed(None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def report(self) -> DiscoveryReport:
        spider = self.crawler.spider
        report = getattr(spider, "report", None)
        if report is None:
            report = DiscoveryReport()
            spider.report = report  # type: ignore[union-attr]
        return report

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        url = getattr(spider, "db", None) or self.crawler.settings.get("PAPERWALL_DB") or default_url()
        self.source = getattr(spider, "source", None)
        self.engine = make_engine(url)
        await maybe_deferred_to_future(deferToThread(upgrade, self.engine))
        logger.info("adding targets to %s (source %r)", self.engine.url.render_as_string(), self.source)

    async def close_spider(self) -> None:
        await maybe_deferred_to_future(self.flush())
        self.crawler.stats.set_value("paperwall/targets_found", self.report.found)
        self.crawler.stats.set_value("paperwall/targets_new", self.report.new)
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Discovered):
            self.buffer.append(item.value)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> Deferred[Any]:
        """Queue the buffer; the Deferred fires when everything queued so far is written."""
        if self.buffer:
            batch, self.buffer = self.buffer, []
            self._chain.addCallback(lambda _: self._write(batch))
        return self._chain

    def _write(self, batch: list[str]) -> Deferred[None]:
        d = deferToThread(add_targets, self.engine, batch, self.source)
        d.addCallbacks(self._written, self._failed, errbackArgs=(batch,))
        return d

    def _written(self, new: int) -> None:
        self.report.new += new

    def _failed(self, failure: Failure, batch: list[str]) -> None:
        self.report.unstored += len(batch)
        message = one_line(f"could not store {len(batch)} targets: {failure.getErrorMessage()}")
        if self.report.failure is None:
            self.report.failure = message
        logger.error("%s", message, exc_info=(failure.type, failure.value, failure.getTracebackObject()))
