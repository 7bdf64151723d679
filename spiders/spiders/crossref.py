"""The `crossref` spider: a journal's article DOIs from Crossref's public REST API.

    scrapy crawl crossref -a issn=1932-6203 -a from_date=2024-01-01 -a limit=500
    scrapy crawl crossref -a issn=0026-8976 -a mailto=you@example.org -a db=sqlite:///w.db

Asks ``{api}/journals/{issn}/works`` with deep paging (``cursor=*``, then each
answer's ``next-cursor``), ``rows`` per page, ``select=DOI,URL,title,published,type``,
``filter=from-pub-date:…,until-pub-date:…,type:journal-article`` and
``mailto`` (Crossref's "polite pool": ``mailto`` argument, else the
``PAPERWALL_MAILTO`` setting or environment variable; none: the public pool).

Politeness, on top of the project's settings (robots.txt, User-Agent,
DOWNLOAD_DELAY / AutoThrottle): one request at a time; every answer's
``x-rate-limit-limit`` / ``x-rate-limit-interval`` set the least delay
between requests (interval / limit: 5 per 1 s -> 0.2 s) and
``x-concurrency-limit`` the concurrency.  429 and 5xx answers (Crossref's
gateway sends an HTML 504 page) and network errors are retried
``PAPERWALL_CROSSREF_RETRIES`` times (3) after ``PAPERWALL_CROSSREF_BACKOFF``
seconds (2), doubling each time, or after Retry-After when it says longer.

Paging stops when a page has no items, the answer has no ``next-cursor``,
``total-results`` items were read, ``limit`` DOIs were found, or a page
brings no DOI not seen before (the cursor came back round).  Crossref
often answers with the same cursor string for every page of one listing
(its recorded page 1 and 2 of PLOS ONE do): a repeated cursor alone is
not the end.

Errors end the run with one line in ``report.failure``: unknown ISSN (the
plain-text 404 ``Resource not found.``), Crossref's validation message on a
400, the status and page title of a 5xx that outlived its retries.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from twisted.python.failure import Failure

from spiders.discovery import DISCOVERY_SETTINGS, DiscoveryMixin, one_line
from spiders.middlewares import parse_retry_after
from storage.runs import normalize_doi

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

DEFAULT_API = "https://api.crossref.org"
SELECT = "DOI,URL,title,published,type"
DEFAULT_ROWS = 100  # Crossref allows up to 1000; 100 keeps each answer small and quick
DEFAULT_TYPE = "journal-article"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dX])$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_INTERVAL_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def normalize_issn(value: str) -> str | None:
    """ "19326203" / "1932-6203" / "0026-897x" -> "1932-6203" / "0026-897X"; None if not an ISSN.

    The check digit is not verified: Crossref is the judge of which ISSNs exist.
    """
    match = _ISSN.match((value or "").strip())
    return f"{match.group(1)}-{match.group(2).upper()}" if match else None


def valid_date(value: str) -> bool:
    """Crossref's date filters take YYYY, YYYY-MM or YYYY-MM-DD."""
    return bool(_DATE.match(value or ""))


def default_mailto(settings: Any = None) -> str | None:
    """The polite-pool contact: the PAPERWALL_MAILTO setting, else the environment variable."""
    value = (settings.get("PAPERWALL_MAILTO") if settings is not None else None) or os.environ.get(
        "PAPERWALL_MAILTO"
    )
    return value.strip() if value and value.strip() else None


@dataclass(frozen=True)
class RateLimit:
    delay: float | None  # least seconds between requests
    concurrency: int | None  # most requests in flight


def _header(headers: Any, *names: str) -> str | None:
    for name in names:
        value = headers.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is not None:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def rate_limit(headers: Any) -> RateLimit:
    """What Crossref's rate-limit headers ask: ``x-rate-limit-limit: 5`` and
    ``x-rate-limit-interval: 1s`` -> 0.2 s between requests;
    ``x-concurrency-limit: 1`` -> one at a time.  (Older answers also spell
    them ``x-ratelimit-*``.)  Unreadable or absent values give None."""
    limit = _header(headers, "x-rate-limit-limit", "x-ratelimit-limit")
    interval = _header(headers, "x-rate-limit-interval", "x-ratelimit-interval")
    concurrency = _header(headers, "x-concurrency-limit")
    delay = None
    try:
        match = _INTERVAL.match(interval or "")
        if limit is not None and match and float(limit) > 0:
            seconds = float(match.group(1)) * _INTERVAL_UNITS[(match.group(2) or "s").lower()]
            delay = seconds / float(limit)
    except ValueError:
        delay = None
    try:
        conc = int(concurrency) if concurrency is not None else None
    except ValueError:
        conc = None
    return RateLimit(delay, conc if conc and conc > 0 else None)


