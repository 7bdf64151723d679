"""`paperwall extract`: one page's record as JSON, from a file or a URL."""

from __future__ import annotations

import csv
import json
import sys
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

import click

from spiders.health import CHECKED_FIELDS, LABELS, fields_given
from spiders.pages import extract
from spiders.settings import USER_AGENT


def register(main: click.Group) -> None:
    main.add_command(extract_command)
    main.add_command(check_corpus_command)


@click.command("extract")
@click.argument("source")
@click.option("--url", "page_url", help="The page's URL, when SOURCE is a saved file (decides the platform).")
@click.option("--compact", is_flag=True, help="One line of JSON instead of an indented object.")
def extract_command(source: str, page_url: str | None, compact: bool) -> None:
    """Print the record of one landing page as one JSON object.

    SOURCE is a saved HTML file, '-' for standard input, or an http(s) URL
    (fetched once, politely, with paperwall's User-Agent; robots.txt is the
    crawler's business: use `paperwall crawl` for anything more than a look).

    Exit status 0 whenever a record was produced, whatever the page turned out
    to be (see its "status"); 1 with a one-line error when SOURCE is unreadable.

    \b
    Examples:
        paperwall extract saved-page.html --url https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745
        paperwall extract https://www.tandfonline.com/doi/abs/10.1080/00268976.2013.788745
    """
    if source.startswith(("http://", "https://")):
        url, body, headers, status = _fetch(source)
    else:
        body = _read(source)
        url, headers, status = page_url or _file_url(source), {}, 200
    record = extract(page_url or url, body, headers, status)
    text = json.dumps(record.to_dict(), ensure_ascii=False, indent=None if compact else 2)
    click.echo(text)


def _read(source: str) -> bytes:
    try:
        if source == "-":
            return sys.stdin.buffer.read()
        return Path(source).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from exc


def _file_url(source: str) -> str:
    return "file://" + str(Path(source).resolve()) if source != "-" else "file:///dev/stdin"


def _fetch(url: str) -> tuple[str, bytes, dict[str, str], int]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only
            return response.geturl(), response.read(), dict(response.headers.items()), response.status
    except urllib.error.HTTPError as exc:
        # A 403 challenge or a 404 page is still a page: classify it.
        return url, exc.read(), dict(exc.headers.items()), exc.code
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(f"cannot fetch {url}: {reason}") from exc


@click.command("check-corpus")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="A MANIFEST.tsv with each file's original URL (default: FOLDER/MANIFEST.tsv if present).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def check_corpus_command(folder: Path, manifest: Path | None, fmt: str) -> None:
    """Extract every saved page under FOLDER and show, per platform, how many
    pages gave each field: when a publisher's redesign breaks a field, its
    count drops.

    Page statuses other than "article" (challenges, login walls, not-found
    pages) are counted apart; their fields are not.

    \b
    Example:
        paperwall check-corpus ../shared/pages
        paperwall check-corpus saved-pages/ --format csv > health.csv
    """
    urls = _manifest_urls(manifest or folder / "MANIFEST.tsv", folder)
    pages = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm"))
    if not pages:
        raise click.ClickException(f"no .html pages under {folder}")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    statuses: Counter[tuple[str, str]] = Counter()
    for path in pages:
        rel = path.relative_to(folder).as_posix()
        record = extract(urls.get(rel) or _file_url(str(path)), path.read_bytes())
        statuses[(record.platform, record.status)] += 1
        if record.status != "article":
            continue
        platform_counts = counts[record.platform]
        platform_counts["(pages)"] += 1
        platform_counts["(warnings)"] += bool(record.warnings)
        platform_counts.update(fields_given(record))
    _print_health(counts, statuses, fmt)


def _manifest_urls(manifest: Path, folder: Path) -> dict[str, str]:
    if not manifest.is_file():
        return {}
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return {r["file"]: (r.get("original_url") or "").split(" ")[0] for r in rows if r.get("file")}


def _print_health(counts: dict[str, Counter[str]], statuses: Counter[tuple[str, str]], fmt: str) -> None:
    platforms = sorted(counts)
    rows = ["(pages)", *CHECKED_FIELDS, "(warnings)"]
    if fmt == "json":
        data = {p: {r: counts[p][r] for r in rows} for p in platforms}
        data["(other statuses)"] = {f"{p}/{s}": n for (p, s), n in sorted(statuses.items()) if s != "article"}
        click.echo(json.dumps(data, indent=2))
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["field", *platforms])
        for row in rows:
            writer.writerow([row, *(counts[p][row] for p in platforms)])
        return
    widths = {p: max(len(p), 5) + 1 for p in platforms}
    click.echo(f"{'field':18}" + "".join(f"{p:>{widths[p]}}" for p in platforms))
    for row in rows:
        cells = []
        for p in platforms:
            n, total = counts[p][row], counts[p]["(pages)"]
            cells.append(f"{n:>{widths[p]}}" if row == "(pages)" else f"{f'{n}/{total}':>{widths[p]}}")
        click.echo(f"{LABELS.get(row, row):18}" + "".join(cells))
    others = [(p, s, n) for (p, s), n in sorted(statuses.items()) if s != "article"]
    if others:
        click.echo("\nnot articles: " + ", ".join(f"{n} {s} ({p})" for p, s, n in others))
