"""The landing spider's own logic: targets, FetchResults, errors, the related-list hook."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from paperwall.demo import render
from spiders.items import ArticleRecord, FetchResult
from spiders.spiders import landing
from spiders.spiders.landing import LandingSpider, parse_target, read_targets

REPO = Path(__file__).resolve().parents[2]

DOI = "10.5555/pwim.2023.2170001"


def spider(**kwargs: str) -> LandingSpider:
    crawler = get_crawler(LandingSpider, {"PAPERWALL_DOI_RESOLVER": "https://doi.org/"})
    return LandingSpider.from_crawler(crawler, **kwargs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1080/00268976.2013.788745", ("doi", "10.1080/00268976.2013.788745")),
        ("doi:10.1080/00268976.2013.788745", ("doi", "10.1080/00268976.2013.788745")),
        ("DOI: 10.1080/X.1", ("doi", "10.1080/X.1")),
        ("https://doi.org/10.1080/00268976.2013.788745", ("doi", "10.1080/00268976.2013.788745")),
        ("http://dx.doi.org/10.1002%2Fanie.201", ("doi", "10.1002/anie.201")),
        ("https://www.tandfonline.com/doi/full/10.1080/x", ("url", "https://www.tandfonline.com/doi/full/10.1080/x")),
        ("  # a comment", None),
        ("", None),
        ("ftp://example.org/x", None),
        ("not a target", None),
    ],
)
def test_parse_target(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_target(text) == expected


def test_read_targets_from_list_string_and_file(tmp_path: Path) -> None:
    listing = tmp_path / "targets.txt"
    listing.write_text(f"# watched\n{DOI}\n\nhttps://example.org/a\nrubbish\ndoi:{DOI}\n", encoding="utf-8")
    targets, rejected = read_targets("https://example.org/b,10.1234/x,10.1/x", str(listing))
    assert targets == [("url", "https://example.org/b"), ("doi", "10.1234/x"), ("doi", DOI), ("url", "https://example.org/a")]
    assert rejected == ["10.1/x", "rubbish"]
    assert read_targets(["https://example.org/a,b"])[0] == [("url", "https://example.org/a,b")]
    # One per line (what a Scrapyd job is sent): a comma stays in its URL.
    assert read_targets("https://example.org/a,b\n10.1234/x\n")[0] == [
        ("url", "https://example.org/a,b"), ("doi", "10.1234/x")
    ]


def test_spider_requests_resolve_dois_and_keep_the_target() -> None:
    s = spider(urls=f"doi:{DOI},https://example.org/a", run_id="7", db="sqlite:///x.db")
    assert (s.run_id, s.db) == (7, "sqlite:///x.db")

    async def collect() -> list[Request]:
        return [r async for r in s.start()]

    import asyncio

    first, second = asyncio.run(collect())
    assert first.url == f"https://doi.org/{DOI}" and first.meta["target"] == DOI
    assert first.meta["asked_url"] == first.url and first.errback == s.on_error
    assert second.url == "https://example.org/a" and second.meta["target"] == "https://example.org/a"


def test_spider_without_targets_says_so() -> None:
    with pytest.raises(ValueError, match="no targets"):
        spider(urls="rubbish")


def landing_response(body: bytes, status: int = 200) -> HtmlResponse:
    request = Request(f"http://127.0.0.1:9/doi/abs/{DOI}",
                      meta={"asked_url": f"https://doi.org/{DOI}", "target": DOI, "download_latency": 0.0123})
    return HtmlResponse(request.url, status=status, body=body, request=request,
                        headers={"ETag": '"abc"', "Last-Modified": "Mon, 04 Mar 2024 10:00:00 GMT",
                                 "Content-Type": "text/html; charset=UTF-8"})


def test_fetch_result_fields() -> None:
    body = render.render_article(DOI) or b""
    result, _ = spider(urls=DOI).fetch_result(landing_response(body))
    assert result.url == f"https://doi.org/{DOI}"
    assert result.final_url == f"http://127.0.0.1:9/doi/abs/{DOI}"
    assert (result.http_status, result.bytes, result.elapsed_ms) == (200, len(body), 12.3)
    assert result.content_hash == hashlib.sha256(body).hexdigest()
    assert (result.etag, result.last_modified) == ('"abc"', "Mon, 04 Mar 2024 10:00:00 GMT")
    assert result.target == DOI and result.error is None
    assert result.fetched_at.endswith("+00:00")
    record = result.record
    assert record is not None and record.status == "article" and record.doi == DOI
    assert [(o.price, o.currency) for o in record.offers][:2] == [("55.00", "USD"), ("960.00", "USD")]


def test_extraction_error_becomes_an_error_result(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> ArticleRecord:
        raise RuntimeError("boom")

    monkeypatch.setattr(landing, "read_page", broken)
    result, _ = spider(urls=DOI).fetch_result(landing_response(b"<html></html>"))
    assert result.record is None and result.error == "extraction failed: RuntimeError: boom"
    assert result.http_status == 200


def test_download_errors_become_results_without_record() -> None:
    s = spider(urls=DOI)
    request = Request("http://127.0.0.1:9/x", meta={"asked_url": "http://127.0.0.1:9/x", "target": "t"})
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = request  # type: ignore[attr-defined]
    (result,) = list(s.on_error(failure))
    assert isinstance(result, FetchResult) and result.record is None and result.http_status is None
    assert "ConnectionRefusedError" in (result.error or "") and result.target == "t"

    robots = Failure(IgnoreRequest("Forbidden by robots.txt"))
    robots.request = request  # type: ignore[attr-defined]
    (result,) = list(s.on_error(robots))
    assert result.error == "not fetched: Forbidden by robots.txt"


ATYPON_PAGE = REPO / "tests/fixtures/spiders.pages.atypon.PnasArticlePage/pnas-oa/inputs/HttpResponse-body.html"
ATYPON_URL = "https://www.pnas.org/doi/10.5555/pnas.2599990002"
CITED_BY_WIDGET = b"""<ol class="cited-by__list">
<li class="cited-by__entry"><span class="cited-by__entry__title">First citing paper,</span>
 <a href="https://doi.org/10.5555/cite.1" class="cited-by__entry__doi">https://doi.org/10.5555/cite.1</a></li>
