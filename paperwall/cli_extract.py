"""`paperwall extract`: one page's record as JSON, from a file or a URL."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import click

from spiders.pages import extract
from spiders.settings import USER_AGENT


def register(main: click.Group) -> None:
    main.add_command(extract_command)


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
