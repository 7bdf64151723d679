"""Crawl targets: what a line of a target list means, and the URL asked for it.

Shared by the landing spider and the revalidation step (`spiders.revalidate`),
which must not import Scrapy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote

DEFAULT_RESOLVER = "https://doi.org/"

# "10.1080/…", "doi:10.1080/…", "https://doi.org/10.1080/…", "http://dx.doi.org/10.1080/…"
_DOI = re.compile(
    r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE
)


def parse_target(text: str) -> tuple[str, str | None] | None:
    """(kind, value) for one target line: ("doi", bare DOI) or ("url", URL).

    None for blank lines, comments and anything that is neither.
    """
    text = text.strip()
    if not text or text.startswith("#"):
        return None
    match = _DOI.match(unquote(text) if text.lower().startswith("http") else text)
    if match:
        return "doi", match.group(1).rstrip(".,;")
    if re.match(r"^https?://\S+$", text, re.IGNORECASE):
        return "url", text
    return None


def read_targets(
    urls: str | Iterable[str] | None = None, file: str | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Targets from a list (or a comma-separated string) and/or a file (one per line).

    Returns ((kind, value) targets, rejected lines); duplicates are dropped, order kept.
    """
    lines: list[str] = []
    if isinstance(urls, str):
        # `-a urls=A,B`; one per line when the string has lines (what a
        # Scrapyd job is sent), so a URL may hold a comma.
        lines.extend(urls.splitlines() if "\n" in urls else urls.split(","))
    elif urls:
        lines.extend(urls)
    if file:
        lines.extend(Path(file).read_text(encoding="utf-8").splitlines())
    targets: list[tuple[str, str]] = []
    seen: set[tuple[str, str | None]] = set()
    rejected: list[str] = []
    for line in lines:
        parsed = parse_target(line)
        if parsed is None:
            if line.strip() and not line.strip().startswith("#"):
                rejected.append(line.strip())
            continue
        if parsed not in seen:  # a set: target lists run to tens of thousands
            seen.add(parsed)
            targets.append(parsed)  # type: ignore[arg-type]
    return targets, rejected


def target_key(kind: str, value: str) -> str:
    """A target as its fetches name it (`FetchResult.target`): DOIs lower-cased."""
    return value.lower() if kind == "doi" else value


def now_iso() -> str:
    """When a fetch happened, as FetchResult.fetched_at holds it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def resolver_url(doi: str, resolver: str | None = None) -> str:
    """The URL that resolves `doi` (``PAPERWALL_DOI_RESOLVER``, default https://doi.org/)."""
    return (resolver or DEFAULT_RESOLVER) + quote(doi, safe="/:;()[]<>._-~")


def asked_url(kind: str, value: str, resolver: str | None = None) -> str:
    """The URL requested for a target: a DOI through the resolver, a URL as it is."""
    return resolver_url(value, resolver) if kind == "doi" else value
