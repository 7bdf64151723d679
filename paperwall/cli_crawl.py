"""`paperwall crawl` and `paperwall demo`: run the landing spider in-process.

Scrapy's reactor cannot restart, so each command runs one crawl per process.
The command opens the crawl run itself (so it can report on it afterwards),
hands its id to the spider, and closes it with counts read from the stored
fetches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import click
from sqlalchemy import Engine, select

from spiders.spiders.landing import LandingSpider, read_targets
from storage.db import default_url, make_engine, session_scope, upgrade
from storage.models import Article, Offer
from storage.queries import summary
from storage.runs import due_targets
from storage.writer import finish_run, start_run


def register(main: click.Group) -> None:
    main.add_command(crawl_command)
    main.add_command(demo_command)


@dataclass
class CrawlReport:
    run_id: int
    db_url: str
    counts: dict[str, Any]


# --- running a crawl ------------------------------------------------------------


def crawl_settings(overrides: dict[str, Any] | None = None, verbose: bool = False) -> Any:
    """The project settings (spiders.settings) plus overrides.

    Built from the module, not scrapy.cfg, so `paperwall` works from any directory.
    """
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    targets: Sequence[str],
    db_url: str,
    *,
    trigger: str,
    description: str,
    overrides: dict[str, Any] | None = None,
    verbose: bool = False,
) -> CrawlReport:
    """Crawl `targets` (URLs or DOIs) into `db_url` as one new crawl run."""
    from scrapy.crawler import CrawlerProcess

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        run_id = start_run(engine, trigger, description)
        process = CrawlerProcess(crawl_settings(overrides, verbose))
        crawler = process.create_crawler(LandingSpider)
        process.crawl(crawler, urls=list(targets), run_id=run_id, db=db_url)
        process.start()  # blocks until the crawl ends
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        outcome = {"closespider_timeout": "timeout", "shutdown": "interrupted"}.get(str(reason), "ok")
        counts = finish_run(engine, run_id, outcome=outcome)  # from the stored fetches: what really landed
    finally:
        engine.dispose()
    return CrawlReport(run_id, db_url, counts)


def checked_targets(values: Iterable[str]) -> list[str]:
    """The targets as given, or a one-line error naming the bad ones."""
    targets, rejected = read_targets(list(values))
    if rejected:
        raise click.ClickException(f"not a URL or DOI: {', '.join(repr(r) for r in rejected)}")
    return [value for _, value in targets]


def run_line(report: CrawlReport) -> str:
    c = report.counts
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(c.get("status_counts", {}).items()))
    return (
        f"run {report.run_id}: {c['pages']} pages ({statuses or 'none'}); "
        f"articles {c['articles_new']} new, {c['articles_changed']} changed, "
        f"{c['articles_unchanged']} unchanged; {c['errors']} errors"
    )


# --- paperwall crawl ----------------------------------------------------------------


@click.command("crawl")
@click.argument("targets", nargs=-1)
@click.option("-f", "--file", "file", type=click.Path(exists=True, dir_okay=False),
              help="A file of targets: one URL or DOI per line ('#' starts a comment).")
@click.option("--db", "db_url", default=None,
              help="Database URL or SQLite path [default: $PAPERWALL_DB or ./paperwall.db].")
@click.option("--due", is_flag=True, help="Crawl the watched targets that are due (see storage targets).")
@click.option("--limit", type=int, default=100, show_default=True, help="With --due: at most this many.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting for this crawl (repeatable), e.g. -s DOWNLOAD_DELAY=5.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO) on stderr.")
@click.option("--scrapyd", "nodes", multiple=True, metavar="URL",
              help="Run the crawl as jobs on these Scrapyd nodes (repeatable), each site on one node;"
                   " they write to the database named by their own PAPERWALL_DB.")
@click.option("--time-limit", default=None, metavar="DURATION",
              help="Stop the crawl after this long (e.g. 30m, 2h); it stores what it read.")
def crawl_command(
    targets: tuple[str, ...],
    file: str | None,
    db_url: str | None,
    due: bool,
    limit: int,
    overrides: tuple[str, ...],
    verbose: bool,
    nodes: tuple[str, ...],
    time_limit: str | None,
) -> None:
    """Fetch landing pages and store what they show, with history.

    TARGETS are URLs or DOIs (10.xxxx/..., doi:10.xxxx/..., https://doi.org/10.xxxx/...);
    DOIs are resolved through doi.org.  The crawl obeys robots.txt and its
    Crawl-delay, keeps at most 2 requests per site in flight and backs off
    on 429/503.  Prints one line about the run at the end.

    \b
    Examples:
        paperwall crawl 10.1080/00268976.2013.788745
        paperwall crawl https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745 --db crawl.db
        paperwall crawl --file targets.txt --db postgresql://user@localhost/paperwall
        paperwall crawl --due --limit 50
        paperwall crawl 10.1080/00268976.2013.788745 -s CONCURRENT_REQUESTS_PER_DOMAIN=1 -v
        paperwall crawl --due --limit 5000 --db postgresql://paperwall@db/paperwall \\
            --scrapyd http://node1:6800 --scrapyd http://node2:6800 --time-limit 2h
    """
    db_url = db_url or default_url()
    values = list(targets)
    if file:
        values += _file_lines(file)
    if due:
        values += _due_values(db_url, limit)
        if not values:
            click.echo("nothing is due")
            return
    if not values:
        raise click.UsageError("give URLs or DOIs, --file FILE or --due")
    limit = _seconds(time_limit)
    if nodes:
        _crawl_on_scrapyd(checked_targets(values), db_url, nodes, _parse_overrides(overrides), limit)
        return
    from storage.runs import with_time_limit

    settings = with_time_limit(_parse_overrides(overrides), limit)
    report = run_crawl(
        checked_targets(values), db_url, trigger="cli", description=f"paperwall crawl: {len(values)} targets",
        overrides=settings, verbose=verbose,
    )
    click.echo(run_line(report) + ("" if report.counts.get("outcome", "ok") == "ok" else
                                    f"; outcome {report.counts['outcome']}"))


def _seconds(duration: str | None) -> float | None:
    from storage.runs import parse_duration

    try:
        return parse_duration(duration).total_seconds() if duration else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--time-limit") from None


def _crawl_on_scrapyd(
    targets: list[str], db_url: str, nodes: tuple[str, ...], overrides: dict[str, str], limit: float | None
) -> None:
    from scheduler.scrapyd import ScrapydError, run_on_scrapyd

    click.echo(f"crawling {len(targets)} targets on {len(nodes)} Scrapyd nodes into {db_url}", err=True)
    try:
        report = run_on_scrapyd(
            targets, db_url, nodes, trigger="cli", description=f"paperwall crawl --scrapyd: {len(targets)} targets",
            settings=overrides, time_limit=limit,
        )
    except ScrapydError as exc:
        raise click.ClickException(str(exc)) from None
    for job in report.jobs:
        click.echo(f"  {job.node.url}: job {job.id}, {job.targets} targets, {job.state}", err=True)
    click.echo(run_line(CrawlReport(report.run_id, db_url, report.counts)) + f"; outcome {report.outcome}")
    if report.counts.get("notes"):
        click.echo(report.counts["notes"], err=True)
    if report.outcome == "crashed":
        raise SystemExit(1)  # a script sees it; the run and its notes are stored


def _parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--set")
        out[name.strip()] = value.strip()
    return out


def _file_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]


def _due_values(db_url: str, limit: int) -> list[str]:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        return [t.value for t in due_targets(engine, limit=limit)]
    finally:
        engine.dispose()


# --- paperwall demo -----------------------------------------------------------------


def demo_settings(host: str, resolver: str) -> dict[str, Any]:
    """Overrides that make the demo fast on its loopback host and nowhere else.

    The demo's targets and DOI resolver are all on `host`; its slot gets no
    delay and more concurrency.  AutoThrottle is off for this run because it
    would raise that slot back to DOWNLOAD_DELAY (its floor is global).
    Other hosts, if any were asked, keep the polite DOWNLOAD_DELAY.
    """
    return {
        "DOWNLOAD_SLOTS": {host: {"delay": 0.0, "concurrency": 8, "jitter": 0.0}},
        "AUTOTHROTTLE_ENABLED": False,
        "PAPERWALL_DOI_RESOLVER": resolver,
        "PAPERWALL_BATCH_SECONDS": 0.5,
    }


@click.command("demo")
@click.option("--change-prices", is_flag=True,
              help="Serve the site's second state: some prices and view counts differ, so history shows.")
@click.option("--db", "db_url", default=None,
              help="Database URL or SQLite path [default: $PAPERWALL_DB or ./paperwall.db].")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO) on stderr.")
def demo_command(change_prices: bool, db_url: str | None, verbose: bool) -> None:
    """Crawl the bundled sample site (offline) and show what was stored.

    Starts the demo site on a free loopback port (a fictional journal in
    Taylor & Francis markup: paywalled and open articles, a bot challenge, a
    404, a page that fails once with 503), crawls it into the database and
    prints a summary.  Run it twice: the second run changes nothing.  Then
    run it with --change-prices: the changed prices are stored as history.

    \b
    Examples:
        paperwall demo
        paperwall demo --change-prices
        paperwall demo --db /tmp/demo.db
    """
    from paperwall.demo import render
    from paperwall.demo.server import DemoServer

    db_url = db_url or default_url()
    with DemoServer(changed=change_prices) as server:
        # All pages by URL, and one article by DOI through the demo's resolver.
        targets = server.target_urls()[1:] + [f"doi:{render.articles()[0]['doi']}"]
        host = server.url.split("://", 1)[1].rsplit(":", 1)[0]
        state = "changed prices" if change_prices else "first state"
        click.echo(f"demo site ({state}) at {server.url}/: crawling {len(targets)} targets into {db_url}")
        report = run_crawl(
            targets, db_url, trigger="demo", description=f"paperwall demo ({state})",
            overrides=demo_settings(host, f"{server.url}/resolve/"), verbose=verbose,
        )
    engine = make_engine(db_url)
    try:
        from paperwall.cli_query import articles_table

        click.echo(articles_table(engine) + "\n")
        click.echo(format_summary(summary(engine), report, price_changes(engine)))
    finally:
        engine.dispose()


def price_changes(engine: Engine, limit: int = 10) -> list[dict[str, Any]]:
    """The latest closed offer intervals with the price that replaced them."""
    with session_scope(engine) as session:
        closed = session.execute(
            select(Offer, Article.doi)
            .join(Article, Article.id == Offer.article_id)
            .where(Offer.closed_at.is_not(None))
            .order_by(Offer.closed_at.desc(), Offer.id)
            .limit(limit)
        ).all()
        changes = []
        for old, doi in closed:
            new = session.scalars(
                select(Offer)
                .where(Offer.article_id == old.article_id, Offer.label == old.label,
                       Offer.first_seen >= old.closed_at)
                .order_by(Offer.first_seen)
                .limit(1)
            ).first()
            changes.append({
                "doi": doi, "label": old.label, "currency": old.currency,
                "old": old.price, "new": new.price if new else None,
                "new_currency": new.currency if new else None, "when": old.closed_at,
            })
        return changes


def _money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return "-"
    text = f"{value:,.2f}"
    return f"{currency} {text}" if currency else text


def format_summary(s: dict[str, Any], report: CrawlReport, changes: list[dict[str, Any]]) -> str:
    c = report.counts
    lines = [
        "",
        f"Database {report.db_url}",
        f"  articles          {s['articles']:>6}   ({s['articles_with_doi']} with DOI, {s['journals']} journals)",
        f"  current offers    {s['offers_current']:>6}   ({s['offers_with_price']} with a price;"
        f" {s['offer_intervals']} offer intervals in history)",
        f"  metrics           {s['metrics']['articles']:>6}   articles with a metrics snapshot",
        f"  fetches           {s['fetches']:>6}   (all runs)",
        "",
        "  Current prices    kind           currency  offers        min          max",
    ]
    for p in s["prices"]:
        lines.append(
            f"                    {p['kind']:<14} {p['currency'] or '-':<8} {p['offers']:>7} "
            f"{_money(p['min']):>12} {_money(p['max']):>12}"
        )
    m = s["metrics"]
    shown = ", ".join(
        f"{name} {v['total']:,} (on {v['articles']})" for name, v in m.items()
        if isinstance(v, dict) and v.get("total") is not None
    )
    lines += ["", f"  Metric totals     {shown or 'none'}"]
    outcomes = ", ".join(f"{k} {v}" for k, v in s["fetch_outcomes"].items())
    lines += [f"  Fetch outcomes    {outcomes} (all runs)", ""]
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(c.get("status_counts", {}).items()))
    lines.append(f"This run (#{report.run_id}): {c['pages']} pages: {statuses}; {c['errors']} errors")
    lines.append(
        f"  articles: {c['articles_new']} new, {c['articles_changed']} changed, {c['articles_unchanged']} unchanged"
    )
    lines.append("  " + verdict(c))
    if changes and c["articles_changed"]:
        lines.append("  Price history (latest changes):")
        for ch in changes:
            lines.append(
                f"    {ch['doi']}  {ch['label']}: {_money(ch['old'], ch['currency'])}"
                f" -> {_money(ch['new'], ch['new_currency'])}"
            )
    return "\n".join(lines)


def verdict(c: dict[str, Any]) -> str:
    new, changed, unchanged = c["articles_new"], c["articles_changed"], c["articles_unchanged"]
    if changed:
        return (f"history recorded: {changed} articles changed "
                f"(old prices and metrics are kept as closed intervals).")
    if new and not unchanged:
        return "first run: everything is new. Run `paperwall demo` again: nothing should change."
    if new:
        return f"{new} new articles; the {unchanged} known ones did not change."
    return (f"nothing changed since the last run (0 new, 0 changed, {unchanged} unchanged). "
            f"Try `paperwall demo --change-prices`.")

