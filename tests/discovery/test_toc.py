"""`paperwall discover toc`: the real T&F issue page (and Atypon-style issues) served on 127.0.0.1."""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from parsel import Selector

from click.testing import CliRunner

from paperwall.cli import main
from spiders.spiders.toc import issue_links, toc_dois

from .conftest import (
    FAST,
    ROBOTS_DIR,
    TOC_PAGE,
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

# Alcheringa 38(4): the 13 article entries of the saved page, in page order
# (read from its div.tocArticleEntry a.ref links; the page's other /doi/
# links, "most read" and the like, are not this issue's).
ISSUE_38_4 = [
    "10.1080/03115518.2014.966594",
    "10.1080/03115518.2014.894809",
    "10.1080/03115518.2014.906167",
    "10.1080/03115518.2014.908267",
    "10.1080/03115518.2014.908268",
    "10.1080/03115518.2014.911642",
    "10.1080/03115518.2014.912557",
    "10.1080/03115518.2014.920149",
    "10.1080/03115518.2014.924351",
    "10.1080/03115518.2014.926449",
    "10.1080/03115518.2014.928181",
    "10.1080/03115518.2014.951913",
    "10.1080/03115518.2014.976903",
]
TOC_PATH = "/toc/talc20/38/4"


def atypon_issue(volume: int, issue: int, dois: list[str]) -> str:
    """An issue page in Atypon's current markup (div.issue-item, h5.issue-item__title a)."""
    items = "".join(
        f"""<div class="issue-item">
              <h5 class="issue-item__title"><a href="/doi/{doi}" title="Article {n}">Article {n}</a></h5>
              <ul class="rlist--inline loa"><li>A. Author</li></ul>
              <div class="issue-item__footer"><a href="/doi/pdf/{doi}">PDF</a>
                <a href="/doi/abs/{doi}">Abstract</a></div>
            </div>"""
        for n, doi in enumerate(dois, start=1)
    )
    return f"""<!DOCTYPE html><html><head><title>Vol {volume} No {issue}</title></head><body>
      <nav class="content-navigation">
        <a class="content-navigation__btn--pre" href="/toc/talc20/{volume}/{issue - 1}">Previous issue</a>
        <a class="content-navigation__btn--next" href="/toc/talc20/{volume}/{issue + 1}">Next issue</a>
      </nav>
      <div class="table-of-content">{items}</div>
      <aside><h3>Most read</h3><a href="/doi/full/10.5555/elsewhere.1">Elsewhere</a></aside>
    </body></html>"""


ISSUE_43_3 = ["10.5555/talc.43.3.1", "10.5555/talc.43.3.2"]
ISSUE_43_2 = ["10.5555/talc.43.2.1"]


# --- the page itself ---------------------------------------------------------------------------


def real_page() -> Selector:
    return Selector(text=need(TOC_PAGE).read_text(encoding="utf-8"))


def test_the_real_page_has_13_article_dois() -> None:
    assert toc_dois(real_page()) == ISSUE_38_4


def test_the_real_page_lists_the_journals_issues_newest_first() -> None:
    links = issue_links(real_page(), "https://www.tandfonline.com/toc/talc20/38/4", "talc20")
    assert links[:3] == [
        "https://www.tandfonline.com/toc/talc20/43/3",
        "https://www.tandfonline.com/toc/talc20/43/2",
        "https://www.tandfonline.com/toc/talc20/43/1",
    ]
    assert "https://www.tandfonline.com/toc/talc20/30/sup1" in links
    assert links[-1] == "https://www.tandfonline.com/toc/talc20/1/1"
    assert len(links) == len(set(links)) == 165


def test_atypon_issue_items() -> None:
    page = Selector(text=atypon_issue(43, 3, ISSUE_43_3))
    assert toc_dois(page) == ISSUE_43_3
    assert issue_links(page, "https://pubs.example.org/toc/talc20/43/3", "talc20") == [
        "https://pubs.example.org/toc/talc20/43/2",
        "https://pubs.example.org/toc/talc20/43/4",
    ]


def test_a_url_without_scheme_is_a_one_line_error() -> None:
    result = CliRunner().invoke(main, ["discover", "toc", "www.tandfonline.com/toc/talc20/38/4"])
    assert result.exit_code == 1
    assert result.stderr == "Error: URL must be an http(s) URL, got 'www.tandfonline.com/toc/talc20/38/4'\n"


# --- crawls ------------------------------------------------------------------------------------


@dataclass
class TocRuns:
    dbs: dict[str, str]  # job name -> database URL
    servers: dict[str, LocalServer]
    procs: dict[str, list[subprocess.CompletedProcess[str]]]


@pytest.fixture(scope="module")
def runs(all_dbs: dict[str, Databases]) -> Any:
    """Every crawl of this module at once: on SQLite, and the "follow" case on every backend."""
    page = need(TOC_PAGE).read_bytes()
    tandf_robots = need(ROBOTS_DIR / "Taylor_Francis.robots.txt").read_text(encoding="utf-8")
    sites = {
        # The real page under the real T&F robots.txt (which asks Crawl-delay: 1).
        "single": {"/robots.txt": text(tandf_robots), TOC_PATH: html(page)},
        # Following two issues from its list: 43/3 (Atypon markup) and 43/2, which robots.txt forbids.
        "follow": {
            "/robots.txt": text("User-agent: *\nDisallow: /toc/talc20/43/2\n"),
            TOC_PATH: html(page),
            "/toc/talc20/43/3": html(atypon_issue(43, 3, ISSUE_43_3)),
            "/toc/talc20/43/2": html(atypon_issue(43, 2, ISSUE_43_2)),
        },
        "errors": {
            "/robots.txt": text("User-agent: *\nDisallow: /toc/talc20/39/\n"),
            "/toc/talc20/39/1": html(page),
            "/journal/talc20": html("<html><body><h1>Alcheringa</h1><a href='/doi/full/10.5555/x'>x</a></body></html>"),
        },
    }
    with ExitStack() as stack:
        servers: dict[str, LocalServer] = {}
        dbs: dict[str, str] = {}
        jobs: dict[str, list[list[str]]] = {}
        # One site per job: each one's request log is its own.
        servers["single"] = stack.enter_context(LocalServer(static_site(sites["single"])))
        dbs["single"] = all_dbs["sqlite"].create()
        jobs["single"] = [["toc", servers["single"].url + TOC_PATH, "--db", dbs["single"], *FAST]]
        # What touches the database runs on every backend: one crawl suffices (the pipeline is shared).
        for backend, makers in all_dbs.items():
            servers[f"{backend}:follow"] = stack.enter_context(LocalServer(static_site(sites["follow"])))
            dbs[f"{backend}:follow"] = makers.create()
            base = servers[f"{backend}:follow"].url
            jobs[f"{backend}:follow"] = [["toc", base + TOC_PATH, "--follow-issues", "2", "--source", "alcheringa",
                                          "--db", dbs[f"{backend}:follow"], *FAST]]
        # Errors do not depend on the database: SQLite only.
        servers["errors"] = stack.enter_context(LocalServer(static_site(sites["errors"])))
        dbs["errors"] = all_dbs["sqlite"].create()
        for name, path in (("missing", "/toc/talc20/1/1"), ("forbidden", "/toc/talc20/39/1"),
                           ("not_a_toc", "/journal/talc20")):
            jobs[name] = [["toc", servers["errors"].url + path, "--db", dbs["errors"], *FAST]]
        procs = run_jobs(jobs)
    return TocRuns(dbs, servers, procs)


def test_the_13_dois_of_the_issue_are_added(runs: TocRuns) -> None:
    job = "single"
    out = ok(runs.procs[job][0])
    url = runs.servers[job].url + TOC_PATH
    assert out.strip() == (
        f"found 13 targets: 13 newly added, 0 already watched (source 'toc:{url}'; 1 page read)"
    )
    assert targets(runs.dbs[job]) == {doi: ("doi", f"toc:{url}") for doi in ISSUE_38_4}


def test_robots_txt_is_read_first_and_its_crawl_delay_kept(runs: TocRuns) -> None:
    log = runs.servers["single"].log
    assert [h.path for h in log] == ["/robots.txt", TOC_PATH]
    # T&F's robots.txt asks "Crawl-delay: 1".  Scrapy counts the delay from sending the robots.txt
    # request; its arrival here may lag by the connection set-up, hence the margin.
    assert log[1].at - log[0].at >= 0.8


def test_follow_issues_reads_other_issues_robots_txt_permitting(runs: TocRuns, backend: str) -> None:
    job = f"{backend}:follow"
    proc = runs.procs[job][0]
    out = ok(proc)
    assert out.strip() == (
        "found 15 targets: 15 newly added, 0 already watched (source 'alcheringa'; 2 pages read)"
    )
    assert f"warning: not fetched, robots.txt forbids it: {runs.servers[job].url}/toc/talc20/43/2" in proc.stderr
    assert targets(runs.dbs[job]) == {doi: ("doi", "alcheringa") for doi in ISSUE_38_4 + ISSUE_43_3}
    asked = {h.path for h in runs.servers[job].log}
    assert asked == {"/robots.txt", TOC_PATH, "/toc/talc20/43/3"}  # 43/2 forbidden, 43/1 beyond --follow-issues 2


def test_errors_are_one_line(runs: TocRuns) -> None:
    base = runs.servers["errors"].url
    missing, forbidden, not_a_toc = (runs.procs[name][0] for name in ("missing", "forbidden", "not_a_toc"))
    assert one_line_error(missing) == f"{base}/toc/talc20/1/1 answered HTTP 404"
    assert one_line_error(forbidden) == f"not fetched, robots.txt forbids it: {base}/toc/talc20/39/1"
    assert one_line_error(not_a_toc) == (
        f"no article entries (div.tocArticleEntry, div.issue-item) on {base}/journal/talc20: "
        "is it an issue's table of contents?"
    )
    assert targets(runs.dbs["errors"]) == {}
    assert "/toc/talc20/39/1" not in {h.path for h in runs.servers["errors"].log}
