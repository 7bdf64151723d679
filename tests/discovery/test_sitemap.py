"""`paperwall discover sitemap`: a sitemap index, sitemaps and robots.txt written here, served on 127.0.0.1."""

from __future__ import annotations

import gzip
import re
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from scrapy.utils.sitemap import sitemap_urls_from_robots

from .conftest import (
    FAST,
    ROBOTS_DIR,
    Answer,
    Databases,
    LocalServer,
    html,
    need,
    ok,
    one_line_error,
    run_jobs,
    static_site,
    targets,
    text,
)

JOURNAL_A = [  # (loc, is an article)
    ("/doi/full/10.5555/pwa.2024.1", True),
    ("/doi/abs/10.5555/pwa.2024.2", True),
    ("/doi/10.5555/pwa.2024.3", True),
    ("/toc/pwa/12/1", False),
    ("/journal/pwa", False),
]
JOURNAL_B = [
    ("/doi/full/10.5555/pwb.2023.1", True),
    ("/doi/full/10.5555/pwb.2023.2", True),
    ("/action/showPublications", False),
]
PRIVATE = [("/doi/full/10.5555/hidden.1", True)]


def urlset(base: str, locs: list[tuple[str, bool]]) -> bytes:
    entries = "".join(f"<url><loc>{base}{loc}</loc><lastmod>2024-05-01</lastmod></url>" for loc, _ in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def sitemap_index(base: str, paths: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


def xml(body: bytes) -> Answer:
    return Answer(200, body, [("Content-Type", "application/xml")])


def site(base: str) -> dict[str, Answer]:
    """A publisher's sitemaps: robots.txt -> index -> two sitemaps (one gzipped) and a forbidden one."""
    return {
        "/robots.txt": text(
            "User-agent: *\nDisallow: /private/\n\n"
            f"Sitemap: {base}/sitemap_index.xml\n"
        ),
        "/sitemap_index.xml": xml(sitemap_index(
            base, ["/sitemaps/journal-a.xml", "/sitemaps/journal-b.xml.gz", "/private/sitemap-c.xml"]
        )),
        "/sitemaps/journal-a.xml": xml(urlset(base, JOURNAL_A)),
        "/sitemaps/journal-b.xml.gz": Answer(200, gzip.compress(urlset(base, JOURNAL_B)),
                                             [("Content-Type", "application/x-gzip")]),
        "/private/sitemap-c.xml": xml(urlset(base, PRIVATE)),
        "/about.xml": html("<html><body>not a sitemap</body></html>"),
    }


def articles(base: str, *groups: list[tuple[str, bool]]) -> set[str]:
    return {base + loc for group in groups for loc, article in group if article}


# --- the real robots.txt files ------------------------------------------------------------------


def test_the_sitemaps_real_robots_txt_files_name() -> None:
    """What `discover sitemap https://SITE/robots.txt` would follow, for the 18 publishers' real files."""
    folder = need(ROBOTS_DIR)
    named = {
        p.name.removesuffix(".robots.txt"): list(sitemap_urls_from_robots(p.read_bytes(), base_url="https://x/"))
        for p in folder.glob("*.robots.txt")
    }
    assert len(named) == 18
    assert named["Taylor_Francis"] == ["https://www.tandfonline.com/sitemap-index-1.xml"]
    assert all(re.match(r"^https?://", url) for urls in named.values() for url in urls)


# --- crawls --------------------------------------------------------------------------------------


@dataclass
class SitemapRuns:
    base: str
    dbs: dict[str, str]  # job name -> database URL
    server: LocalServer
    procs: dict[str, list[subprocess.CompletedProcess[str]]]


@pytest.fixture(scope="module")
def runs(all_dbs: dict[str, Databases]) -> Any:
    """Every crawl of this module at once: on SQLite, and the "robots" case on every backend."""
    pages: dict[str, Answer] = {}
    with ExitStack() as stack:
        server = stack.enter_context(LocalServer(static_site(pages)))
        base = server.url
        pages.update(site(base))
        dbs: dict[str, str] = {}
        jobs: dict[str, list[list[str]]] = {}
        # What touches the database runs on every backend: one crawl suffices (the pipeline is shared).
        for backend, makers in all_dbs.items():
            dbs[f"{backend}:robots"] = makers.create()
            jobs[f"{backend}:robots"] = [["sitemap", f"{base}/robots.txt", "--db", dbs[f"{backend}:robots"], *FAST]]
        for case in ("limit", "as_doi", "errors"):
            dbs[case] = all_dbs["sqlite"].create()
        jobs["limit"] = [[
            "sitemap", f"{base}/sitemap_index.xml", "--match", "/doi/(abs|full)/", "--limit", "2",
            "--follow", "journal-a", "--db", dbs["limit"], *FAST,
        ]]
        jobs["as_doi"] = [["sitemap", f"{base}/sitemaps/journal-a.xml", "--as-doi", "--source", "pwa",
                           "--db", dbs["as_doi"], *FAST]]
        jobs["missing"] = [["sitemap", f"{base}/sitemaps/gone.xml", "--db", dbs["errors"], *FAST]]
        jobs["not_a_sitemap"] = [["sitemap", f"{base}/about.xml", "--db", dbs["errors"], *FAST]]
        procs = run_jobs(jobs)
    return SitemapRuns(base, dbs, server, procs)


def test_robots_txt_leads_to_the_index_and_its_sitemaps(runs: SitemapRuns, backend: str) -> None:
    proc = runs.procs[f"{backend}:robots"][0]
    source = f"sitemap:{runs.base}/robots.txt"
    # robots.txt, the index, journal-a.xml and journal-b.xml.gz; the /private/ sitemap is forbidden.
    assert ok(proc).strip() == (
        f"found 5 targets: 5 newly added, 0 already watched (source {source!r}; 4 pages read)"
    )
    assert f"warning: not fetched, robots.txt forbids it: {runs.base}/private/sitemap-c.xml" in proc.stderr
    expected = articles(runs.base, JOURNAL_A, JOURNAL_B)
    assert targets(runs.dbs[f"{backend}:robots"]) == {url: ("url", source) for url in expected}
    assert "/private/sitemap-c.xml" not in {h.path for h in runs.server.log}


def test_match_follow_and_limit(runs: SitemapRuns) -> None:
    out = ok(runs.procs["limit"][0])
    assert out.strip().startswith("found 2 targets: 2 newly added, 0 already watched")
    assert "stopped: limit of 2 reached" in out
    stored = targets(runs.dbs["limit"])
    assert set(stored) == {runs.base + "/doi/full/10.5555/pwa.2024.1", runs.base + "/doi/abs/10.5555/pwa.2024.2"}


def test_as_doi_stores_the_dois(runs: SitemapRuns) -> None:
    out = ok(runs.procs["as_doi"][0])
    assert out.strip() == "found 3 targets: 3 newly added, 0 already watched (source 'pwa'; 1 page read)"
    assert targets(runs.dbs["as_doi"]) == {
        "10.5555/pwa.2024.1": ("doi", "pwa"),
        "10.5555/pwa.2024.2": ("doi", "pwa"),
        "10.5555/pwa.2024.3": ("doi", "pwa"),
    }


def test_errors_are_one_line(runs: SitemapRuns) -> None:
    assert one_line_error(runs.procs["missing"][0]) == f"{runs.base}/sitemaps/gone.xml answered HTTP 404"
    assert one_line_error(runs.procs["not_a_sitemap"][0]) == (
        f"{runs.base}/about.xml is not a sitemap (no <urlset> or <sitemapindex>)"
    )
