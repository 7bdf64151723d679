"""The revalidation step of a scheduled refresh: one cheap conditional GET per known page.

    python -m spiders.revalidate TARGETS --out DIR [--run-id N] [-s NAME=VALUE ...] [--time-limit S] [--progress]

Most pages of a refresh are unchanged.  Asking them through Scrapy costs
about a millisecond of CPU per request (its engine, middlewares, signals)
plus a second of start-up: a sixth of what reading the pages cost the first
time.  So a scheduled run first asks every target that has validators (the
ETag / Last-Modified of its last good fetch) from this small process:
aiohttp (already Scrapy's dependency), no Scrapy, no extractor.

* **304**: unchanged.  A ``not_modified`` fetch is stored, the same
  FetchResult the spider would write (`storage.writer.write_batch`); nothing
  is parsed and no article row is touched beyond ``last_seen``.
* **200**: changed.  The answer is kept in DIR and handed to the crawl that
  follows (`spiders.middlewares.PrefetchedResponses`), which parses and
  stores it: a changed page is never downloaded twice.
* **anything else** (4xx, 5xx, 429, a bot challenge, a network error, a
  robots.txt that cannot be read, too many redirects): the target is left to
  the crawl, which has Scrapy's retries, redirects, Retry-After and domain
  backoff, and this step asks that domain nothing more.

It keeps the crawl's manners, read from the crawl's own settings
(spiders/settings.py over Scrapy's defaults, then the run's ``-s``
overrides): robots.txt (Protego, like Scrapy, plus the site-wide
Crawl-delay), the User-Agent and default headers, no cookies,
CONCURRENT_REQUESTS, per-domain concurrency and delay with jitter (one
request per delay, as Scrapy's download slots), DOWNLOAD_SLOTS,
AutoThrottle's delay rule, DOWNLOAD_TIMEOUT, REDIRECT_MAX_TIMES, and the
domains the database says are backing off.

Output in DIR: ``rest.txt`` (the targets left to the crawl, one per line),
``prefetched.jsonl`` (one changed page per line, body in ``bodies/``),
``summary.json`` (the counts, and why the step stopped early if it did).
SIGTERM / SIGINT or ``--time-limit``: no new request starts; what was
answered is stored; the targets not reached are listed in neither file.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import logging
import os
import random
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from protego import Protego

from spiders.items import FetchResult
from spiders.robots import site_crawl_delay
from spiders.targets import asked_url, now_iso, read_targets, target_key
from storage.runs import domain_of

log = logging.getLogger("paperwall.revalidate")

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# A body is not needed for these answers, but reading it frees the connection for reuse.
_SMALL_BODY = 64 * 1024
# Headers of a prefetched page that describe the transfer, not the page: aiohttp
# has decoded the body already, Scrapy must not decode it again.
_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


# --- settings -------------------------------------------------------------------------------


# Scrapy's defaults for the settings this step reads and spiders/settings.py
# may leave unset (importing Scrapy to read them would cost 0.4 s of CPU; a
# test checks they still equal scrapy.settings.default_settings).
SCRAPY_DEFAULTS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "AUTOTHROTTLE_MAX_DELAY": 60.0,
    "AUTOTHROTTLE_START_DELAY": 5.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DEFAULT_REQUEST_HEADERS": {
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en",
    },
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0.5,
    "DOWNLOAD_MAXSIZE": 1024 * 1024 * 1024,
    "DOWNLOAD_SLOTS": {},
    "DOWNLOAD_TIMEOUT": 180,
    "HTTPPROXY_ENABLED": True,
    "LOG_LEVEL": "DEBUG",
    "REDIRECT_ENABLED": True,
    "REDIRECT_MAX_TIMES": 20,
    "ROBOTSTXT_OBEY": False,
    "ROBOTSTXT_USER_AGENT": None,
}


class Settings:
    """The crawl's settings, layered and read as Scrapy reads them."""

    def __init__(self, overrides: Mapping[str, Any] | None = None, project: str = "spiders.settings") -> None:
        module = importlib.import_module(project)
        self.values: dict[str, Any] = {
            **SCRAPY_DEFAULTS,
            **{k: getattr(module, k) for k in dir(module) if k.isupper()},
            **(overrides or {}),
        }

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def getbool(self, name: str, default: bool = False) -> bool:
        value = self.get(name, default)
        if value in ("True", "true"):
            return True
        if value in ("False", "false"):
            return False
        return bool(int(value))

    def getint(self, name: str, default: int = 0) -> int:
        return int(self.get(name, default))

    def getfloat(self, name: str, default: float = 0.0) -> float:
        return float(self.get(name, default))

    def getdict(self, name: str) -> dict[str, Any]:
        value = self.get(name, {})
        return dict(json.loads(value) if isinstance(value, str) else value)


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs (Scrapy's ``-s``) as a dict; a pair without ``=`` is an error."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"not NAME=VALUE: {pair!r}")
        out[name] = value
    return out


# --- a domain's turn --------------------------------------------------------------------------


class Slot:
    """A site's download slot: Scrapy's (at most `concurrency` requests at
    once, one new request per delay, the delay jittered) with AutoThrottle's
    rule applied after each answer and robots.txt's Crawl-delay as a floor."""

    def __init__(self, concurrency: int, delay: float, jitter: float, throttle: Throttle | None) -> None:
        self.delay, self.jitter, self.throttle = delay, jitter, throttle
        self.floor = 0.0
        self.last = float("-inf")
        self._free = asyncio.Semaphore(max(1, concurrency))
        self._gate = asyncio.Lock()

    def set_floor(self, seconds: float) -> None:
        self.floor = seconds
        self.delay = max(self.delay, seconds)
        self.jitter = 0.0  # under a Crawl-delay, wait what the site asked, never less

    def next_delay(self) -> float:
        if not self.jitter:
            return self.delay
        return max(0.0, self.delay * (1 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311

    async def acquire(self) -> None:
        await self._free.acquire()
        async with self._gate:
            wait = self.last + self.next_delay() - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.last = time.monotonic()

    def release(self, latency: float | None, status: int | None) -> None:
        self._free.release()
        if self.throttle is not None and latency is not None and status is not None:
            self.delay = max(self.floor, self.throttle.adjust(self.delay, latency, status))


@dataclass
class Throttle:
    """AutoThrottle's delay rule (scrapy.extensions.throttle), per answer."""

    min_delay: float
    max_delay: float
    target_concurrency: float

    def adjust(self, delay: float, latency: float, status: int) -> float:
        target = latency / self.target_concurrency
        new = min(max(self.min_delay, max(target, (delay + target) / 2.0)), self.max_delay)
        # Small non-200 answers (here: every 304) would only ever lower the delay.
        if status != 200 and new <= delay:
            return delay
        return new


# --- the step ------------------------------------------------------------------------------


@dataclass
class Target:
    kind: str
    value: str
    url: str  # what is asked: a DOI through the resolver
    etag: str | None
    modified: str | None

    @property
    def key(self) -> str:
        """The target as the writer matches it (`FetchResult.target`)."""
        return target_key(self.kind, self.value)


@dataclass
class Answer:
    url: str
    status: int
    headers: Any  # aiohttp's CIMultiDictProxy
    body: bytes
    latency: float


@dataclass
class Summary:
    asked: int = 0
    not_modified: int = 0
    changed: int = 0
    left: Counter[str] = field(default_factory=Counter)  # why targets were left to the crawl
    not_reached: int = 0
    stored: int = 0
    lost: int = 0
    stopped: str | None = None  # "signal" or "time limit" when the step ended early

    def line(self) -> str:
        why = ", ".join(f"{n} {reason}" for reason, n in self.left.most_common()) or "none"
        return (f"revalidated {self.asked} targets: {self.not_modified} not modified, {self.changed} changed "
                f"(handed to the crawl); left to the crawl: {why}; not reached: {self.not_reached}; "
                f"stored {self.stored} fetches")


class Revalidation:
    def __init__(
        self,
        settings: Settings,
        engine: Any,
        run_id: int | None,
        out: Path,
        *,
        backing_off: Iterable[str] = (),
        deadline: float | None = None,
        progress: bool = False,
    ) -> None:
        from storage.runs import RefreshPolicy

        self.settings, self.engine, self.run_id, self.out = settings, engine, run_id, out
        self.policy = RefreshPolicy.parse(settings.get("PAPERWALL_REFRESH_POLICY"))
        self.batch_size = max(1, settings.getint("PAPERWALL_BATCH_SIZE", 200))
        self.user_agent = settings.get("USER_AGENT")
        self.robots_agent = settings.get("ROBOTSTXT_USER_AGENT") or self.user_agent
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        self.max_crawl_delay = settings.getfloat("ROBOTSTXT_MAX_CRAWL_DELAY", 120.0)
        self.max_hops = settings.getint("REDIRECT_MAX_TIMES", 20) if settings.getbool("REDIRECT_ENABLED", True) else 0
        self.max_size = settings.getint("DOWNLOAD_MAXSIZE")
        self.headers = {str(k): str(v) for k, v in settings.getdict("DEFAULT_REQUEST_HEADERS").items()}
        self.headers["User-Agent"] = self.user_agent
        self.slot_settings = settings.getdict("DOWNLOAD_SLOTS")
        self.throttle = (
            Throttle(settings.getfloat("DOWNLOAD_DELAY"), settings.getfloat("AUTOTHROTTLE_MAX_DELAY"),
                     settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY"))
            if settings.getbool("AUTOTHROTTLE_ENABLED") else None
        )
        delay = settings.getfloat("DOWNLOAD_DELAY")
        self.start_delay = max(delay, settings.getfloat("AUTOTHROTTLE_START_DELAY")) if self.throttle else delay
        self.jitter = settings.getfloat("DOWNLOAD_DELAY_JITTER", 0.5)
        self.backing_off = set(backing_off)
        # The proxies Scrapy's HttpProxyMiddleware would use (http_proxy, https_proxy, no_proxy).
        self.proxies = _proxies() if settings.getbool("HTTPPROXY_ENABLED", True) else {}
        self.deadline = deadline
        self.progress = progress
        self.slots: dict[str, Slot] = {}
        self.robots: dict[str, asyncio.Future[Protego | None | str]] = {}
        self.given_up: dict[str, str] = {}  # domain -> why this step asks it nothing more
        # A site whose pages mostly changed gains nothing from this step, and
        # every changed page waits on disk for the crawl: past
        # PAPERWALL_REVALIDATE_CHANGED answers, a site with more 200s than
        # 304s is left to the crawl; past PAPERWALL_REVALIDATE_SPOOL_MB of
        # pages kept, every site is.
        self.changed_min = settings.getint("PAPERWALL_REVALIDATE_CHANGED", 20)
        self.spool_limit = settings.getfloat("PAPERWALL_REVALIDATE_SPOOL_MB", 256) * 1024 * 1024
        self.spooled = 0
        self.spool_full = False
        self.answers: dict[str, Counter[int]] = {}  # domain -> 200s and 304s
        self.rest: list[str] = []
        self.prefetched: list[dict[str, Any]] = []
        self.summary = Summary()
        self.stopping = asyncio.Event()
        self._results: list[FetchResult] = []
        self._writes: asyncio.Task[None] | None = None
        self._bar: Any = None

    # --- running -------------------------------------------------------------

    async def run(self, targets: list[Target]) -> Summary:
        self.summary.asked += len(targets)
        (self.out / "bodies").mkdir(parents=True, exist_ok=True)
        if self.progress:
            from tqdm import tqdm

            self._bar = tqdm(total=len(targets), unit="page", desc="revalidate", file=sys.stderr,
                             dynamic_ncols=True)
        timeout = aiohttp.ClientTimeout(total=self.settings.getfloat("DOWNLOAD_TIMEOUT", 180))
        connector = aiohttp.TCPConnector(limit=self.settings.getint("CONCURRENT_REQUESTS", 16), limit_per_host=0)
        self.total = asyncio.Semaphore(self.settings.getint("CONCURRENT_REQUESTS", 16))
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), headers=self.headers
        ) as self.session:
            # One queue per first site, drained by as many workers as that
            # site's slot allows, so a slow site does not hold the others up.
            queues: dict[str, deque[Target]] = {}
            for target in targets:
                queues.setdefault(urlsplit(target.url).hostname or "", deque()).append(target)
            workers = [
                self._worker(queue)
                for host, queue in queues.items()
                for _ in range(self._concurrency(host))
            ]
            await asyncio.gather(*workers)
        await self._flush()
        if self._writes is not None:
            await self._writes
        if self._bar is not None:
            self._bar.close()
        self._save()
        return self.summary

    async def _worker(self, queue: deque[Target]) -> None:
        while queue:
            target = queue.popleft()
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.stop("time limit")
            if self.stopping.is_set():
                self.summary.not_reached += 1
                continue
            if self.spool_full:
                self.leave(target, "changed pages kept up to the limit")
                continue
            try:
                await self.check(target)
            except Exception as exc:  # noqa: BLE001 - one target's surprise is the crawl's to handle
                log.warning("%s: %s: %s; left to the crawl", target.url, type(exc).__name__, exc)
                self.leave(target, "unexpected errors")
            if self._bar is not None:
                self._bar.update(1)

    def stop(self, why: str = "signal") -> None:
        if not self.stopping.is_set():
            self.summary.stopped = why
            log.info("stopping (%s): no new requests; storing what was answered", why)
        self.stopping.set()

    # --- one target ----------------------------------------------------------

    async def check(self, target: Target) -> None:
        headers = {}
        if target.etag:
            headers["If-None-Match"] = target.etag
        if target.modified:
            headers["If-Modified-Since"] = target.modified
        url = target.url
        for _hop in range(self.max_hops + 1):
            domain = domain_of(url) or ""
            if domain in self.backing_off:
                return self.leave(target, "domain backing off")
            if domain in self.given_up:
                return self.leave(target, "domain left to the crawl")
            if self.obey_robots:
                allowed = await self.allowed(url)
                if allowed is None:
                    return self.leave(target, "robots.txt unreadable")
                if not allowed:
                    return self.leave(target, "forbidden by robots.txt")
            try:
                answer = await self.fetch(url, headers)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                self.give_up(domain, f"{type(exc).__name__}: {exc}".rstrip(": "))
                return self.leave(target, "network errors")
            if answer.status in (200, 304):
                self.judge_changes(domain, answer.status)
            if answer.status == 304:
                return self.not_modified(target, answer)
            if answer.status == 200:
                if not (answer.headers.get("ETag") or answer.headers.get("Last-Modified")):
                    # A page that had validators and now comes without: the site
                    # answers differently (a bot challenge, a maintenance page).
                    self.give_up(domain, "a page without validators")
                return self.changed(target, answer)
            location = answer.headers.get("Location")
            if answer.status in REDIRECTS and location:
                url = urljoin(url, location)
                continue
            self.give_up(domain, f"HTTP {answer.status}")
            return self.leave(target, f"HTTP {answer.status}")
        return self.leave(target, "too many redirects")

    async def fetch(self, url: str, headers: Mapping[str, str]) -> Answer:
        slot = self.slot(url)
        await slot.acquire()
        status = latency = None
        try:
            async with self.total:
                started = time.monotonic()
                async with self.session.get(url, headers=headers, allow_redirects=False,
                                            proxy=self.proxy_for(url)) as response:
                    status = response.status
                    limit = self.max_size if status == 200 else _SMALL_BODY
                    if response.content_length is not None and limit and response.content_length > limit:
                        raise ValueError(f"answer larger than {limit} bytes")
                    body = await response.read()
                    latency = time.monotonic() - started
                    return Answer(str(response.url), status, response.headers, body, latency)
        finally:
            slot.release(latency, status)

    def not_modified(self, target: Target, answer: Answer) -> None:
        """The spider's `LandingSpider.not_modified`, for an answer of this step."""
        self.summary.not_modified += 1
        self._results.append(FetchResult(
            url=target.url,
            final_url=answer.url,
            http_status=304,
            fetched_at=now_iso(),
            elapsed_ms=round(answer.latency * 1000, 1),
            bytes=len(answer.body),
            # The validators stay those of the stored page (a 304 may repeat them).
            etag=answer.headers.get("ETag") or target.etag,
            last_modified=answer.headers.get("Last-Modified") or target.modified,
            target=target.key,
        ))
        if len(self._results) >= self.batch_size:
            self._queue_write()

    def judge_changes(self, domain: str, status: int) -> None:
        seen = self.answers.setdefault(domain, Counter())
        seen[status] += 1
        if seen[200] + seen[304] >= self.changed_min and seen[200] > seen[304]:
            self.give_up(domain, f"{seen[200]} changed pages of {seen[200] + seen[304]}: mostly changed")

    def changed(self, target: Target, answer: Answer) -> None:
        self.summary.changed += 1
        name = f"bodies/{len(self.prefetched)}"
        (self.out / name).write_bytes(answer.body)
        self.spooled += len(answer.body)
        if self.spooled > self.spool_limit and not self.spool_full:
            log.info("%.0f MB of changed pages kept: the other targets are left to the crawl",
                     self.spooled / 1024 / 1024)
            self.spool_full = True
        self.prefetched.append({
            "url": target.url,
            "final_url": answer.url,
            "status": answer.status,
            "headers": [[k, v] for k, v in answer.headers.items() if k.lower() not in _TRANSFER_HEADERS],
            "body": name,
            "latency": answer.latency,
        })
        self.rest.append(target.value)

    def leave(self, target: Target, why: str) -> None:
        self.summary.left[why] += 1
        self.rest.append(target.value)

    def give_up(self, domain: str, why: str) -> None:
        if domain not in self.given_up:
            self.given_up[domain] = why
            log.info("domain %s answered %s: its other targets are left to the crawl", domain, why)

    # --- politeness ----------------------------------------------------------

    def proxy_for(self, url: str) -> str | None:
        if not self.proxies:
            return None
        parts = urlsplit(url)
        proxy = self.proxies.get(parts.scheme)
        if proxy and parts.hostname and _bypass(parts.hostname):
            return None
        return proxy

    def _concurrency(self, host: str) -> int:
        own = self.slot_settings.get(host, {})
        return int(own.get("concurrency", self.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)))

    def slot(self, url: str) -> Slot:
        host = urlsplit(url).hostname or ""
        slot = self.slots.get(host)
        if slot is None:
            own = self.slot_settings.get(host, {})
            slot = Slot(
                self._concurrency(host),
                float(own.get("delay", self.start_delay)),
                float(own.get("jitter", self.jitter)),
                self.throttle,
            )
            self.slots[host] = slot
        return slot

    async def allowed(self, url: str) -> bool | None:
        """Whether robots.txt lets us ask `url`; None when it could not be read."""
        parts = urlsplit(url)
        netloc = f"{parts.scheme}://{parts.netloc}"
        pending = self.robots.get(netloc)
        if pending is None:
            pending = self.robots[netloc] = asyncio.ensure_future(self._read_robots(netloc))
        parser = await pending
        if isinstance(parser, str):
            return None
        return True if parser is None else parser.can_fetch(url, self.robots_agent)

    async def _read_robots(self, netloc: str) -> Protego | None | str:
        """The site's rules (None: no robots.txt, all allowed), or why they are unknown."""
        url = netloc + "/robots.txt"
        try:
            answer = await self.fetch(url, {})
            for _hop in range(5):  # robots.txt often redirects (http -> https, a www host)
                location = answer.headers.get("Location")
                if answer.status not in REDIRECTS or not location:
                    break
                url = urljoin(url, location)
                answer = await self.fetch(url, {})
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        if 400 <= answer.status < 500:
            return None  # no robots.txt: everything is allowed (RFC 9309)
        if answer.status != 200:
            return f"robots.txt answered HTTP {answer.status}"
        text = answer.body.decode("utf-8", errors="ignore")
        parser = Protego.parse(text)
        delay = parser.crawl_delay(self.robots_agent)
        if delay is None:
            delay = site_crawl_delay(text)
        if delay and delay > 0:
            self.slot(netloc + "/").set_floor(min(float(delay), self.max_crawl_delay))
        return parser

    # --- storing -------------------------------------------------------------

    def _queue_write(self) -> None:
        batch, self._results = self._results, []
        previous = self._writes

        async def write() -> None:
            if previous is not None:
                await previous  # one batch at a time, in order
            await asyncio.to_thread(self._write, batch)

        self._writes = asyncio.ensure_future(write())

    async def _flush(self) -> None:
        if self._results:
            self._queue_write()

    def _write(self, batch: list[FetchResult]) -> None:
        from storage.writer import write_batch

        try:
            stats = write_batch(self.engine, batch, self.run_id, self.policy)
        except Exception:  # noqa: BLE001 - the targets stay due; the next run asks again
            self.summary.lost += len(batch)
            log.exception("could not store %d not-modified fetches", len(batch))
            return
        self.summary.stored += stats.fetches

    def _save(self) -> None:
        (self.out / "rest.txt").write_text("".join(line + "\n" for line in self.rest), encoding="utf-8")
        with open(self.out / "prefetched.jsonl", "w", encoding="utf-8") as f:
            for entry in self.prefetched:
                f.write(json.dumps(entry) + "\n")
        s = self.summary
        (self.out / "summary.json").write_text(json.dumps({
            "asked": s.asked, "not_modified": s.not_modified, "changed": s.changed, "left": dict(s.left),
            "not_reached": s.not_reached, "stored": s.stored, "lost": s.lost, "stopped": s.stopped,
        }), encoding="utf-8")


def _proxies() -> dict[str, str]:
    # urllib.request costs 30 ms to import: only when a proxy is configured.
    if not any(k.lower().endswith("_proxy") for k in os.environ):
        return {}
    import urllib.request

    return urllib.request.getproxies()


def _bypass(host: str) -> bool:
    import urllib.request

    return bool(urllib.request.proxy_bypass(host))


# --- the process ---------------------------------------------------------------------------


def load_targets(engine: Any, lines_file: Path, resolver: str | None) -> tuple[list[Target], list[str]]:
    """(targets with validators, target lines without): the list a scheduled run wrote."""
    from storage.runs import validators_for

    parsed, _rejected = read_targets(file=str(lines_file))
    urls = [asked_url(kind, value, resolver) for kind, value in parsed]
    validators = validators_for(engine, urls, [value for _, value in parsed])
    targets, plain = [], []
    for (kind, value), url in zip(parsed, urls, strict=True):
        etag, modified = validators.get(url, (None, None))
        if etag or modified:
            targets.append(Target(kind, value, url, etag, modified))
        else:
            plain.append(value)
    return targets, plain


async def revalidate(
    db_url: str,
    targets_file: Path,
    out: Path,
    settings: Settings,
    run_id: int | None = None,
    time_limit: float | None = None,
    progress: bool = False,
) -> Summary:
    from storage.db import make_engine
    from storage.runs import backing_off

    engine = make_engine(db_url)
    # What the imports left behind is not garbage; without this the collector
    # rescans it over and over while each request allocates (~0.2 ms a page).
    gc.freeze()
    gc.set_threshold(max(gc.get_threshold()[0], 5000), *gc.get_threshold()[1:])
    try:
        targets, plain = await asyncio.to_thread(
            load_targets, engine, targets_file, settings.get("PAPERWALL_DOI_RESOLVER")
        )
        blocked = set(await asyncio.to_thread(backing_off, engine)) if settings.getbool(
            "PAPERWALL_DOMAIN_BACKOFF", True) else set()
        deadline = time.monotonic() + time_limit if time_limit else None
        step = Revalidation(settings, engine, run_id, out, backing_off=blocked, deadline=deadline, progress=progress)
        step.rest.extend(plain)
        step.summary.left["no validators"] += len(plain)
        step.summary.asked += len(plain)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, step.stop, "signal")
        return await step.run(targets)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.revalidate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", type=Path, help="the run's target list (one URL or DOI per line)")
    parser.add_argument("--out", type=Path, required=True, help="directory for rest.txt and prefetched.jsonl")
    parser.add_argument("--db", default=None, help="database URL [default: $PAPERWALL_DB or ./paperwall.db]")
    parser.add_argument("--run-id", type=int, default=None, help="the crawl_runs row the fetches belong to")
    parser.add_argument("-s", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                        help="a crawl setting, as `scrapy crawl -s`")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds after which no request starts")
    parser.add_argument("--progress", action="store_true", help="a progress bar on stderr")
    args = parser.parse_args(argv)
    settings = Settings(parse_overrides(args.overrides))
    logging.basicConfig(level=settings.get("LOG_LEVEL", "INFO"), stream=sys.stderr,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    from storage.db import default_url

    db_url = args.db or os.environ.get("PAPERWALL_DB") or settings.get("PAPERWALL_DB") or default_url()
    summary = asyncio.run(revalidate(db_url, args.targets, args.out, settings, args.run_id, args.time_limit,
                                     args.progress))
    log.info("%s", summary.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
