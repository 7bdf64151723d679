"""Downloader middlewares: how paperwall keeps to what a site asks.

`RetryAfterMiddleware` honours ``Retry-After`` on 429 and 503 answers.
Scrapy's RetryMiddleware retries those codes at once; a site that says "come
back in 30 s" should get 30 s of silence from us, on every request to it, not
just on the one that was refused.

`RobotsTxtMiddleware` is Scrapy's, with a fix: with the asyncio reactor,
Scrapy 2.19 lets the third and later requests that wait for a site's
robots.txt through unchecked (see the class).

`DomainBackoffMiddleware` sends no request to a domain that is backing off:
one the database says is (a previous crawl met its bot challenges or 429s),
or one that starts answering so during this crawl (`DomainGate`).

`PrefetchedResponses` serves the changed pages the revalidation step of a
scheduled run already received (`spiders.revalidate`): asked once, read here.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from storage.runs import DOMAIN_STRIKES, answer_kind, domain_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

RETRY_AFTER_CODES = frozenset({429, 503})


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date.

    None when the header is absent or unreadable (the caller then falls back
    to an ordinary retry); never negative.
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Retry 429/503 answers that carry Retry-After, after the time they ask.

    The wait (capped by ``RETRY_AFTER_MAX``) pauses the whole download slot
    (the site), not only the refused request: `process_request` holds every
    request to that slot until the pause ends.  Answers without the header
    are left to Scrapy's RetryMiddleware, and both share the request's
    ``retry_times`` budget (RETRY_TIMES).
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX", 300.0)
        self._paused_until: dict[str, float] = {}  # slot key -> monotonic deadline

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def slot_key(self, request: Request) -> str:
        # The downloader's own key, so a pause covers exactly one download slot.
        return self.crawler.engine.downloader.get_slot_key(request)

    def remaining_pause(self, request: Request) -> float:
        return self._paused_until.get(self.slot_key(request), 0.0) - monotonic()

    def pause(self, request: Request, seconds: float) -> None:
        key = self.slot_key(request)
        deadline = monotonic() + seconds
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), deadline)

    async def process_request(self, request: Request) -> None:
        # A loop: another 429 may extend the pause while this request sleeps.
        while (wait := self.remaining_pause(request)) > 0:
            await sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_AFTER_CODES or request.meta.get("dont_retry"):
            return response
        wait = parse_retry_after(response.headers.get(b"Retry-After"))
        if wait is None:
            return response  # RetryMiddleware retries it the ordinary way
        wait = min(wait, self.max_wait)
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"{response.status} with Retry-After",
        )
        if retry is None:
            return response  # retries exhausted: the spider records this answer
        logger.info("%s answered %s: pausing %s for %.1f s", request.url, response.status,
                    self.slot_key(request), wait)
        self.pause(request, wait)
        return retry


class DomainGate:
    """Which domains get no more requests in this crawl, and why.

    Seeded from the database (`blocked`: domains backing off; `strikes`: bot
    challenges in a row so far).  `observe` counts each answer the way
    `storage.runs.update_domains` will when the run is finished: a 429 that
    outlived its retries closes the domain at once, ``DOMAIN_STRIKES`` bot
    challenges in a row close it, any normal answer resets the streak.
    """

    def __init__(
        self,
        blocked: dict[str, str] | None = None,
        strikes: dict[str, int] | None = None,
        needed: int = DOMAIN_STRIKES,
    ) -> None:
        self.blocked: dict[str, str] = dict(blocked or {})
        self.strikes: dict[str, int] = dict(strikes or {})
        self.needed = needed

    def reason(self, domain: str | None) -> str | None:
        return self.blocked.get(domain) if domain else None

    def observe(
        self, domain: str | None, http_status: int | None, page_status: str | None, outcome: str | None,
        url: str = "",
    ) -> str | None:
        """Count one answer; returns the reason when it closes the domain."""
        if domain is None or domain in self.blocked:
            return None
        kind = answer_kind(http_status, page_status, outcome)
        if kind == "ok":
            self.strikes.pop(domain, None)
            return None
        if kind == "neutral":
            return None
        self.strikes[domain] = self.strikes.get(domain, 0) + (self.needed if kind == "block" else 1)
        if self.strikes[domain] < self.needed:
            return None
        reason = (
            f"HTTP 429 Too Many Requests (after retries) at {url}"
            if kind == "block"
            else f"{self.strikes[domain]} bot challenges in a row (last at {url})"
        )
        self.blocked[domain] = reason
        return reason


class DomainBackoffMiddleware:
    """Drop requests to domains the spider's `domain_gate` has closed.

    The request fails with IgnoreRequest("domain backing off: ..."); the
    spider records it as a fetch with outcome ``skipped`` (its target stays
    due for when the backoff ends).  Runs before robots.txt: a closed domain
    is not even asked for it.
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("PAPERWALL_DOMAIN_BACKOFF"):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        gate = getattr(self.crawler.spider, "domain_gate", None)
        if gate is None:
            return
        reason = gate.reason(domain_of(request.url))
        if reason is not None:
            raise IgnoreRequest(f"domain backing off: {reason}")


