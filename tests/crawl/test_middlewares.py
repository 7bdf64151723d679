"""Retry-After, robots.txt Crawl-delay and the robots.txt fix, with real Scrapy objects."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from spiders.extensions import RobotsCrawlDelay, SiteDelayRobotParser, site_crawl_delay
from spiders.middlewares import CLOSING, RetryAfterMiddleware, RobotsTxtMiddleware, parse_retry_after
from spiders.settings import USER_AGENT

from .conftest import REPO

ROBOTS_DIR = REPO.parent / "shared" / "discovery" / "robots"  # the shared reference data


class StubDownloader:
    """The parts of scrapy's Downloader the components use: slots and their keys."""

    DOWNLOAD_SLOT = "download_slot"

    def __init__(self) -> None:
        self.slots: dict[str, Slot] = {}

    def get_slot_key(self, request: Request) -> str:
        return request.meta.get(self.DOWNLOAD_SLOT) or urlsplit(request.url).hostname or ""


def crawler_with(settings: dict[str, Any] | None = None) -> Any:
    crawler = get_crawler(
        settings_dict={
            "RETRY_TIMES": 2,
            "RETRY_AFTER_MAX": 5,
            "ROBOTSTXT_OBEY": True,
            "USER_AGENT": USER_AGENT,
            **(settings or {}),
        }
    )
    crawler.spider = crawler._create_spider("test")
    crawler.engine = SimpleNamespace(downloader=StubDownloader())
    return crawler


def response(request: Request, status: int, headers: dict[str, str] | None = None) -> HtmlResponse:
    return HtmlResponse(
        request.url, status=status, headers=headers or {}, body=b"<html></html>", request=request
    )


# --- Retry-After -------------------------------------------------------------------


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after(" 7 ") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after(None) is None
    assert parse_retry_after(b"soon") is None
    assert parse_retry_after(b"") is None


def test_503_with_retry_after_is_retried_after_pausing_the_site() -> None:
    mw = RetryAfterMiddleware(crawler_with())
    request = Request("http://site.test/a")
    retry = mw.process_response(request, response(request, 503, {"Retry-After": "1"}))
    assert isinstance(retry, Request) and retry.url == request.url
    assert retry.meta["retry_times"] == 1 and retry.dont_filter
    # The whole site waits, not only the refused request.
    assert 0.8 < mw.remaining_pause(Request("http://site.test/other")) <= 1.0
    assert mw.remaining_pause(Request("http://elsewhere.test/")) < 0


def test_retry_after_is_capped_by_setting() -> None:
    mw = RetryAfterMiddleware(crawler_with({"RETRY_AFTER_MAX": 5}))
    request = Request("http://site.test/a")
    assert isinstance(mw.process_response(request, response(request, 429, {"Retry-After": "86400"})), Request)
    assert 4 < mw.remaining_pause(request) <= 5


def test_without_header_or_other_status_the_response_passes() -> None:
    mw = RetryAfterMiddleware(crawler_with())
    request = Request("http://site.test/a")
    plain_503 = response(request, 503)
    assert mw.process_response(request, plain_503) is plain_503  # RetryMiddleware's business
    not_found = response(request, 404, {"Retry-After": "1"})
    assert mw.process_response(request, not_found) is not_found


def test_exhausted_retries_hand_the_answer_to_the_spider() -> None:
    mw = RetryAfterMiddleware(crawler_with({"RETRY_TIMES": 2}))
    request = Request("http://site.test/a", meta={"retry_times": 2})
    answer = response(request, 503, {"Retry-After": "1"})
    assert mw.process_response(request, answer) is answer
    assert mw.remaining_pause(request) < 0


def test_paused_site_holds_requests_in_process_request() -> None:
    mw = RetryAfterMiddleware(crawler_with())
    request = Request("http://site.test/a")
    mw.pause(request, 0.3)
    started = time.monotonic()
    assert asyncio.run(mw.process_request(Request("http://site.test/b"))) is None
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    asyncio.run(mw.process_request(Request("http://elsewhere.test/")))
    assert time.monotonic() - started < 0.1


# --- robots.txt Crawl-delay -----------------------------------------------------------


def test_site_crawl_delay_reads_the_detached_line() -> None:
    tandf_like = "User-agent: *\nDisallow: /action\n\nUser-agent: GPTBot\nDisallow: /\n\nCrawl-delay: 1\n"
    assert site_crawl_delay(tandf_like) == 1.0
    grouped = "User-agent: *\nCrawl-delay: 30\nDisallow: */search\n"
    assert site_crawl_delay(grouped) is None  # inside a group: the parser's business
    parser = SiteDelayRobotParser(grouped.encode(), None)
    assert parser.crawl_delay(USER_AGENT) == 30.0
    assert SiteDelayRobotParser(tandf_like.encode(), None).crawl_delay(USER_AGENT) == 1.0
    assert SiteDelayRobotParser(b"User-agent: *\nDisallow:\n", None).crawl_delay(USER_AGENT) is None


