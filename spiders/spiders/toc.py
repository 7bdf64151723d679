"""The `toc` spider: article DOIs from a journal issue's table of contents.

    scrapy crawl toc -a url=https://www.tandfonline.com/toc/talc20/38/4
    scrapy crawl toc -a url=https://www.tandfonline.com/toc/talc20/38/4 -a follow_issues=4 -a db=sqlite:///w.db

Reads Literatum / Atypon issue pages (``/toc/CODE/VOLUME/ISSUE``):

* articles: Taylor & Francis ``div.tocArticleEntry`` (title link
  ``a.ref[href^="/doi/full/"]``), Atypon ``div.issue-item`` (title link
  ``h5.issue-item__title a``); one DOI per entry, from its title link, else
  from its first ``/doi/`` link.  Links elsewhere on the page ("most read",
  "latest articles") are not this issue's and are ignored.
* other issues (``follow_issues=N``): T&F's issue list
  (``.loi-issues-scroller a[href^="/toc/"]``), Atypon's ``.loi`` lists and
  previous/next-issue buttons; only issues of the same journal on the same
  site, in page order (T&F lists the newest first), at most N of them.

Each DOI becomes a watched target (`spiders.discovery.TargetPipeline`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from spiders.discovery import DiscoveryMixin, doi_from_href, http_problem

ENTRIES = "div.tocArticleEntry, div.issue-item, div.articleEntry"
# Title links, most specific first; else any /doi/ link of the entry.
TITLE_LINKS = (
    "a.ref",
    "h5.issue-item__title a",
    ".issue-item__title a",
    "a.issue-item__title",
    ".art_title a",
    ".hlFld-Title a",
)
ISSUE_LISTS = (
    ".loi-issues-scroller a[href]",
    ".loi a[href]",
    ".loi__issue a[href]",
    ".content-navigation a[href]",
    "a.content-navigation__btn--pre",
    "a.content-navigation__btn--next",
)
_TOC_PATH = re.compile(r"^/toc/([^/]+)/([^/]+)/([^/]+)/?$")
_JOURNAL = re.compile(r"^/toc/([^/]+)")


def toc_dois(page: Selector) -> list[str]:
    """The article DOIs of an issue page, in page order (bare, lower-case)."""
    dois: list[str] = []
    for entry in page.css(ENTRIES):
        hrefs = [h for css in TITLE_LINKS for h in entry.css(f"{css}::attr(href)").getall()]
        hrefs += entry.css('a[href*="/doi/"]::attr(href)').getall()
        for href in hrefs:
            doi = doi_from_href(href)
            if doi:
                if doi not in dois:
                    dois.append(doi)
                break
    return dois


def journal_code(url: str) -> str | None:
    match = _JOURNAL.match(urlsplit(url).path)
    return match.group(1) if match else None


def issue_key(url: str) -> str:
    """An issue page's identity: host and path (no query, no trailing slash), lower-case."""
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/').lower()}"


def issue_links(page: Selector, base_url: str, code: str | None) -> list[str]:
    """Other issues of the same journal linked from an issue page (absolute, no query)."""
    hrefs = [h for css in ISSUE_LISTS for h in page.css(css).xpath("@href").getall()]
    if not hrefs:  # no known issue list: any link that looks like an issue of this journal
        hrefs = page.css("a[href]").xpath("@href").getall()
    host = urlsplit(base_url).hostname
    out: list[str] = []
    for href in hrefs:
        parts = urlsplit(urljoin(base_url, href.strip()))
        if parts.scheme not in ("http", "https") or parts.hostname != host:
            continue
        match = _TOC_PATH.match(parts.path)
        if not match or (code is not None and match.group(1) != code):
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if url not in out:
            out.append(url)
    return out


class TocSpider(DiscoveryMixin, scrapy.Spider):
    name = "toc"

    def __init__(
        self,
        url: str | None = None,
        follow_issues: str | int = 0,
        source: str | None = None,
        db: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not url or not re.match(r"^https?://[^/\s]+", url.strip(), re.IGNORECASE):
            raise ValueError("pass the issue page: -a url=https://www.tandfonline.com/toc/CODE/VOLUME/ISSUE")
        self.start_url = url.strip()
        self.follow_issues = int(follow_issues or 0)
        if self.follow_issues < 0:
            raise ValueError(f"follow_issues must be 0 or more, got {follow_issues!r}")
        self.setup_discovery(db, source or f"toc:{self.start_url}", None)
        self.issues_seen: set[str] = {issue_key(self.start_url)}
        self.followed = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            self.start_url, callback=self.parse_toc, errback=self.on_error, dont_filter=True, meta={"start": True}
        )

    def parse_toc(self, response: Response) -> Iterator[Any]:
        start = bool(response.meta.get("start"))
        if response.status >= 400 or not isinstance(response, TextResponse):
            problem = http_problem(response) if response.status >= 400 else f"{response.url} is not an HTML page"
            self.problem(problem, fatal=start)
            return
        self.report.pages += 1
        self.issues_seen.add(issue_key(response.url))  # where a redirect ("/current") led
        page = response.selector
        dois = toc_dois(page)
        if not dois:
            self.problem(
                f"no article entries (div.tocArticleEntry, div.issue-item) on {response.url}: "
                "is it an issue's table of contents?",
                fatal=start,
            )
        for doi in dois:
            item = self.emit(doi, response.url)
            if item is not None:
                yield item
        yield from self.more_issues(page, response.url)

    def more_issues(self, page: Selector, url: str) -> Iterable[scrapy.Request]:
        code = journal_code(url) or journal_code(self.start_url)
        for link in issue_links(page, url, code):
            if self.followed >= self.follow_issues:
                return
            key = issue_key(link)
            if key in self.issues_seen:
                continue
            self.issues_seen.add(key)
            self.followed += 1
            yield scrapy.Request(link, callback=self.parse_toc, errback=self.on_error)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        self.problem(self.download_error(failure), fatal=bool(request is not None and request.meta.get("start")))