class PrefetchedResponses:
    """Answer a request with the page the revalidation step already received.

    ``PAPERWALL_PREFETCHED``: that step's ``prefetched.jsonl`` (one changed
    page per line: the URL asked, the final URL, status, headers, body
    file).  A request for such a URL (the spider's ``asked_url``) gets that
    answer, once, without going out again; it then goes through the other
    middlewares' ``process_response`` and the spider like any download.
    Ordered after the domain gate (a domain that has started answering bot
    challenges gets no more pages read) and before robots.txt (the step
    obeyed it when it asked).
    """

    def __init__(self, index: Path) -> None:
        self.base = index.parent
        self.pending: dict[str, dict[str, Any]] = {}
        with open(index, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    entry = json.loads(line)
                    self.pending[entry["url"]] = entry

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("PAPERWALL_PREFETCHED")
        if not path:
            raise NotConfigured
        return cls(Path(path))

    def process_request(self, request: Request) -> Response | None:
        entry = self.pending.pop(request.meta.get("asked_url", request.url), None)
        if entry is None:
            return None
        from scrapy.http import Headers
        from scrapy.responsetypes import responsetypes

        body = (self.base / entry["body"]).read_bytes()
        headers = Headers()
        for name, value in entry["headers"]:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=entry["final_url"], body=body)
        request.meta["download_latency"] = entry["latency"]
        return cls(url=entry["final_url"], status=entry["status"], headers=headers, body=body, request=request,
                   flags=["prefetched"])


# Why requests waiting in the download queue were dropped as the crawl
# closed (`spiders.extensions.DropQueuedOnClose`): the spider records no fetch.
CLOSING = "crawl closing"


def drop_queued(crawler: Crawler, domain: str | None, message: str) -> int:
    """Fail the requests to `domain` (None: to any site) that wait in the
    downloader's slot queues, with IgnoreRequest(`message`).

    Downloader middlewares see a request when it enters the downloader, and
    up to CONCURRENT_REQUESTS of them enter at once, then wait for their
    slot's delay.  When a domain closes, those already waiting are failed
    here with the same IgnoreRequest (the spider records them as skipped)
    instead of being sent; when the crawl closes, all of them
    (`spiders.extensions.DropQueuedOnClose`).  Uses the downloader's slot
    queues (Scrapy 2.x internals): if they are not there, the middleware
    still stops every request that enters later.
    """
    downloader = getattr(getattr(crawler, "engine", None), "downloader", None)
    dropped: list[Any] = []
    for slot in list(getattr(downloader, "slots", {}).values()):
        queue = getattr(slot, "queue", None)
        if not queue:
            continue
        keep = [item for item in queue if domain is not None and domain_of(item[0].url) != domain]
        if len(keep) == len(queue):
            continue
        dropped += [item for item in queue if domain is None or domain_of(item[0].url) == domain]
        queue.clear()
        queue.extend(keep)
    for _request, deferred in dropped:
        deferred.errback(Failure(IgnoreRequest(message)))
    return len(dropped)


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, safe for many requests waiting on one
    robots.txt, and reading an unreachable robots.txt as RFC 9309 says.

    While a site's robots.txt downloads, Scrapy parks every other request to
    the site on one shared Deferred and awaits it with `asFuture()`.  Each
    `asFuture()` callback returns None, so the first waiter swallows the
    parser and every later waiter sees None, which Scrapy reads as "no
    robots.txt: allow all".  A crawl starting with many URLs of one site
    would fetch disallowed ones.  Here each waiter gets its own branch of the
    shared Deferred, which passes the result on untouched, and reads the
    parser Scrapy stored before firing it.

    A robots.txt that answers 5xx (after retries) or cannot be fetched at
    all (refused, DNS, timeout) is "unreachable": RFC 9309 (2.3.1.4) says
    to assume complete disallow, and the revalidation step does so too.
    Scrapy reads the 5xx error page as rules (usually none: allow all) and
    a network error as no robots.txt (allow all).  A 4xx still means no
    rules.  Nothing of such a site is fetched in this crawl; its targets
    get a fetch row saying why, and stay due.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._unreachable: dict[str, str] = {}  # netloc -> why
        self._closed: set[str] = set()  # netlocs whose robots.txt was dropped as the crawl closed

    async def _parse_robots(self, response: Any, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unreachable[netloc] = f"HTTP {response.status}"
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest) and str(exc).startswith(CLOSING):
            # Dropped from the download queue as the crawl closed: the rules
            # are unknown, so the requests that waited for them are not made
            # either (Scrapy would read "no robots.txt": allow all).
            self._closed.add(netloc)
        elif not isinstance(exc, IgnoreRequest):
            self._unreachable[netloc] = f"{type(exc).__name__}: {exc}"
        super()._robots_error(exc, netloc)

    def process_request_2(self, rp: Any, request: Request) -> None:
        if urlparse_cached(request).netloc in self._closed:
            raise IgnoreRequest(f"{CLOSING}: its site's robots.txt was not read")
        reason = self._unreachable.get(urlparse_cached(request).netloc)
        if reason is not None:
            self._stats.inc_value("robotstxt/unreachable")
            raise IgnoreRequest(f"robots.txt unreachable ({reason}): nothing of the site is fetched (RFC 9309)")
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if isinstance(pending, Deferred):
            await maybe_deferred_to_future(_branch(pending))
            parser = self._parsers.get(netloc)
            return None if isinstance(parser, Deferred) else parser
        return await super().robot_parser(request)


def _branch(shared: Deferred[Any]) -> Deferred[None]:
    """A Deferred that fires when `shared` does, leaving `shared`'s result intact."""
    branch: Deferred[None] = Deferred()

    def relay(result: Any) -> Any:
        branch.callback(None)
        return result

    shared.addBoth(relay)
    return branch