@pytest.mark.parametrize(
    ("name", "delay"),
    [
        ("Taylor_Francis", 1.0),
        ("Sage", 1.0),
        ("PLOS", 30.0),
        ("PeerJ", 2.0),
        ("eLife", 10.0),
        ("Springer", None),
    ],
)
def test_real_publisher_robots_delays(name: str, delay: float | None) -> None:
    try:
        body = (ROBOTS_DIR / f"{name}.robots.txt").read_bytes()
    except FileNotFoundError:
        pytest.skip(f"{ROBOTS_DIR} is absent")
    assert SiteDelayRobotParser(body, None).crawl_delay(USER_AGENT) == delay


def test_crawl_delay_is_a_floor_autothrottle_cannot_lower() -> None:
    crawler = crawler_with(
        {"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0.0, "AUTOTHROTTLE_MAX_DELAY": 60.0}
    )
    ext = RobotsCrawlDelay(crawler)
    slots = crawler.engine.downloader.slots
    request = Request("https://journals.plos.test/article?id=1")
    slots["journals.plos.test"] = Slot(concurrency=2, delay=0.0, jitter=0.5)
    parser = SiteDelayRobotParser(b"User-agent: *\nCrawl-delay: 30\n", None)
    ext.robots_parsed(parser, request)
    slot = slots["journals.plos.test"]
    assert slot.delay == 30.0 and slot.jitter == 0.0  # never below what the site asked

    throttle = AutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 60.0
    request.meta["download_slot"] = "journals.plos.test"
    fast = HtmlResponse(request.url, status=200, body=b"x", request=request)
    throttle._adjust_delay(slot, 0.01, fast)  # a fast site: AutoThrottle lowers the delay
    assert slot.delay < 30.0
    ext.enforce(request, response=fast)  # our handler runs after AutoThrottle's
    assert slot.delay == 30.0

    # The downloader forgets idle slots; a new one gets the floor on its first request.
    slots["journals.plos.test"] = Slot(concurrency=2, delay=0.0, jitter=0.5)
    ext.enforce(request)
    assert slots["journals.plos.test"].delay == 30.0
    # Other sites are untouched.
    slots["other.test"] = Slot(concurrency=2, delay=1.0, jitter=0.5)
    ext.enforce(Request("https://other.test/"))
    assert slots["other.test"].delay == 1.0


def test_extensions_are_ordered_after_autothrottle() -> None:
    from spiders import settings

    assert settings.EXTENSIONS["spiders.extensions.RobotsCrawlDelay"] > 0  # AutoThrottle is 0


# --- robots.txt: many requests waiting on one robots.txt ----------------------------------


def test_every_waiting_request_is_checked_against_robots() -> None:
    """Scrapy 2.19's middleware let the 3rd+ concurrent request through unchecked."""
    crawler = crawler_with()

    async def download_async(request: Request) -> TextResponse:
        await asyncio.sleep(0.05)  # robots.txt takes a moment: the others queue up
        return TextResponse(request.url, body=b"User-agent: *\nDisallow: /action\n", request=request)

    crawler.engine = SimpleNamespace(downloader=StubDownloader(), download_async=download_async)
    mw = RobotsTxtMiddleware(crawler)
    urls = ["http://site.test/ok"] + [f"http://site.test/action/{i}" for i in range(6)]

    async def check_all() -> list[Any]:
        return await asyncio.gather(*(mw.process_request(Request(u)) for u in urls), return_exceptions=True)

    outcomes = asyncio.run(check_all())
    assert outcomes[0] is None
    assert all(isinstance(o, IgnoreRequest) for o in outcomes[1:]), outcomes


def test_a_robots_txt_dropped_as_the_crawl_closes_lets_nothing_through() -> None:
    """The requests waiting for a robots.txt that the closing crawl dropped
    are not made: the rules are unknown (Scrapy reads such a failure as
    "no robots.txt": allow all).  They fail as "crawl closing", which the
    spider does not record as a fetch."""
    crawler = crawler_with()

    async def download_async(request: Request) -> TextResponse:
        await asyncio.sleep(0.05)
        raise IgnoreRequest(f"{CLOSING}: not sent")

    crawler.engine = SimpleNamespace(downloader=StubDownloader(), download_async=download_async)
    mw = RobotsTxtMiddleware(crawler)

    async def check_all() -> list[Any]:
        urls = [f"http://site.test/page/{i}" for i in range(3)]
        return await asyncio.gather(*(mw.process_request(Request(u)) for u in urls), return_exceptions=True)

    outcomes = asyncio.run(check_all())
    assert all(isinstance(o, IgnoreRequest) and str(o).startswith(CLOSING) for o in outcomes), outcomes