def crossref_message(body: bytes) -> str | None:
    """Crossref's own words from an error body: the messages of a JSON
    ``validation-failure`` / ``resource-failure`` / ``exception``, the text
    of a plain-text answer, or the title of an HTML page."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        message = data.get("message")
        parts: list[str] = []
        if isinstance(message, list):
            for m in message:
                if isinstance(m, Mapping):
                    parts.append(str(m.get("message") or m.get("type") or "").strip())
                else:
                    parts.append(str(m).strip())
        elif isinstance(message, Mapping):
            parts.append(str(message.get("message") or message.get("description") or message.get("name") or ""))
        elif message:
            parts.append(str(message))
        found = "; ".join(p for p in parts if p)
        return one_line(found) if found else one_line(str(data.get("message-type") or "")) or None
    if text.lstrip().startswith("<"):
        title = _TITLE.search(body)
        return one_line(title.group(1).decode("utf-8", "replace")) if title else "an HTML page"
    return one_line(text)[:300]


@dataclass(frozen=True)
class WorkList:
    items: list[dict[str, Any]]
    total: int | None
    next_cursor: str | None


def parse_work_list(body: bytes) -> WorkList:
    """A ``work-list`` answer; ValueError when the body is something else."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(data, Mapping) or data.get("message-type") != "work-list":
        kind = data.get("message-type") if isinstance(data, Mapping) else type(data).__name__
        raise ValueError(f"not a work list (message-type {kind!r})")
    message = data.get("message") or {}
    items = [i for i in message.get("items") or [] if isinstance(i, Mapping)]
    total = message.get("total-results")
    return WorkList(items, total if isinstance(total, int) else None, message.get("next-cursor") or None)