<li class="cited-by__entry"><span class="cited-by__entry__title">Second citing paper,</span>
 <a href="https://doi.org/10.5555/cite.2" class="cited-by__entry__doi">https://doi.org/10.5555/cite.2</a></li>
<li class="cited-by__entry"><span class="cited-by__entry__title">Third citing paper,</span>
 <a href="https://doi.org/10.5555/cite.3" class="cited-by__entry__doi">https://doi.org/10.5555/cite.3</a></li>
</ol>"""


def page_requests(s: LandingSpider, url: str = ATYPON_URL, page: Path = ATYPON_PAGE) -> list[Any]:
    """What the spider yields for the fixture page `page` served at `url`."""
    request = Request(url, meta={"asked_url": url, "target": url})
    response = HtmlResponse(url, body=page.read_bytes(), request=request,
                            headers={"Content-Type": "text/html; charset=UTF-8"})
    return list(s.parse(response))


def test_related_endpoint_fills_the_list_before_the_result_is_handed_on() -> None:
    """A page that loads its cited-by list from a widget URL: the list is
    fetched (an ordinary request: robots.txt applies) and read into the record."""
    s = spider(urls=ATYPON_URL)
    (req,) = page_requests(s)  # no FetchResult yet: it waits for its list
    assert req.url.startswith("https://www.pnas.org/pb/widgets/citedBy?")
    assert req.callback == s.parse_related and not req.meta.get("dont_obey_robotstxt")
    widget = HtmlResponse(req.url, body=CITED_BY_WIDGET, request=req)
    (result,) = list(s.parse_related(widget))
    cited = [(r.rank, r.title, r.doi) for r in result.record.related if r.list == "cited_by"]
    assert cited == [(1, "First citing paper", "10.5555/cite.1"), (2, "Second citing paper", "10.5555/cite.2"),
                     (3, "Third citing paper", "10.5555/cite.3")]
    assert "cited_by" not in result.record.related_pending


def test_related_endpoint_refused_by_robots_keeps_what_the_page_showed() -> None:
    s = spider(urls=ATYPON_URL)
    (req,) = page_requests(s)
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = req  # type: ignore[attr-defined]
    (result,) = list(s.on_error(failure))
    assert isinstance(result, FetchResult) and result.record.status == "article"
    # The page's own two cited-by entries stay as shown; nothing is invented.
    assert [r.doi for r in result.record.related if r.list == "cited_by"] == ["10.5555/reef.2026.1",
                                                                             "10.5555/pnas.2699990003"]


PNAS_PURCHASE = REPO / "tests/fixtures/spiders.pages.atypon.PnasArticlePage/pnas-purchase/inputs/HttpResponse-body.html"
PNAS_PURCHASE_URL = "https://www.pnas.org/doi/abs/10.5555/pnas.2599990001"
# What /pb/widgets/fullSideBarMetric/getResponse answers: the markup the page
# serves inside .sidebar-metric-container, with the figures of the day.
METRICS_WIDGET = b"""<div class="sidebar-metric sidebar-metrics"><div class="sidebar-metric__content-section">
<ul class="metrics-nav metrics-rlist"><li class="metrics-nav__item metrics-nav__item--download">
<span class="metrics-nav__item-link metrics-nav__item-link--download" data-title="download"><span class="nav-text">Views</span></span></li>
<li class="metrics-nav__item metrics-nav__item--citation"><span class="metrics-nav__item-link metrics-nav__item-link--citation"
 data-title="citation"><span class="nav-text">Citations</span></span></li></ul>
