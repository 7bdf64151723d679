"""`paperwall discover`: find articles to watch and add them as targets.

    paperwall discover dois FILE|-            a list of DOIs / URLs
    paperwall discover toc URL                a journal issue's table of contents (spider `toc`)
    paperwall discover sitemap URL            a publisher's sitemaps (spider `sitemap`)
    paperwall discover crossref ISSN          Crossref's works of a journal (spider `crossref`)

Each prints how many targets it found, how many were newly added and how
many were already watched; the targets carry a ``source`` name (``--source``,
default ``<command>:<what was read>``) that the scheduler can select on.
The spiders run in-process with the project's polite settings, like
``paperwall crawl`` (one crawl per process: Scrapy's reactor cannot restart).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, TextIO

import click

from spiders.discovery import DiscoveryReport, one_line
from storage.db import default_url, make_engine, upgrade
from storage.runs import add_targets, classify_target

DB_HELP = "Database URL or SQLite path [default: $PAPERWALL_DB or ./paperwall.db]."
SET_HELP = "Override a Scrapy setting for this run (repeatable), e.g. -s DOWNLOAD_DELAY=5."
MAX_BAD_LINES_SHOWN = 10


def register(main: click.Group) -> None:
    main.add_command(discover_group)


@click.group("discover")
def discover_group() -> None:
    """Find articles to watch and add them as targets.

    Targets are what `paperwall crawl --due` and the scheduler fetch.  Each
    command prints how many it found, newly added and already watched, and
    stores a source name on the new targets (--source).  See docs/discovery.md.

    \b
    Examples:
        paperwall discover dois dois.txt --source "my reading list"
        paperwall discover toc https://www.tandfonline.com/toc/tmph20/111/10 --follow-issues 3
        paperwall discover sitemap https://www.tandfonline.com/robots.txt --limit 1000
        paperwall discover crossref 0026-8976 --from-date 2024-01-01 --mailto you@example.org
    """


# --- shared ------------------------------------------------------------------------------


def db_option(f: Any) -> Any:
    return click.option("--db", "db_url", default=None, help=DB_HELP)(f)


def source_option(f: Any) -> Any:
    return click.option("--source", default=None,
                        help="Source name stored on the new targets [default: COMMAND:WHAT, e.g. toc:URL].")(f)


def crawl_options(f: Any) -> Any:
    f = click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO) on stderr.")(f)
    f = click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help=SET_HELP)(f)
    return f


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--set")
        out[name.strip()] = value.strip()
    return out


def prepare_db(db_url: str | None) -> str:
    """The database URL, migrated; a one-line error if it cannot be opened."""
    url = db_url or default_url()
    try:
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one line
        raise click.ClickException(one_line(f"cannot open the database {url}: {type(exc).__name__}: {exc}")[:400])
    return url


def summary_line(report: DiscoveryReport, source: str | None, extra: str = "") -> str:
    text = f"found {report.found} targets: {report.new} newly added, {report.known} already watched"
    if report.unstored:
        text += f", {report.unstored} NOT stored"
    details = [f"source {source!r}"] if source else []
    if report.pages:
        details.append(f"{report.pages} page{'s' if report.pages != 1 else ''} read")
    if report.stopped:
        details.append(f"stopped: {report.stopped}")
    if details:
        text += f" ({'; '.join(details)})"
    return text + extra


def run_spider(spider_cls: type, db_url: str, overrides: dict[str, Any], verbose: bool, **args: Any) -> DiscoveryReport:
    """Run one discovery spider in this process; its report."""
    from scrapy.crawler import CrawlerProcess

    from paperwall.cli_crawl import crawl_settings

    # This command prints the spider's failures and warnings itself (`finish`).
    process = CrawlerProcess(crawl_settings({"PAPERWALL_DISCOVERY_REPORT": True, **overrides}, verbose))
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, db=db_url, **{k: v for k, v in args.items() if v is not None})
    process.start()  # blocks until the spider closes
    report = getattr(crawler.spider, "report", None)
    if report is None:
        raise click.ClickException(f"the {spider_cls.name} spider did not start (run with -v to see why)")
    return report


def finish(report: DiscoveryReport, source: str | None) -> None:
    """Print the report: warnings on stderr, the summary on stdout; one-line error on failure."""
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.found or not report.failure:
        click.echo(summary_line(report, source))
    if report.failure:
        raise click.ClickException(report.failure)


# --- paperwall discover dois ------------------------------------------------------------------


def read_target_lines(handle: TextIO) -> tuple[list[str], list[tuple[int, str]]]:
    """(good values, [(line number, bad line)]) from a file of DOIs / URLs, one per line.

    Blank lines and lines starting with '#' are skipped.  Accepted: a DOI
    (10.xxxx/...), doi:10.xxxx/..., https://doi.org/10.xxxx/..., or an
    http(s) URL.
    """
    from spiders.spiders.landing import parse_target

    good: list[str] = []
    bad: list[tuple[int, str]] = []
    for number, raw in enumerate(handle, start=1):
        line = raw.strip().lstrip("\ufeff").strip()
        if not line or line.startswith("#"):
            continue
        parsed = parse_target(line)
        if parsed is None:
            bad.append((number, line))
        else:
            # A DOI as the crawl will ask for it (trailing punctuation dropped), a URL as given.
            good.append(parsed[1] if parsed[0] == "doi" and parsed[1] else line)
    return good, bad


@discover_group.command("dois")
@click.argument("file", type=click.File("r", encoding="utf-8"), metavar="FILE_OR_-")
@source_option
@db_option
def dois_command(file: TextIO, source: str | None, db_url: str | None) -> None:
    """Add the DOIs and URLs listed in a file (or on stdin: -) as targets.

    One per line: 10.xxxx/..., doi:10.xxxx/..., https://doi.org/10.xxxx/...
    or a landing-page URL.  Blank lines and '#' comments are skipped; other
    lines that are neither are reported (line numbers on stderr) and skipped.
    DOIs are stored bare and lower-case, so each article is watched once.

    \b
    Examples:
        paperwall discover dois reading-list.txt
        paperwall discover dois dois.txt --source "library request 42" --db postgresql://user@host/paperwall
        grep -o '10\\.[0-9]*/[^ ]*' refs.txt | paperwall discover dois - --source refs
    """
    good, bad = read_target_lines(file)
    name = "stdin" if file.name in ("<stdin>", "-") else os.path.basename(file.name)
    source = source or f"dois:{name}"
    for number, line in bad[:MAX_BAD_LINES_SHOWN]:
        click.echo(f"line {number}: not a DOI or URL, skipped: {line[:200]!r}", err=True)
    if len(bad) > MAX_BAD_LINES_SHOWN:
        click.echo(f"... and {len(bad) - MAX_BAD_LINES_SHOWN} more bad lines", err=True)
    if not good:
        raise click.ClickException(f"no DOI or URL in {name} ({len(bad)} bad lines)")
    url = prepare_db(db_url)
    engine = make_engine(url)
    try:
        new = add_targets(engine, good, source=source)
    finally:
        engine.dispose()
    report = DiscoveryReport(found=len({classify_target(v)[1] for v in good}), new=new)
    extra = f"; {len(bad)} bad line{'s' if len(bad) != 1 else ''} skipped" if bad else ""
    click.echo(summary_line(report, source, extra))


# --- paperwall discover toc -------------------------------------------------------------------


def _http_url(value: str, what: str) -> str:
    value = value.strip()
    if not re.match(r"^https?://[^/\s]+", value, re.IGNORECASE):
        raise click.ClickException(f"{what} must be an http(s) URL, got {value!r}")
    return value


@discover_group.command("toc")
@click.argument("url")
@click.option("--follow-issues", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also read up to N other issues linked from the issue list (newest first on T&F).")
@source_option
@db_option
@crawl_options
def toc_command(url: str, follow_issues: int, source: str | None, db_url: str | None,
                overrides: tuple[str, ...], verbose: bool) -> None:
    """Add the articles of a journal issue's table of contents as targets (their DOIs).

    URL is an issue page: Taylor & Francis /toc/CODE/VOLUME/ISSUE or an
    Atypon /toc/ page (ACS, SAGE, Wiley, Science, ...).  Reads the issue's
    article entries (div.tocArticleEntry, div.issue-item) and takes each
    one's DOI from its link; links outside the entries ("most read", ...) are
    ignored.  With --follow-issues N, also reads N other issues of the same
    journal from the page's issue list.  robots.txt and Crawl-delay are obeyed.

    \b
    Examples:
        paperwall discover toc https://www.tandfonline.com/toc/tmph20/111/10
        paperwall discover toc https://www.tandfonline.com/toc/talc20/38/4 --follow-issues 4 --source alcheringa
        paperwall discover toc https://pubs.acs.org/toc/jacsat/145/1 --db postgresql://user@host/paperwall
    """
    from spiders.spiders.toc import TocSpider

    url = _http_url(url, "URL")
    source = source or f"toc:{url}"
    report = run_spider(TocSpider, prepare_db(db_url), parse_overrides(overrides), verbose,
                        url=url, follow_issues=follow_issues, source=source)
    finish(report, source)


# --- paperwall discover sitemap -------------------------------------------------------------------


def _regex(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise click.ClickException(f"{option}: not a regular expression: {value!r} ({exc})")
    return value


@discover_group.command("sitemap")
@click.argument("url")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after N targets.")
@click.option("--match", default=None, metavar="REGEX",
              help="Article URLs to take [default: /doi/].")
@click.option("--follow", default=None, metavar="REGEX",
              help="Of a sitemap index, read only the sitemaps whose URL matches [default: all].")
@click.option("--as-doi", is_flag=True,
              help="Store the DOI of each /doi/ URL instead of the URL (URLs without one are skipped).")
@source_option
@db_option
@crawl_options
def sitemap_command(url: str, limit: int | None, match: str | None, follow: str | None, as_doi: bool,
                    source: str | None, db_url: str | None, overrides: tuple[str, ...], verbose: bool) -> None:
    """Add the article URLs of a publisher's sitemaps as targets.

    URL is a sitemap, a sitemap index (its sitemaps are read in turn) or a
    robots.txt (the sitemaps its Sitemap: lines name).  Every listed URL
    matching --match (default /doi/) is added; the pages are not fetched.
    Uses Scrapy's SitemapSpider (gzipped sitemaps too); robots.txt is obeyed.

    \b
    Examples:
        paperwall discover sitemap https://www.tandfonline.com/robots.txt --limit 500
        paperwall discover sitemap https://example.org/sitemap_index.xml --follow 'journal-x' --match '/doi/(abs|full)/'
        paperwall discover sitemap https://example.org/sitemap.xml.gz --as-doi --source example-sitemap
    """
    from spiders.spiders.sitemap import SitemapDiscoverySpider

    url = _http_url(url, "URL")
    source = source or f"sitemap:{url}"
    report = run_spider(
        SitemapDiscoverySpider, prepare_db(db_url), parse_overrides(overrides), verbose,
        url=url, limit=limit, match=_regex(match, "--match"), follow=_regex(follow, "--follow"),
        as_doi="1" if as_doi else None, source=source,
    )
    finish(report, source)


# --- paperwall discover crossref ------------------------------------------------------------------


@discover_group.command("crossref")
@click.argument("issn")
@click.option("--from-date", default=None, metavar="YYYY-MM-DD", help="Published on or after (filter from-pub-date).")
@click.option("--until-date", default=None, metavar="YYYY-MM-DD", help="Published on or before (until-pub-date).")
@click.option("--max", "max_", type=click.IntRange(min=1), default=None, help="Stop after N DOIs.")
@click.option("--rows", type=click.IntRange(1, 1000), default=100, show_default=True, help="Works per page.")
@click.option("--type", "work_type", default="journal-article", show_default=True,
              help="Crossref work type to keep ('any' for all: also components, issues, ...).")
@click.option("--mailto", default=None, metavar="EMAIL",
              help="Contact for Crossref's polite pool [default: $PAPERWALL_MAILTO or -s PAPERWALL_MAILTO=...].")
@click.option("--api", default=None, metavar="URL", help="Crossref API base [default: https://api.crossref.org].")
@source_option
@db_option
@crawl_options
def crossref_command(issn: str, from_date: str | None, until_date: str | None, max_: int | None, rows: int,
                     work_type: str, mailto: str | None, api: str | None, source: str | None,
                     db_url: str | None, overrides: tuple[str, ...], verbose: bool) -> None:
    """Add a journal's articles listed by Crossref (by ISSN) as targets (their DOIs).

    Pages through https://api.crossref.org/journals/ISSN/works with a cursor,
    asking only DOI, URL, title, published and type.  Keeps to the rate
    Crossref's headers ask (x-rate-limit-limit / -interval, x-concurrency-limit),
    retries 429/5xx with a growing backoff, and stops at the last page or --max.
    Give --mailto (or set PAPERWALL_MAILTO) to be in Crossref's polite pool.

    \b
    Examples:
        paperwall discover crossref 0026-8976 --from-date 2024-01-01 --mailto you@example.org
        paperwall discover crossref 1932-6203 --from-date 2025-01 --until-date 2025-03 --max 500
        paperwall discover crossref 1932-6203 --api http://127.0.0.1:8000 --rows 30
    """
    from spiders.spiders.crossref import CrossrefSpider, normalize_issn, valid_date

    bare = normalize_issn(issn)
    if bare is None:
        raise click.ClickException(f"not an ISSN: {issn!r} (expected NNNN-NNNN, e.g. 1932-6203)")
    for option, value in (("--from-date", from_date), ("--until-date", until_date)):
        if value is not None and not valid_date(value):
            raise click.ClickException(f"{option} must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    if api is not None:
        api = _http_url(api, "--api")
    source = source or f"crossref:{bare}"
    settings = parse_overrides(overrides)
    mailto = mailto or settings.get("PAPERWALL_MAILTO") or os.environ.get("PAPERWALL_MAILTO") or None
    if not mailto:
        click.echo("note: no --mailto / PAPERWALL_MAILTO: using Crossref's public pool (slower)", err=True)
    report = run_spider(
        CrossrefSpider, prepare_db(db_url), settings, verbose,
        issn=bare, api=api, from_date=from_date, until_date=until_date, limit=max_, rows=rows,
        mailto=mailto, type=work_type, source=source,
    )
    finish(report, source)
