"""The read side of `paperwall`: `db upgrade|current`, `articles`, `history`, `export`.

Every command takes `--db URL` (default: `$PAPERWALL_DB` or ./paperwall.db)
and answers with one-line errors (`click.ClickException`, exit 1) for input
it cannot use: an unknown DOI, a bad date, currency or price range, a
database URL it cannot open, or a database with no tables yet.  Output is
meant for scripts as much as for people: `--format csv` has a header,
`json` is one JSON array, `jsonl` one object per line, and nothing but the
data goes to stdout (notes go to stderr).

docs/queries.md shows every command with its output.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from spiders.health import LABELS
from storage.db import (
    alembic_config,
    current_revision,
    default_url,
    make_engine,
    normalize_url,
    upgrade,
)
from storage.queries import (
    EXPORT_COLUMNS,
    METRICS,
    article_history,
    cheapest_offer,
    distinct_values,
    field_drops,
    field_health,
    flat_row,
    iter_articles,
    to_csl_json,
    to_ris,
)

NEEDS_SCHEMA = "run `paperwall db upgrade` or `paperwall crawl` first"
ACCESS = ("open", "paywalled", "unknown")
OFFER_KINDS = ("article", "issue", "tokens", "subscription", "other")

# `articles --format csv|json`: the listing's columns (`export` has them all).
LIST_COLUMNS = (
    "doi",
    "journal",
    "published",
    "title",
    "access",
    "offer_label",
    "price",
    "currency",
    *METRICS,
    "url",
)


def register(main: click.Group) -> None:
    main.add_command(db_group)
    main.add_command(articles_command)
    main.add_command(history_command)
    main.add_command(export_command)
    main.add_command(health_command)


# --- parameters: bad input is a one-line error, not a usage dump -----------------------


class _OneLine(click.ParamType):
    """A parameter type whose errors are `ClickException`s: "Error: ...", exit 1."""

    def bad(self, param: click.Parameter | None, message: str) -> click.ClickException:
        name = f"{param.opts[-1] if param is not None and param.opts else self.name}"
        return click.ClickException(f"{name}: {message}")


class OneOf(_OneLine):
    name = "choice"

    def __init__(self, *choices: str) -> None:
        self.choices = choices

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.choices) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        if text not in self.choices:
            raise self.bad(param, f"{value!r} is not one of {', '.join(self.choices)}")
        return text


class Day(_OneLine):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise self.bad(param, f"{value!r} is not a date: give YYYY-MM-DD, e.g. 2023-02-03") from None


class Currency(_OneLine):
    name = "CODE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            raise self.bad(param, f"{value!r} is not a currency: give an ISO 4217 code of three letters, e.g. USD")
        return text.upper()


class Price(_OneLine):
    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            raise self.bad(param, f"{value!r} is not a price: give a number >= 0 such as 50 or 49.99")
        return amount


class Count(_OneLine):
    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            n = int(str(value).strip())
        except ValueError:
            n = 0
        if n < 1:
            raise self.bad(param, f"{value!r} is not a positive whole number")
        return n


def db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db_url",
        default=None,
        metavar="URL",
        help="Database URL or SQLite path [default: $PAPERWALL_DB or ./paperwall.db].",
    )(f)


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The filters `articles` and `export` share (storage.queries.find_articles)."""
    options = [
        click.option("--journal", help="Journal title, exact but case-insensitive."),
        click.option("--publisher", help="Publisher, exact but case-insensitive."),
        click.option("--access", type=OneOf(*ACCESS), help="What the page says about access."),
        click.option("--min-price", type=Price(), help="Current offer price at least this (needs --currency)."),
        click.option("--max-price", type=Price(), help="Current offer price at most this (needs --currency)."),
        click.option("--currency", type=Currency(),
                     help="ISO 4217 code: only articles with a current offer in this currency."),
        click.option("--offer-kind", type=OneOf(*OFFER_KINDS), default="article", show_default=True,
                     help="Which offers the price and currency filters look at."),
        click.option("--published-from", type=Day(), help="Published online on or after this day."),
        click.option("--published-to", type=Day(), help="Published online on or before this day."),
        click.option("--title", help="Text in the title (case-insensitive)."),
        click.option("--limit", type=Count(), help="At most N articles [default: all]."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def query_filters(
    journal: str | None,
    publisher: str | None,
    access: str | None,
    min_price: Decimal | None,
    max_price: Decimal | None,
    currency: str | None,
    offer_kind: str,
    published_from: date | None,
    published_to: date | None,
    title: str | None,
    limit: int | None,
) -> dict[str, Any]:
    """find_articles' keyword arguments, after the checks no single option can make."""
    if min_price is not None and max_price is not None and min_price > max_price:
        raise click.ClickException(f"--min-price {min_price} is more than --max-price {max_price}")
    if (min_price is not None or max_price is not None) and currency is None:
        raise click.ClickException(
            "--min-price/--max-price need --currency: prices in different currencies do not compare"
        )
    if published_from and published_to and published_from > published_to:
        raise click.ClickException(
            f"--published-from {published_from} is after --published-to {published_to}"
        )
    return {
        "journal": journal or None,
        "publisher": publisher or None,
        "access": access,
        "price_min": min_price,
        "price_max": max_price,
        "currency": currency,
        "offer_kind": offer_kind,
        "published_from": published_from,
        "published_to": published_to,
        "title_contains": title or None,
        "limit": limit,
    }


# --- opening the database ------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    """The driver's message, on one line, without SQLAlchemy's background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    text = text.split("(Background on this error at:", 1)[0]
    return " ".join(text.split()) or type(exc).__name__


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def open_db(db_url: str | None, *, create: bool = False, check_schema: bool = True) -> Iterator[Engine]:
    """An engine on `db_url`, or a one-line error saying why not.

    Read commands never create a SQLite file that is not there; with
    `check_schema` the database must be at the latest schema revision.
    """
    raw = db_url or default_url()
    try:
        url = normalize_url(raw)
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise click.ClickException(f"cannot read database URL {raw!r}: {_one_line(exc)}") from None
    shown = _shown(url)
    if parsed.get_backend_name() == "sqlite" and not create:
        path = parsed.database or ""
        if path and path != ":memory:" and not path.startswith("file:"):
            if Path(path).is_dir():
                raise click.ClickException(f"{path} is a folder, not a database file")
            if not Path(path).exists():
                raise click.ClickException(f"no database at {path}: {NEEDS_SCHEMA}")
    try:
        engine = make_engine(url)
    except NoSuchModuleError:
        raise click.ClickException(
            f"cannot read database URL {shown!r}: unknown kind of database {parsed.drivername!r} "
            "(use sqlite:///PATH or postgresql://USER@HOST/NAME)"
        ) from None
    except (ArgumentError, ValueError, ImportError) as exc:
        raise click.ClickException(f"cannot read database URL {shown!r}: {_one_line(exc)}") from None
    try:
        if check_schema:
            try:
                revision = current_revision(engine)
            except SQLAlchemyError as exc:
                raise click.ClickException(f"cannot open database {shown}: {_one_line(exc)}") from None
            if revision is None:
                raise click.ClickException(f"database {shown} has no tables yet: {NEEDS_SCHEMA}")
            head = _head_revision()
            if revision != head:
                raise click.ClickException(
                    f"database {shown} is at schema revision {revision}, this paperwall reads {head}: "
                    "run `paperwall db upgrade`"
                )
        try:
            yield engine
        except SQLAlchemyError as exc:
            raise click.ClickException(f"database {shown}: {_one_line(exc)}") from None
    finally:
        engine.dispose()


# --- output helpers --------------------------------------------------------------------


def plain(value: Any) -> Any:
    """JSON-safe: decimals as exact strings, dates and times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(plain(value), ensure_ascii=False, indent=indent)


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """stdout, or FILE written whole (a failed export leaves no half file)."""
    if path is None or path == "-":
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:
            # `paperwall export | head`: the reader left; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(0) from None
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        handle = tmp.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv(out: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> int:
    # "\n", not RFC 4180's "\r\n": friendlier to cut/awk; every CSV reader takes it.
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n


def write_json_array(out: IO[str], rows: Iterable[dict[str, Any]]) -> int:
    """A JSON array, one indented object after the other as they come."""
    n = 0
    out.write("[")
    for row in rows:
        item = "\n".join("  " + line for line in _json(row, indent=2).splitlines())
        out.write(("," if n else "") + "\n" + item)
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def truncate(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def money(price: Any, currency: str | None) -> str:
    if price is None:
        return "-"
    amount = f"{Decimal(str(price)):,.2f}"
    return f"{currency} {amount}" if currency else amount


def number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def table(headers: list[str], rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def note(message: str) -> None:
    click.echo(message, err=True)


# --- paperwall db ------------------------------------------------------------------------


@click.group("db")
def db_group() -> None:
    """Create or migrate the database, and show its schema revision.

    \b
    Example:
        paperwall db upgrade --db postgresql://user@localhost/paperwall
        paperwall db current
    """


@db_group.command("upgrade")
@db_option
def db_upgrade_command(db_url: str | None) -> None:
    """Create the tables, or migrate them to this paperwall's schema (Alembic, to head).

    Safe to run any time: an up-to-date database is left as it is.  A
    SQLite file is created when missing (not its folder).

    \b
    Example:
        paperwall db upgrade                          # ./paperwall.db or $PAPERWALL_DB
        paperwall db upgrade --db postgresql://user@localhost/paperwall
    """
    with open_db(db_url, create=True, check_schema=False) as engine:
        shown = engine.url.render_as_string(hide_password=True)
        try:
            before = current_revision(engine)
            upgrade(engine)
            after = current_revision(engine)
        except SQLAlchemyError as exc:
            raise click.ClickException(f"cannot migrate database {shown}: {_one_line(exc)}") from None
    if before == after:
        click.echo(f"{shown}: already at schema revision {after} (head)")
    else:
        click.echo(f"{shown}: schema revision {before or '(none)'} -> {after} (head)")


@db_group.command("current")
@db_option
def db_current_command(db_url: str | None) -> None:
    """Print the database's schema revision, and whether it is the latest.

    Exit status 1 when the database has no tables yet.

    \b
    Example:
        paperwall db current
        paperwall db current --db sqlite:///crawl.db
    """
    with open_db(db_url, check_schema=False) as engine:
        shown = engine.url.render_as_string(hide_password=True)
        try:
            revision = current_revision(engine)
        except SQLAlchemyError as exc:
            raise click.ClickException(f"cannot open database {shown}: {_one_line(exc)}") from None
    if revision is None:
        raise click.ClickException(f"database {shown} has no tables yet: {NEEDS_SCHEMA}")
    head = _head_revision()
    state = "head" if revision == head else f"behind {head}: run `paperwall db upgrade`"
    click.echo(f"{revision} ({state})")


# --- paperwall articles ----------------------------------------------------------------


@click.command("articles")
@filter_options
@click.option("--format", "fmt", type=OneOf("table", "csv", "json"), default="table", show_default=True,
              help="table for reading; csv (with a header) or json (one array) for scripts.")
@db_option
def articles_command(fmt: str, db_url: str | None, **options: Any) -> None:
    """List the stored articles that match every filter given.

    The price is the cheapest *current* offer of --offer-kind (default: one
    article) that meets the currency and price filters; views are the latest
    observed.  Journal and publisher match whole names, case-insensitively.
    Prices compare only within one currency, so --min-price/--max-price need
    --currency.  Articles come in the order they were first stored.

    \b
    Example:
        paperwall articles --journal "Molecular Physics" --min-price 50 --currency USD
        paperwall articles --access open --published-from 2024-01-01
        paperwall articles --title porcelain --format json
        paperwall articles --offer-kind issue --currency GBP --format csv > issues.csv
    """
    filters = query_filters(**options)
    with open_db(db_url) as engine:
        rows = (_list_row(a, filters) for a in iter_articles(engine, **filters))
        with output(None) as out:
            if fmt == "csv":
                n = write_csv(out, LIST_COLUMNS, rows)
            elif fmt == "json":
                n = write_json_array(out, rows)
            else:
                listed = list(rows)  # a table needs every row for its widths
                n = len(listed)
                out.write(_articles_table(listed) + "\n")
        if not n:
            _explain_empty(engine, filters)


def _list_row(article: dict[str, Any], filters: dict[str, Any]) -> dict[str, Any]:
    offer = cheapest_offer(
        article, filters["offer_kind"], filters["currency"], filters["price_min"], filters["price_max"]
    )
    row = {k: plain(article.get(k)) for k in ("doi", "journal", "published", "title", "access", "url")}
    row.update(
        offer_label=offer["label"] if offer else None,
        price=str(offer["price"]) if offer else None,
        currency=offer["currency"] if offer else None,
        **{m: article["metrics"].get(m) for m in METRICS},
    )
    return {k: row[k] for k in LIST_COLUMNS}


def articles_table(engine: Engine) -> str:
    """Every stored article with its cheapest current article offer (the demo shows it)."""
    filters = query_filters(None, None, None, None, None, None, "article", None, None, None, None)
    return _articles_table([_list_row(a, filters) for a in iter_articles(engine, **filters)])


def _articles_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no articles match"
    body = [
        [
            r["doi"] or r["url"],
            truncate(r["journal"], 30),
            r["published"] or "-",
            truncate(r["title"], 50),
            money(r["price"], r["currency"]),
            number(r["views"]),
        ]
        for r in rows
    ]
    shown = table(["DOI", "JOURNAL", "PUBLISHED", "TITLE", "PRICE", "VIEWS"], body, right={4, 5})
    return f"{shown}\n{plural(len(rows), 'article')}"


def _explain_empty(engine: Engine, filters: dict[str, Any]) -> None:
    """When nothing matched because a name is not in the database at all, say so (stderr)."""
    for column, value in (("journal", filters["journal"]), ("publisher", filters["publisher"]),
                          ("currency", filters["currency"])):
        if value is None:
            continue
        known = distinct_values(engine, column)
        if value.lower() in (k.lower() for k in known):
            continue
        by_lower = {k.lower(): k for k in known}
        hint = [by_lower[h] for h in difflib.get_close_matches(value.lower(), list(by_lower), n=3, cutoff=0.6)]
        others = f"did you mean {' or '.join(repr(h) for h in hint)}?" if hint else (
            f"the database has {len(known)}: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''}"
            if known else "the database has none"
        )
        where = "in current offers" if column == "currency" else "in the database"
        note(f"note: no {column} {value!r} {where}; {others}")


# --- paperwall history -------------------------------------------------------------------


@click.command("history")
@click.argument("doi")
@click.option("--format", "fmt", type=OneOf("table", "json"), default="table", show_default=True,
              help="table for reading; json (one object) for scripts.")
@db_option
def history_command(doi: str, fmt: str, db_url: str | None) -> None:
    """Show how one article's offers and metrics changed over time.

    Offers: every interval an offer was seen at one price (first_seen to
    last_seen; "closed" is when a crawl found it changed or gone, "current"
    while it is still on the page).  Metrics: every distinct snapshot of
    views, citations, Altmetric and downloads, with what changed since the
    one before.  DOI may be bare, doi:..., or a https://doi.org/ URL.  Times
    are UTC.

    \b
    Example:
        paperwall history 10.1080/00268976.2013.788745
        paperwall history https://doi.org/10.5555/pwim.2023.2170001 --format json
    """
    with open_db(db_url) as engine:
        try:
            h = article_history(engine, doi)
        except LookupError as exc:
            raise click.ClickException(str(exc.args[0] if exc.args else exc)) from None
    h["offers"] = sorted(h["offers"], key=lambda o: (o["kind"], o["label"], o["currency"] or "", o["first_seen"]))
    with output(None) as out:
        if fmt == "json":
            out.write(_json(h, indent=2) + "\n")
        else:
            out.write(_history_text(h) + "\n")


def _history_text(h: dict[str, Any]) -> str:
    head = [
        f"{h['doi'] or h['url']}  {h['title'] or '(no title)'}",
        (f"{h['journal'] or '-'}; published {plain(h['published']) or '-'}; access {h['access']}; "
         f"seen {when(h['first_seen'])} to {when(h['last_seen'])} UTC in {h['fetches']} fetches"),
        "",
    ]
    offers = [
        [
            o["label"],
            o["kind"],
            money(o["price"], o["currency"]),
            when(o["first_seen"]),
            when(o["last_seen"]),
            when(o["closed_at"]) if o["closed_at"] else "current",
        ]
        for o in h["offers"]
    ]
    lines = head + [f"Offers ({plural(len(offers), 'interval')})"]
    lines.append(
        table(["LABEL", "KIND", "PRICE", "FIRST SEEN", "LAST SEEN", "CLOSED"], offers, right={2})
        if offers else "  none shown"
    )
    metrics, previous = [], None
    for m in h["metrics"]:
        metrics.append([when(m["first_seen"]), when(m["last_seen"]), *(number(m[k]) for k in METRICS),
                        _metric_change(previous, m)])
        previous = m
    lines += ["", f"Metrics ({plural(len(metrics), 'snapshot')})"]
    lines.append(
        table(["FIRST SEEN", "LAST SEEN", "VIEWS", "CITATIONS", "ALTMETRIC", "DOWNLOADS", "CHANGE"], metrics,
              right={2, 3, 4, 5})
        if metrics else "  none shown"
    )
    return "\n".join(lines)


def _metric_change(previous: dict[str, Any] | None, current: dict[str, Any]) -> str:
    if previous is None:
        return "first seen"
    parts = []
    for k in METRICS:
        old, new = previous[k], current[k]
        if old != new and old is not None and new is not None:
            parts.append(f"{k} {new - old:+,}")
        elif old != new:
            parts.append(f"{k} {number(old)} -> {number(new)}")
    return ", ".join(parts) or "-"


# --- paperwall export --------------------------------------------------------------------


@click.command("export")
@filter_options
@click.option("--format", "fmt", type=OneOf("csv", "jsonl", "ris", "csl-json"), default="csv", show_default=True,
              help="csv / jsonl: one row per article with current offers and metrics; "
                   "ris / csl-json: references for Zotero, EndNote, Mendeley, pandoc.")
@click.option("-o", "--output", "path", default=None, metavar="FILE",
              help="Write to FILE (replaced whole when done) [default: stdout].")
@db_option
def export_command(fmt: str, path: str | None, db_url: str | None, **options: Any) -> None:
    """Export the matching articles with their current offers and metrics.

    Takes the filters of `paperwall articles`.  csv: a header then one row
    per article (authors, ISSNs and keywords joined by "; ", every current
    offer as JSON in `offers`, the cheapest matching one in price/currency/
    offer_label).  jsonl: the same rows, one JSON object per line.  ris and
    csl-json (a JSON array): bibliographic records for reference managers.
    Reads the database a page at a time, so any size exports in little memory.

    \b
    Example:
        paperwall export --journal "Molecular Physics" --format csv -o molphys.csv
        paperwall export --access paywalled --currency USD --min-price 50 --format jsonl
        paperwall export --published-from 2023-01-01 --format ris -o refs.ris
        paperwall export --format csl-json | pandoc --citeproc ...
    """
    filters = query_filters(**options)
    price_filters = {k: filters[k] for k in ("currency", "price_min", "price_max")}
    with open_db(db_url) as engine:
        articles = iter_articles(engine, **filters)
        with output(path) as out:
            n = _export(out, fmt, articles, filters["offer_kind"], price_filters)
    if path not in (None, "-"):
        note(f"wrote {plural(n, 'article')} to {path} ({fmt})")


def _export(
    out: IO[str], fmt: str, articles: Iterable[dict[str, Any]], offer_kind: str, price_filters: dict[str, Any]
) -> int:
    n = 0
    if fmt == "csv":
        return write_csv(out, EXPORT_COLUMNS, (flat_row(a, offer_kind, **price_filters) for a in articles))
    if fmt == "jsonl":
        for a in articles:
            out.write(json.dumps(flat_row(a, offer_kind, **price_filters), ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "ris":
        for a in articles:
            out.write(("\n" if n else "") + to_ris(a))
            n += 1
    else:  # csl-json: one JSON array, one item per line, written as they come
        out.write("[")
        for a in articles:
            out.write(("," if n else "") + "\n" + json.dumps(to_csl_json(a), ensure_ascii=False))
            n += 1
        out.write("\n]\n" if n else "]\n")
    return n


# --- paperwall health --------------------------------------------------------------------


@click.command("health")
@click.option("--days", type=Count(), default=7, show_default=True,
              help="Length of the two windows compared: the last N days and the N days before.")
@click.option("--platform", default=None, help="Only this platform (as in the record: tandf, springer, ...).")
@click.option("--min-fetches", type=Count(), default=5, show_default=True,
              help="Flag a platform's drops only when each window has at least this many article fetches.")
@click.option("--drop", "points", type=Count(), default=25, show_default=True,
              help="Flag a field whose share of article fetches fell by at least this many percentage points.")
@click.option("--format", "fmt", type=OneOf("table", "json"), default="table", show_default=True,
              help="table for reading; json for scripts and monitoring.")
@click.option("--fail-on-drop", is_flag=True, help="Exit with status 2 when a field dropped (for cron and alerts).")
@db_option
def health_command(
    days: int, platform: str | None, min_fetches: int, points: int, fmt: str, fail_on_drop: bool, db_url: str | None
) -> None:
    """Show which fields each platform's article pages gave in recent crawls,
    against the days before, and flag the fields that stopped coming.

    A publisher's redesign that breaks a selector shows here first: a page
    that shows nothing never blanks a stored value, so the database keeps
    the last price or count it read.  Each article fetch records the fields
    its page gave; `paperwall check-corpus` counts the same fields over
    saved pages.

    \b
    Example:
        paperwall health                       # last 7 days against the 7 before
        paperwall health --days 1 --platform tandf
        paperwall health --fail-on-drop --format json   # in a cron job
    """
    with open_db(db_url) as engine:
        health = field_health(engine, days=days, platform=platform)
    drops = field_drops(health, min_fetches=min_fetches, points=points)
    if fmt == "json":
        click.echo(_json({"days": days, "platforms": health, "drops": drops}, indent=2))
    else:
        _print_field_health(health, drops, days)
    if drops and fail_on_drop:
        sys.exit(2)


def _print_field_health(health: dict[str, dict[str, Any]], drops: list[dict[str, Any]], days: int) -> None:
    if not health:
        click.echo(f"no article fetches with recorded fields in the last {2 * days} days")
        return
    dropped = {(d["platform"], d["field"]) for d in drops}

    def share(n: int, total: int) -> str:
        return f"{n}/{total} ({100 * n / total:.0f}%)" if total else "-"

    rows = []
    for name, entry in health.items():
        recent_n, before_n = entry["fetches"]
        rows.append([name, "(article fetches)", str(recent_n), str(before_n), ""])
        warned = entry["warnings"]
        rows.append([name, "(with warnings)", share(warned[0], recent_n), share(warned[1], before_n), ""])
        for field_name, (recent, before) in entry["fields"].items():
            flag = "DROPPED" if (name, field_name) in dropped else ""
            label = LABELS.get(field_name, field_name)
            rows.append([name, label, share(recent, recent_n), share(before, before_n), flag])
    click.echo(table(["platform", "field", f"last {days} d", f"{days} d before", ""], rows, right={2, 3}))
    if drops:
        listed = ", ".join(
            f"{d['platform']} {d['field']} ({d['before_share']:.0f}% -> {d['recent_share']:.0f}%)" for d in drops
        )
        click.echo(f"\n{plural(len(drops), 'field')} dropped: {listed}")
    else:
        click.echo("\nno field dropped")
