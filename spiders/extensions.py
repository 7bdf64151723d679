"""Crawl extensions: robots.txt Crawl-delay per site, a prompt close, and a progress bar.

Scrapy reads robots.txt for Allow/Disallow only.  `RobotsCrawlDelay` turns
the site's Crawl-delay into a floor for that site's download slot, which
AutoThrottle may raise but never lower.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import ProtegoRobotParser, decode_robotstxt

from spiders.middlewares import CLOSING, drop_queued
from spiders.robots import site_crawl_delay

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

class SiteDelayRobotParser(ProtegoRobotParser):
    """Protego, plus the site-wide Crawl-delay when no group gives us one."""

    def __init__(self, robotstxt_body: bytes, spider: Spider | None) -> None:
        super().__init__(robotstxt_body, spider)
        self.site_delay = site_crawl_delay(decode_robotstxt(robotstxt_body, spider))

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        delay = super().crawl_delay(user_agent)
        return self.site_delay if delay is None else delay


class DropQueuedOnClose:
    """When the crawl starts closing (its time limit, SIGINT / SIGTERM, a
    Scrapyd cancel), drop the requests already waiting in the download
    slots' queues instead of sending them one delay apart.

    Scrapy's close waits for every request handed to the downloader, and up
    to CONCURRENT_REQUESTS of them wait there for their site's delay: with
    16 waiting on a 5 s Crawl-delay, closing took 80 s, past the grace a
    scheduler or Scrapyd gives before killing the crawl, which then lost the
    pages it had not stored yet.  The dropped requests were not made: no
    fetch is recorded and their targets stay due, as for the requests still
    in the scheduler's queue.  Pages already fetched are stored, and pages
    waiting for a widget are stored with that list pending.
    """

    CHECK_EVERY = 0.2  # seconds: Scrapy has no signal for "closing started"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def engine_started(self) -> None:
        from twisted.internet import task

        self.loop = task.LoopingCall(self.check)
        self.loop.start(self.CHECK_EVERY, now=False)

    def check(self) -> None:
        # The engine's slot (Scrapy 2.x internals): `closing` is set when the close begins.
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        if getattr(slot, "closing", None) is None:
            return
        # Checked again until the spider has closed: robots.txt answers and
        # retries can still hand requests to the downloader meanwhile.
        dropped = drop_queued(self.crawler, None, f"{CLOSING}: not sent")
        if dropped:
            self.crawler.stats.inc_value("paperwall/dropped_on_close", dropped)
            logger.info("crawl closing: %d requests waiting for their site's delay dropped (targets stay due)",
                        dropped)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()


class RobotsCrawlDelay:
    """Apply robots.txt Crawl-delay as a per-slot minimum delay.

    On `robots_parsed` it records the delay for the site's slot key.  The
    downloader creates slots lazily, forgets idle ones after a minute, and
    AutoThrottle rewrites `slot.delay` after every response; so the floor is
    re-applied whenever a request enters a slot and after each response
    (this extension is ordered after AutoThrottle, so its handler runs last).
    Capped by ``ROBOTSTXT_MAX_CRAWL_DELAY`` (default 120 s) against absurd values.
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("ROBOTSTXT_MAX_CRAWL_DELAY", 120.0)
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT"
        )
        self.min_delay: dict[str, float] = {}  # slot key -> seconds
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.enforce, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.enforce, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay or delay <= 0:
            return
        key = self.crawler.engine.downloader.get_slot_key(request)
        self.min_delay[key] = min(float(delay), self.max_delay)
        logger.info("robots.txt of %s asks Crawl-delay %.1f s", key, self.min_delay[key])
        self.enforce(request)

    def enforce(self, request: Request, **_: Any) -> None:
        downloader = self.crawler.engine.downloader
        key = request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request)
        floor = self.min_delay.get(key)
        slot = downloader.slots.get(key)
        if floor is None or slot is None:
            return
        slot.delay = max(slot.delay, floor)
        # Scrapy's jitter draws each wait from delay * (1 ± jitter): up to half
        # below what the site asked.  Under a Crawl-delay, wait exactly.
        slot.jitter = 0.0


class ProgressExtension:
    """A tqdm bar on stderr: pages done of the targets, pages/s, errors.

    ``PAPERWALL_PROGRESS``: None (default) shows it only when stderr is a
    terminal; True/False force it on or off.
    """

    def __init__(self, crawler: Crawler) -> None:
        wanted = crawler.settings.get("PAPERWALL_PROGRESS")
        enabled = sys.stderr.isatty() if wanted in (None, "") else crawler.settings.getbool(
            "PAPERWALL_PROGRESS"
        )
        if not enabled:
            raise NotConfigured
        self.bar: Any = None
        self.errors = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        from tqdm import tqdm

        total = len(getattr(spider, "targets", None) or []) or None
        self.bar = tqdm(total=total, unit="page", desc="crawl", file=sys.stderr, dynamic_ncols=True)

    def item_scraped(self, item: Any, response: Response | None = None, **_: Any) -> None:
        if self.bar is None:
            return
        if getattr(item, "error", None):
            self.errors += 1
            self.bar.set_postfix(errors=self.errors, refresh=False)
        self.bar.update(1)

    def spider_closed(self, spider: Spider, reason: str = "") -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