class CrossrefSpider(DiscoveryMixin, scrapy.Spider):
    name = "crossref"
    # Crossref's public pool allows one request at a time; paging is sequential anyway.
    custom_settings = {**DISCOVERY_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(
        self,
        issn: str | None = None,
        api: str | None = None,
        from_date: str | None = None,
        until_date: str | None = None,
        limit: str | int | None = None,
        rows: str | int | None = None,
        mailto: str | None = None,
        type: str | None = None,  # noqa: A002 - the `-a type=` argument
        source: str | None = None,
        db: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.issn = normalize_issn(issn or "")
        if self.issn is None:
            raise ValueError(f"not an ISSN: {issn!r} (expected NNNN-NNNN, e.g. 1932-6203)")
        for name, value in (("from_date", from_date), ("until_date", until_date)):
            if value and not valid_date(value):
                raise ValueError(f"{name} must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
        self.api = (api or "").rstrip("/") or None
        self.from_date, self.until_date = from_date or None, until_date or None
        self.setup_discovery(db, source or f"crossref:{self.issn}", limit)
        self.rows = int(rows) if rows not in (None, "") else DEFAULT_ROWS
        if not 1 <= self.rows <= 1000:
            raise ValueError(f"rows must be 1 to 1000, got {rows!r}")
        if self.limit is not None:
            self.rows = min(self.rows, self.limit)
        self.mailto = mailto or None
        self.work_type = None if (type or DEFAULT_TYPE).lower() in ("any", "all", "*") else (type or DEFAULT_TYPE)
        self.items_read = 0
        self.dois_seen: set[str] = set()
        self.limits = RateLimit(None, None)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.api = spider.api or (settings.get("PAPERWALL_CROSSREF_API") or DEFAULT_API).rstrip("/")
        spider.mailto = spider.mailto or default_mailto(settings)
        spider.max_retries = max(0, settings.getint("PAPERWALL_CROSSREF_RETRIES", 3))
        spider.backoff = max(0.0, settings.getfloat("PAPERWALL_CROSSREF_BACKOFF", 2.0))
        spider.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)
        crawler.signals.connect(spider.read_limits, signal=signals.response_downloaded)
        crawler.signals.connect(spider.apply_limits, signal=signals.request_reached_downloader)
        return spider

    # --- requests ------------------------------------------------------------

    def works_url(self, cursor: str) -> str:
        params: dict[str, Any] = {"rows": self.rows, "cursor": cursor, "select": SELECT}
        filters = []
        if self.from_date:
            filters.append(f"from-pub-date:{self.from_date}")
        if self.until_date:
            filters.append(f"until-pub-date:{self.until_date}")
        if self.work_type:
            filters.append(f"type:{self.work_type}")
        if filters:
            params["filter"] = ",".join(filters)
        if self.mailto:
            params["mailto"] = self.mailto
        return f"{self.api}/journals/{quote(self.issn or '')}/works?{urlencode(params)}"

    def page_request(self, cursor: str) -> scrapy.Request:
        return scrapy.Request(
            self.works_url(cursor),
            callback=self.parse_page,
            errback=self.on_error,
            dont_filter=True,  # the same cursor may come back: our rules decide, not the dupefilter
            meta={"cursor": cursor, "tries": 1, "dont_retry": True},  # retries are ours, with backoff
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.mailto:
            self.logger.info("no mailto (PAPERWALL_MAILTO): asking Crossref's public pool")
        yield self.page_request("*")

    # --- Crossref's rate limits ------------------------------------------------

    def _is_api(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.api or "").netloc

    def read_limits(self, response: Response, request: scrapy.Request, **_: Any) -> None:
        if not self._is_api(response.url):
            return
        limits = rate_limit(response.headers)
        if limits.delay is not None or limits.concurrency is not None:
            if limits != self.limits:
                self.logger.info("Crossref asks: %s s between requests, %s at a time", limits.delay,
                                 limits.concurrency)
            self.limits = RateLimit(
                limits.delay if limits.delay is not None else self.limits.delay,
                limits.concurrency if limits.concurrency is not None else self.limits.concurrency,
            )

    def apply_limits(self, request: scrapy.Request, **_: Any) -> None:
        """Before each request enters its slot: at least Crossref's delay (exact,
        no jitter), at most its concurrency.  AutoThrottle may raise the delay,
        never lower it below this."""
        if (self.limits.delay is None and self.limits.concurrency is None) or not self._is_api(request.url):
            return
        downloader = self.crawler.engine.downloader
        key = request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        if self.limits.delay is not None:
            slot.delay = max(slot.delay, self.limits.delay)
            slot.jitter = 0.0
        if self.limits.concurrency is not None:
            slot.concurrency = min(slot.concurrency, self.limits.concurrency)

    # --- answers --------------------------------------------------------------

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        request = response.request
        assert request is not None
        if response.status in RETRY_STATUSES:
            wait = parse_retry_after(response.headers.get(b"Retry-After"))
            retry = await self.retry_later(request, f"HTTP {response.status}", wait)
            if retry is not None:
                yield retry
                return
            self.fail(
                f"Crossref answered HTTP {response.status} ({crossref_message(response.body) or 'no message'}) "
                f"{request.meta.get('tries', 1)} times for {request.url}; giving up, try again later"
            )
            return
        if response.status == 404 and request.meta.get("cursor") == "*":
            said = crossref_message(response.body) or "Not Found"
            if "cursor" in said.lower():
                self.fail(f"Crossref answered HTTP 404: {said}")
            else:
                self.fail(f"Crossref knows no journal with ISSN {self.issn} (HTTP 404: {said})")
            return
        if response.status >= 400:
            kind = ""
            try:
                data = json.loads(response.body)
                kind = f" {data.get('message-type')}" if isinstance(data, Mapping) and data.get("message-type") else ""
            except ValueError:
                pass
            self.fail(
                f"Crossref rejected the request (HTTP {response.status}{kind}): "
                f"{crossref_message(response.body) or 'no message'} [{request.url}]"
            )
            return
        try:
            page = parse_work_list(response.body)
        except ValueError as exc:
            self.fail(f"Crossref's answer to {request.url} is {exc}")
            return
        self.report.pages += 1
        fresh = 0
        for work in page.items:
            self.items_read += 1
            doi = normalize_doi(str(work.get("DOI") or ""))
            if doi is None:
                continue
            if doi not in self.dois_seen:
                self.dois_seen.add(doi)
                fresh += 1
            if self.work_type and work.get("type") and work.get("type") != self.work_type:
                continue
            item = self.emit(doi, request.url)
            if item is not None:
                yield item
            if self.full:
                self.report.stopped = f"--max {self.limit} reached"
                return
        cursor = request.meta.get("cursor")
        if not page.items:
            self.report.stopped = "no more items"
        elif not page.next_cursor:
            self.report.stopped = "Crossref gave no next cursor"
        elif not fresh:
            self.report.stopped = (
                "the cursor came back with no new items" if page.next_cursor == cursor
                else "a page brought no new items"
            )
        elif page.total is not None and self.items_read >= page.total:
            self.report.stopped = f"all {page.total} results read"
        else:
            yield self.page_request(page.next_cursor)

    async def retry_later(
        self, request: scrapy.Request, reason: str, wait: float | None = None
    ) -> scrapy.Request | None:
        """The request again after a backoff (doubling from PAPERWALL_CROSSREF_BACKOFF,
        or Retry-After when longer); None when its retries are used up."""
        tries = int(request.meta.get("tries", 1))
        if tries > self.max_retries:
            return None
        delay = self.backoff * 2 ** (tries - 1)
        if wait is not None:
            delay = max(delay, min(wait, self.retry_after_max))
        self.logger.warning("Crossref: %s for %s; retry %d of %d in %.1f s", reason, request.url, tries,
                            self.max_retries, delay)
        await sleep(delay)
        # Only our own keys: the downloader's (download_latency, download_slot, ...) are not to be copied.
        meta = {key: request.meta[key] for key in ("cursor", "dont_retry") if key in request.meta}
        return request.replace(meta={**meta, "tries": tries + 1}, dont_filter=True)

    async def on_error(self, failure: Failure) -> AsyncIterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            self.fail(self.download_error(failure))
            return
        retry = await self.retry_later(request, failure.getErrorMessage())
        if retry is not None:
            yield retry
            return
        self.fail(
            f"could not reach Crossref at {self.api} after {request.meta.get('tries', 1)} tries: "
            f"{failure.getErrorMessage()}"
        )
