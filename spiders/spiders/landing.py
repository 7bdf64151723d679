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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.items import ArticleRecord, FetchResult
from spiders.pages import extract

# "10.1080/…", "doi:10.1080/…", "https://doi.org/10.1080/…", "http://dx.doi.org/10.1080/…"
_DOI = re.compile(
    r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE
)

# Related-list endpoints per platform: fn(record, response) -> URLs to fetch.
# Empty on purpose.  T&F's raw pages name their "People also read" /
# "Recommended" / "Cited by" widgets (`div.ajaxWidget[data-ajax-widget-id]`)
# but no URL to load them from, and the record has no field for endpoint URLs
# yet (`related_pending` only names the lists).  When the extractor exposes
# them, register a function here: its requests go through the downloader
# middlewares like any other, so RobotsTxtMiddleware drops disallowed ones
# (T&F disallows /doi/mlt/ and /action/).
RelatedEndpoints = Callable[[ArticleRecord, Response], Iterable[str]]
RELATED_ENDPOINTS: dict[str, RelatedEndpoints] = {}


def parse_target(text: str) -> tuple[str, str | None] | None:
    """(kind, value) for one target line: ("doi", bare DOI) or ("url", URL).

    None for blank lines, comments and anything that is neither.
    """
    text = text.strip()
    if not text or text.startswith("#"):
        return None
    match = _DOI.match(unquote(text) if text.lower().startswith("http") else text)
    if match:
        return "doi", match.group(1).rstrip(".,;")
    if re.match(r"^https?://\S+$", text, re.IGNORECASE):
        return "url", text
    return None


def read_targets(
    urls: str | Iterable[str] | None = None, file: str | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Targets from a list (or a comma-separated string) and/or a file (one per line).

    Returns ((kind, value) targets, rejected lines); duplicates are dropped, order kept.
    """
    lines: list[str] = []
    if isinstance(urls, str):
        lines.extend(urls.split(","))  # `-a urls=A,B`: a URL with a comma needs -a file=
    elif urls:
        lines.extend(urls)
    if file:
        lines.extend(Path(file).read_text(encoding="utf-8").splitlines())
    targets: list[tuple[str, str]] = []
    rejected: list[str] = []
    for line in lines:
        parsed = parse_target(line)
        if parsed is None:
            if line.strip() and not line.strip().startswith("#"):
                rejected.append(line.strip())
            continue
        if parsed not in targets:
            targets.append(parsed)  # type: ignore[arg-type]
    return targets, rejected


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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

    def resolver_url(self, doi: str) -> str:
        base = self.settings.get("PAPERWALL_DOI_RESOLVER") or "https://doi.org/"
        return base + quote(doi, safe="/:;()[]<>._-~")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for kind, value in self.targets:
            url = self.resolver_url(value) if kind == "doi" else value
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.on_error,
                dont_filter=True,  # each target is asked for, even if two resolve alike
                meta={"asked_url": url, "target": value.lower() if kind == "doi" else value},
            )

    # --- pages ---------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[FetchResult | scrapy.Request]:
        result = self.fetch_result(response)
        yield result
        if result.record is not None:
            yield from self.related_requests(response, result.record)

    def fetch_result(self, response: Response) -> FetchResult:
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
        try:
            result.record = extract(response.url, body, response.headers.to_unicode_dict(), response.status)
        except Exception as exc:  # noqa: BLE001 - a bad page must not stop the crawl
            self.logger.exception("extraction failed on %s", response.url)
            result.error = f"extraction failed: {type(exc).__name__}: {exc}"
        return result

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        """Download errors: DNS, timeout, refused, retries exhausted, robots.txt."""
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get("related_of"):
            self.logger.info("related endpoint %s not fetched: %s", request.url, failure.getErrorMessage())
            return
        if failure.check(IgnoreRequest):
            error = f"not fetched: {failure.getErrorMessage() or 'ignored'}"
        else:
            error = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("%s failed: %s", request.url, error)
        yield FetchResult(
            url=request.meta.get("asked_url", request.url),
            final_url=None,
            http_status=None,
            fetched_at=now_iso(),
            error=error,
            target=request.meta.get("target"),
        )

    # --- related-list endpoints (hook) -----------------------------------------

    def related_requests(self, response: Response, record: ArticleRecord) -> Iterator[scrapy.Request]:
        """Requests for the related-list endpoints this page names, if any.

        See `RELATED_ENDPOINTS`; never sets ``dont_obey_robotstxt``.
        """
        endpoints = RELATED_ENDPOINTS.get(record.platform)
        if endpoints is None or record.status != "article":
            return
        for url in endpoints(record, response):
            yield response.follow(
                url,
                callback=self.parse_related,
                errback=self.on_error,
                meta={"related_of": record.url, "asked_url": response.urljoin(url),
                      "target": response.meta.get("target")},
            )

    def parse_related(self, response: Response) -> Iterator[FetchResult]:
        """An endpoint's answer is stored as a fetch of its own URL; reading
        its links into the article's lists is the extractor's job once the
        record can carry them."""
        yield self.fetch_result(response)