<div class="metrics-total"><div class="metrics-total__item metrics-total__item--download " title="Total Views">
<span class="metrics-total__item-text" data-count="3104">3,104</span></div>
<div class="metrics-total__item metrics-total__item--citation " title="Total Citations">
<span class="metrics-total__item-text" data-count="4">4</span></div></div></div></div>"""


def pnas_purchase_requests(s: LandingSpider) -> list[Any]:
    return page_requests(s, PNAS_PURCHASE_URL, PNAS_PURCHASE)


def test_metrics_widget_gives_the_figures_a_visitor_sees() -> None:
    """The page was served with 2,871 views and no citation data; its metrics
    widget, as the page's script loads it, has today's figures."""
    s = spider(urls=PNAS_PURCHASE_URL)
    (req,) = pnas_purchase_requests(s)
    assert req.url.startswith("https://www.pnas.org/pb/widgets/fullSideBarMetric/getResponse?")
    assert req.callback == s.parse_related and not req.meta.get("dont_obey_robotstxt")
    (result,) = list(s.parse_related(HtmlResponse(req.url, body=METRICS_WIDGET, request=req)))
    assert (result.record.metrics.views, result.record.metrics.citations) == (3104, 4)
    assert result.record.metrics.altmetric == 17  # the widget has no badge: the page's stays


def test_metrics_widget_without_figures_keeps_what_the_page_showed() -> None:
    for body, status in [(b"", 200), (METRICS_WIDGET.replace(b"3,104", b"3.1k"), 200), (METRICS_WIDGET, 500)]:
        s = spider(urls=PNAS_PURCHASE_URL)
        (req,) = pnas_purchase_requests(s)
        (result,) = list(s.parse_related(HtmlResponse(req.url, body=body, status=status, request=req)))
        metrics = result.record.metrics
        assert metrics.views == 2871 and metrics.altmetric == 17, body[:20]
        if b"3.1k" in body:
            assert metrics.citations == 4
            assert any("'3.1k' is not an exact number" in w for w in result.record.warnings)
        else:
            assert metrics.citations is None
    # Refused by robots.txt (Science and ACM disallow /pb/widgets): the page's figures.
    s = spider(urls=PNAS_PURCHASE_URL)
    (req,) = pnas_purchase_requests(s)
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = req  # type: ignore[attr-defined]
    (result,) = list(s.on_error(failure))
    assert (result.record.metrics.views, result.record.metrics.citations) == (2871, None)


def test_no_related_requests_for_pages_that_name_no_endpoint() -> None:
    s = spider(urls=DOI)
    out = list(s.parse(landing_response(render.render_article(DOI) or b"")))
    assert len(out) == 1


def test_held_pages_are_released_once() -> None:
    s = spider(urls=PNAS_PURCHASE_URL)
    (req,) = pnas_purchase_requests(s)
    assert req.dont_filter  # the same page twice in a crawl names the same widget URL
    (held,) = s.held_results()  # the crawl closes before the widget answers
    assert held.record.metrics.views == 2871
    assert s.held_results() == []
    # A late answer hands nothing on a second time.
    assert list(s.parse_related(HtmlResponse(req.url, body=METRICS_WIDGET, request=req))) == []
