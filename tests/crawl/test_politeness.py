"""Politeness against a live server: robots.txt Crawl-delay holds under AutoThrottle."""

from __future__ import annotations

from pathlib import Path

from paperwall.demo.server import DemoServer

from .conftest import scrapy_crawl


def test_robots_crawl_delay_spaces_requests(tmp_path: Path) -> None:
    with DemoServer(crawl_delay=1) as server:
        targets = server.target_urls()[:3]
        # No delay of our own and AutoThrottle starting at 0: only robots.txt slows us.
        scrapy_crawl(targets, tmp_path / "c.db", {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": True,
                                                  "AUTOTHROTTLE_START_DELAY": 0, "LOG_LEVEL": "INFO"})
        log = list(server.requests)
    assert log[0].path == "/robots.txt"
    pages = [r for r in log if r.path.startswith("/doi/")]
    assert len(pages) == 3
    gaps = [b.at - a.at for a, b in zip(log, log[1:])]
    assert min(gaps) >= 0.95, gaps  # never faster than the Crawl-delay of 1 s, jitter included
