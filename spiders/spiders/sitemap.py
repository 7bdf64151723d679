"""The `sitemap` spider: article URLs from a publisher's sitemaps (Scrapy's SitemapSpider).

    scrapy crawl sitemap -a url=https://www.tandfonline.com/robots.txt -a limit=500
    scrapy crawl sitemap -a url=https://example.org/sitemap_index.xml -a match=/doi/abs/ -a follow=journal-x

``url`` is a sitemap, a sitemap index (its sitemaps are followed, those
matching ``follow`` when given) or a robots.txt (its ``Sitemap:`` lines are
followed).  Plain or gzipped.  Every ``<loc>`` of a urlset matching
``match`` (default ``/doi/``) becomes a watched target; the article pages
themselves are not fetched.  ``as_doi=1`` stores the DOI in a ``/doi/`` URL
instead of the URL (so the same article found by Crossref or a TOC is one
target).  ``limit=N`` stops after N distinct targets.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from spiders.discovery import DiscoveryMixin, doi_from_href, http_problem

DEFAULT_MATCH = r"/doi/"


class SitemapDiscoverySpider(DiscoveryMixin, SitemapSpider):
    name = "sitemap"

    def __init__(
        self,
        url: str | None = None,
        match: str | None = None,
        follow: str | None = None,
        limit: str | int | None = None,
        as_doi: str | bool = False,
        source: str | None = None,
        db: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not url or not re.match(r"^https?://[^/\s]+", url.strip(), re.IGNORECASE):
            raise ValueError("pass a sitemap, sitemap index or robots.txt URL: -a url=https://…/sitemap.xml")
        self.start_url = url.strip()
        # Read by SitemapSpider.__init__: compiled there (a bad regex raises re.error).
        self.sitemap_urls = [self.start_url]
        self.sitemap_rules = [(re.compile(match or DEFAULT_MATCH), "found")]
        self.sitemap_follow = [re.compile(follow)] if follow else [""]
        super().__init__(**kwargs)
        self.as_doi = str(as_doi).lower() in ("1", "true", "yes", "on")
        self.setup_discovery(db, source or f"sitemap:{self.start_url}", limit)
        self.sitemaps_read = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            self.start_url, callback=self._parse_sitemap, errback=self.on_error, dont_filter=True,
            meta={"start": True},
        )

    def _parse_sitemap(self, response: Response) -> Iterator[Any]:  # type: ignore[override]
        """SitemapSpider's walk, except that article URLs become targets instead of requests."""
        start = bool(response.meta.get("start"))
        if response.status >= 400:
            self.problem(http_problem(response), fatal=start)
            return
        is_robots = response.url.endswith("/robots.txt")
        if not is_robots:
            body = self._get_sitemap_body(response)
            kind = _sitemap_type(body)
            if kind not in ("sitemapindex", "urlset"):
                self.problem(f"{response.url} is not a sitemap (no <urlset> or <sitemapindex>)", fatal=start)
                return
        self.report.pages += 1
        followed = 0
        for request in super()._parse_sitemap(response):
            if request.callback == self._parse_sitemap:
                followed += 1
                yield request.replace(errback=self.on_error)
                continue
            value = request.url
            if self.as_doi:
                doi = doi_from_href(request.url)
                if doi is None:
                    continue
                value = doi
            item = self.emit(value, response.url)
            if item is not None:
                yield item
            if self.full:
                self.report.stopped = f"limit of {self.limit} reached"
                raise CloseSpider("limit reached")
        if is_robots and not followed:
            self.problem(f"{response.url} names no sitemap (no Sitemap: line)", fatal=start)

    def found(self, response: Response) -> None:
        """Never called: matching URLs are turned into targets, not fetched."""

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        self.problem(self.download_error(failure), fatal=bool(request is not None and request.meta.get("start")))


def _sitemap_type(body: bytes | None) -> str | None:
    if not body:
        return None
    try:
        return Sitemap(body).type
    except Exception:  # noqa: BLE001 - lxml's errors for what is not XML at all
        return None
