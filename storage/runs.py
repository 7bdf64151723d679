"""Crawl runs and the target list: what to fetch, when, and how each run went.

* **Refresh policy** (`RefreshPolicy`): after a good fetch a target is due
  again after an interval set by the age of its article: published in the
  last 30 days daily, in the last year weekly, older monthly (no date known:
  weekly).  A failing target is retried 1 h, 2 h, 4 h, ... later, capped at
  `REFRESH_INTERVAL`.  The writer applies it (`storage.writer.write_batch`).
* **Domain backoff** (`domain_backoff` table): a site answering bot
  challenges (`DOMAIN_STRIKES` in a row) or a 429 that outlived its retries
  is left alone for 1 h, 2 h, 4 h, ... (capped at a week); its due targets
  are skipped meanwhile.  `finish_run` reads each run's fetches to decide.
* **Validators** (`validators_for`): the ETag / Last-Modified of the last
  good fetch of a URL, for conditional requests.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storage.db import session_scope
from storage.models import CrawlRun, DomainBackoff, Fetch, Target, utcnow

# The longest interval of the default policy (articles older than a year are
# looked at monthly); also the cap of a failing target's backoff.
REFRESH_INTERVAL = timedelta(days=30)
RETRY_BASE = timedelta(hours=1)  # a failing one is retried 1h, 2h, 4h, ... later

# Domain backoff: this many bot challenges in a row from one site (a 429 that
# outlived its retries counts as all of them) send it away for 1 h, 2 h, ...
DOMAIN_STRIKES = 3
DOMAIN_BACKOFF_BASE = timedelta(hours=1)
DOMAIN_BACKOFF_MAX = timedelta(days=7)

# Fetch outcomes: article pages read and stored, or confirmed unchanged by a 304.
GOOD_OUTCOMES = ("new", "changed", "unchanged", "not_modified")
NOT_MODIFIED = "not_modified"  # a 304 answer: nothing parsed, nothing written
SKIPPED = "skipped"  # not requested: the domain was backing off
# The error text of a request the crawl did not make because its domain backs off.
SKIP_ERROR = "not fetched: domain backing off"

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def strip_doi(value: str) -> str:
    """ "doi:10.x/Y" or "https://doi.org/10.x/Y" -> "10.x/y" (no validation)."""
    return unquote(_DOI_PREFIX.sub("", value.strip())).lower()


def normalize_doi(value: str | None) -> str | None:
    """Bare lower-case DOI from "10.x/y", "doi:10.x/y" or a doi.org URL; None if not a DOI."""
    bare = strip_doi(value) if value else ""
    return bare if _DOI.match(bare) else None


def classify_target(value: str) -> tuple[str, str]:
    """("doi", bare lower-case DOI) or ("url", the value stripped)."""
    doi = normalize_doi(value)
    return ("doi", doi) if doi else ("url", value.strip())


def domain_of(url: str | None) -> str | None:
    """The site a URL is on: its host, lower-case, with the port when one is given.

    (Real publishers use default ports; test servers on one loopback host
    differ by port, and must not share a backoff.)
    """
    if not url or "://" not in url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return f"{host}:{port}" if port is not None else host


# --- durations and the refresh policy -------------------------------------------------


def parse_duration(text: str) -> timedelta:
    """ "90s", "15m", "6h", "1d", "2w", "1h30m" -> timedelta; ValueError otherwise (or if 0)."""
    compact = re.sub(r"\s+", "", str(text)).lower()
    if not compact or _DURATION.sub("", compact):
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 6h, 1d, 2w, 1h30m)")
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(compact))
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """timedelta -> "1d", "6h", "1h30m", "45s"."""
    seconds = int(round(delta.total_seconds()))
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)


def with_time_limit(settings: Mapping[str, Any] | None, seconds: float | None) -> dict[str, Any]:
    """Crawl settings with a time limit: the crawl closes itself then
    (Scrapy's CLOSESPIDER_TIMEOUT, whole seconds), unless the settings set
    their own."""
    out = dict(settings or {})
    if seconds:
        out.setdefault("CLOSESPIDER_TIMEOUT", closespider_timeout(seconds))
    return out


def closespider_timeout(seconds: float) -> str:
    """CLOSESPIDER_TIMEOUT for a time limit: whole seconds, at least one."""
    return str(max(1, math.ceil(seconds)))


@dataclass(frozen=True)
class RefreshPolicy:
    """When a target is due again: by the age of its article, and after failures.

    `tiers`: (max age, interval) from the youngest; an article older than
    every max age gets `older`; one with no known date gets `undated`.
    Written as text (setting ``PAPERWALL_REFRESH_POLICY``)::

        30d:1d, 365d:7d, *:30d, ?:7d, retry:1h

    = published in the last 30 days: daily; last year: weekly; older: monthly;
    no date: weekly; a failing target retried after 1 h, 2 h, 4 h, ...
    """

    tiers: tuple[tuple[timedelta, timedelta], ...] = (
        (timedelta(days=30), timedelta(days=1)),
        (timedelta(days=365), timedelta(days=7)),
    )
    older: timedelta = REFRESH_INTERVAL
    undated: timedelta = timedelta(days=7)
    retry_base: timedelta = RETRY_BASE
    retry_max: timedelta = REFRESH_INTERVAL

    def interval(self, published: date | None, now: datetime) -> timedelta:
        """How long a good fetch of an article published on `published` stays fresh."""
        if published is None:
            return self.undated
        age = now.date() - published
        for max_age, interval in self.tiers:
            if age <= max_age:
                return interval
        return self.older

    def retry_delay(self, failures: int) -> timedelta:
        """Exponential backoff after `failures` failures in a row, capped."""
        # The exponent is bounded: timedelta overflows long before 2**64 hours.
        return min(self.retry_base * 2 ** min(max(failures - 1, 0), 30), self.retry_max)

    @classmethod
    def parse(cls, text: str | None) -> RefreshPolicy:
        """The policy written as text (see the class doc); missing parts keep their default."""
        if text is None or not str(text).strip():
            return cls()
        default = cls()
        tiers: list[tuple[timedelta, timedelta]] = []
        values: dict[str, timedelta] = {}
        for item in str(text).split(","):
            if not item.strip():
                continue
            key, sep, value = item.partition(":")
            key, value = key.strip().lower(), value.strip()
            if not sep or not value:
                raise ValueError(f"refresh policy item {item.strip()!r}: expected AGE:INTERVAL")
            interval = parse_duration(value)
            if key == "*":
                values["older"] = interval
            elif key == "?":
                values["undated"] = interval
            elif key == "retry":
                values["retry_base"] = interval
            else:
                tiers.append((parse_duration(key), interval))
        older = values.get("older", default.older)
        return cls(
            tiers=tuple(sorted(tiers)) if tiers else default.tiers,
            older=older,
            undated=values.get("undated", default.undated),
            retry_base=values.get("retry_base", default.retry_base),
            retry_max=max(older, *(i for _, i in tiers)) if tiers else max(older, default.retry_max),
        )

    def describe(self) -> str:
        parts = [f"{format_duration(a)}:{format_duration(i)}" for a, i in self.tiers]
        parts += [f"*:{format_duration(self.older)}", f"?:{format_duration(self.undated)}",
                  f"retry:{format_duration(self.retry_base)}"]
        return ", ".join(parts)


DEFAULT_POLICY = RefreshPolicy()


def retry_delay(failures: int) -> timedelta:
    """Exponential backoff of the default policy, capped at REFRESH_INTERVAL."""
    return DEFAULT_POLICY.retry_delay(failures)


def domain_backoff_delay(trips: int) -> timedelta:
    """1 h, 2 h, 4 h, ... for the 1st, 2nd, 3rd backoff in a row, capped at a week."""
    return min(DOMAIN_BACKOFF_BASE * 2 ** min(max(trips - 1, 0), 30), DOMAIN_BACKOFF_MAX)


@dataclass(frozen=True)
class DueTarget:
    id: int
    kind: str  # doi|url
    value: str

    @property
    def url(self) -> str:
        """What to request: DOIs resolve through doi.org."""
        return f"https://doi.org/{self.value}" if self.kind == "doi" else self.value

    @property
    def line(self) -> str:
        """The target as a line of a targets file (`scrapy crawl landing -a file=`)."""
        return f"doi:{self.value}" if self.kind == "doi" else self.value


def add_targets(
    engine: Engine, values: Iterable[str], source: str | None = None, now: datetime | None = None
) -> int:
    """Watch these DOIs/URLs (duplicates and known ones are skipped). Returns how many were new."""
    wanted: dict[str, str] = {}
    for raw in values:
        if raw and raw.strip():
            kind, value = classify_target(raw)
            wanted.setdefault(value, kind)
    if not wanted:
        return 0
    with session_scope(engine, write=True) as session:
        known: set[str] = set()
        names = list(wanted)
        for chunk in _chunks(names):  # stay far below bind-parameter limits
            known.update(session.scalars(select(Target.value).where(Target.value.in_(chunk))))
        added_at = now or utcnow()
        fresh = [v for v in names if v not in known]
        session.add_all(
            Target(
                kind=wanted[v],
                value=v,
                source=source,
                added_at=added_at,
                consecutive_failures=0,
                domain=domain_of(v) if wanted[v] == "url" else None,
            )
            for v in fresh
        )
    return len(fresh)


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _backing_off(now: datetime) -> Any:
    """Subquery: domains backing off at `now`."""
    return select(DomainBackoff.domain).where(DomainBackoff.until > now)


def due_targets(
    engine: Engine,
    now: datetime | None = None,
    limit: int | None = 100,
    *,
    sources: Sequence[str] | None = None,
    skip_backoff: bool = True,
) -> list[DueTarget]:
    """Targets never fetched or due by `now`, most overdue first (never-fetched first of all).

    `sources`: only targets added with one of these sources.  `skip_backoff`:
    leave out targets whose domain is backing off (see `backing_off`).
    """
    now = now or utcnow()
    query = select(Target.id, Target.kind, Target.value).where(
        or_(Target.next_due.is_(None), Target.next_due <= now)
    )
    if sources:
        query = query.where(Target.source.in_(list(sources)))
    if skip_backoff:
        query = query.where(or_(Target.domain.is_(None), Target.domain.not_in(_backing_off(now))))
    query = query.order_by(case((Target.next_due.is_(None), 0), else_=1), Target.next_due, Target.id)
    if limit is not None:
        query = query.limit(limit)
    with session_scope(engine) as session:
        return [DueTarget(*row) for row in session.execute(query)]


def targets_for(engine: Engine, values: Iterable[str]) -> list[Target]:
    """The target rows of these DOIs/URLs (normalised like `add_targets`), in the given order."""
    names = list(dict.fromkeys(classify_target(v)[1] for v in values if v and v.strip()))
    found: dict[str, Target] = {}
    with session_scope(engine) as session:
        for chunk in _chunks(names):
            found.update((t.value, t) for t in session.scalars(select(Target).where(Target.value.in_(chunk))))
    return [found[v] for v in names if v in found]


@dataclass(frozen=True)
class Backoff:
    domain: str
    until: datetime
    reason: str | None


def backing_off(engine: Engine, now: datetime | None = None) -> dict[str, Backoff]:
    """Domains backing off at `now`: {domain: Backoff}."""
    now = now or utcnow()
    with session_scope(engine) as session:
        rows = session.execute(
            select(DomainBackoff.domain, DomainBackoff.until, DomainBackoff.reason)
            .where(DomainBackoff.until > now)
            .order_by(DomainBackoff.until.desc())
        ).all()
    return {d: Backoff(d, u, r) for d, u, r in rows if u is not None}


def domain_strikes(engine: Engine) -> dict[str, int]:
    """Bot challenges in a row each domain has given so far (carried from run to run)."""
    with session_scope(engine) as session:
        return dict(
            session.execute(select(DomainBackoff.domain, DomainBackoff.strikes).where(DomainBackoff.strikes > 0)).all()
        )


def due_skipped_by_backoff(
    engine: Engine, now: datetime | None = None, sources: Sequence[str] | None = None
) -> dict[str, int]:
    """Due targets left out because their domain backs off: {domain: how many}."""
    now = now or utcnow()
    query = (
        select(Target.domain, func.count())
        .where(or_(Target.next_due.is_(None), Target.next_due <= now), Target.domain.in_(_backing_off(now)))
        .group_by(Target.domain)
    )
    if sources:
        query = query.where(Target.source.in_(list(sources)))
    with session_scope(engine) as session:
        return {d: n for d, n in session.execute(query).all() if d is not None}


def validators_for(
    engine: Engine, urls: Iterable[str], values: Iterable[str] | None = None
) -> dict[str, tuple[str | None, str | None]]:
    """{url: (etag, last_modified)} of the last good fetch, for the URLs that have any.

    "Good": the page was stored (`new`/`changed`/`unchanged`) or confirmed by
    a 304, so the database holds what the page shows; a URL whose last read
    could not be stored gets no validators from it (it is asked in full).
    Watched targets keep them on their row (`values`: each URL's target
    value, e.g. the DOI a resolver URL stands for; default: the URL itself);
    other URLs are looked up in their fetches.
    """
    urls = list(urls)
    keys = [classify_target(v)[1] for v in (values if values is not None else urls)]
    out: dict[str, tuple[str | None, str | None]] = {}
    with session_scope(engine) as session:
        by_value: dict[str, tuple[str | None, str | None]] = {}
        known: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(keys))):
            for value, etag, modified, fetched in session.execute(
                select(Target.value, Target.etag, Target.last_modified, Target.last_fetched).where(
                    Target.value.in_(chunk)
                )
            ):
                if fetched is not None:  # a target never fetched knows nothing yet: ask its fetches
                    known.add(value)
                if etag or modified:
                    by_value[value] = (etag, modified)
        rest = []
        for url, key in zip(urls, keys, strict=True):
            if key in by_value:
                out[url] = by_value[key]
            elif key not in known:
                rest.append(url)
        for chunk in _chunks(list(dict.fromkeys(rest))):
            latest = (
                select(func.max(Fetch.id))
                .where(Fetch.url.in_(chunk), Fetch.outcome.in_(GOOD_OUTCOMES))
                .group_by(Fetch.url)
            )
            rows = session.execute(
                select(Fetch.url, Fetch.etag, Fetch.last_modified).where(
                    Fetch.id.in_(latest), or_(Fetch.etag.is_not(None), Fetch.last_modified.is_not(None))
                )
            )
            out.update((url, (etag, modified)) for url, etag, modified in rows)
    return out


# --- runs ---------------------------------------------------------------------------------


def start_run(
    engine: Engine,
    trigger: str,
    description: str | None = None,
    now: datetime | None = None,
    owner: str | None = None,
) -> int:
    """Open a crawl run; pass its id to `write_batch` so fetches point at it.

    `owner` ("host:pid") lets a later scheduler close a run whose process died.
    """
    with session_scope(engine, write=True) as session:
        run = CrawlRun(
            trigger=trigger, description=description, started_at=now or utcnow(), owner=owner, **_zero_counts()
        )
        session.add(run)
        session.flush()
        return run.id


def finish_run(
    engine: Engine,
    run_id: int,
    stats: Any | None = None,
    now: datetime | None = None,
    *,
    outcome: str | None = None,
    notes: Iterable[str] = (),
) -> dict[str, Any]:
    """Close a run and store its counts; returns them (with the run's `outcome` and `notes`).

    `stats` is a `WriteStats` (or its `as_dict()`), e.g. the sum over the
    run's batches.  Without it the counts are computed from the run's
    fetches, which is always right even if batches were written elsewhere.

    The first time a run is finished its fetches also update the domains'
    backoff (`domain_backoff`); a domain that starts backing off is named in
    the run's notes.  `outcome` defaults to "ok"; `notes` are added to the
    run's notes.
    """
    with session_scope(engine, write=True) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise LookupError(f"no crawl run with id {run_id}")
        counts = _counts_from_stats(stats) if stats is not None else _counts_from_fetches(session, run_id)
        counts["error_kinds"] = _error_kinds(session, run_id)
        lines = [n for n in notes if n]
        if run.finished_at is None:  # once per run: the domains' streaks are order-dependent
            lines += update_domains(session, run_id)
        for name, value in counts.items():
            setattr(run, name, value)
        if lines:
            run.notes = "\n".join(filter(None, [run.notes, *lines]))
        run.outcome = outcome or run.outcome or "ok"
        run.finished_at = now or utcnow()
        counts["outcome"], counts["notes"] = run.outcome, run.notes
    return counts


def note_run(engine: Engine, run_id: int, note: str) -> None:
    """Add a line to a run's notes (e.g. targets skipped before the crawl started)."""
    with session_scope(engine, write=True) as session:
        run = session.get(CrawlRun, run_id)
        if run is not None:
            run.notes = "\n".join(filter(None, [run.notes, note]))


COUNT_NAMES = (
    "pages",
    "articles_new",
    "articles_changed",
    "articles_unchanged",
    "not_modified",
    "skipped",
    "challenges",
    "not_found",
    "errors",
)


def _zero_counts() -> dict[str, Any]:
    return {**dict.fromkeys(COUNT_NAMES, 0), "status_counts": {}, "error_kinds": {}}


def _counts_from_stats(stats: Any) -> dict[str, Any]:
    d: Mapping[str, Any] = stats if isinstance(stats, Mapping) else stats.as_dict()
    statuses = dict(d.get("statuses", {}))
    return {
        "pages": d.get("fetches", 0),
        "articles_new": d.get("articles_new", 0),
        "articles_changed": d.get("articles_changed", 0),
        "articles_unchanged": d.get("articles_unchanged", 0),
        "not_modified": statuses.get(NOT_MODIFIED, 0),
        "skipped": statuses.get(SKIPPED, 0),
        "challenges": statuses.get("challenge", 0),
        "not_found": statuses.get("not_found", 0),
        "errors": d.get("errors", 0),
        "status_counts": statuses,
    }


def fetch_status() -> Any:
    """SQL for a fetch's status key in `status_counts`: the page status, else
    `not_modified` / `skipped`, else `error` (no page was read)."""
    return case(
        (Fetch.outcome.in_((NOT_MODIFIED, SKIPPED)), Fetch.outcome),
        else_=func.coalesce(Fetch.page_status, "error"),
    )


def _counts_from_fetches(session: Any, run_id: int) -> dict[str, Any]:
    status = fetch_status()
    has_error = and_(Fetch.error.is_not(None), Fetch.outcome != SKIPPED)
    rows = session.execute(
        select(status, Fetch.outcome, has_error, func.count())
        .where(Fetch.run_id == run_id)
        .group_by(status, Fetch.outcome, has_error)
    ).all()
    counts = _zero_counts()
    del counts["error_kinds"]
    statuses: dict[str, int] = {}
    for page_status, outcome, error, n in rows:
        counts["pages"] += n
        statuses[page_status] = statuses.get(page_status, 0) + n
        if outcome in ("new", "changed", "unchanged"):
            counts[f"articles_{outcome}"] += n
        if error:
            counts["errors"] += n
    counts.update(
        not_modified=statuses.get(NOT_MODIFIED, 0),
        skipped=statuses.get(SKIPPED, 0),
        challenges=statuses.get("challenge", 0),
        not_found=statuses.get("not_found", 0),
        status_counts=statuses,
    )
    return counts


# --- what went wrong, by kind -------------------------------------------------------------

_ERROR_KINDS = (
    ("skipped", ("domain backing off",)),
    ("robots", ("robots.txt",)),
    ("timeout", ("timeout", "timed out", "timedout", "took longer than")),
    ("dns", ("dnslookup", "dns lookup", "no address")),
    ("connection", ("connection", "responsenever", "refused", "ssl", "tunnel")),
    ("extraction", ("extraction failed",)),
    ("write", ("write failed", "fetch row failed", "unreadable fetched_at")),
)
_NETWORK_KINDS = frozenset(("timeout", "dns", "connection"))


def error_kind(
    http_status: int | None, page_status: str | None, outcome: str | None, error: str | None
) -> str | None:
    """What kind of trouble a fetch met (None: none).

    Pages: `challenge`, `login`, `not_found`, `rate_limited` (429),
    `http_5xx`, `http_4xx`; no page: `robots`, `timeout`, `dns`,
    `connection`, `extraction`, `write`, `skipped` (domain backing off),
    `other`.
    """
    if outcome == SKIPPED:
        return "skipped"
    if error:
        text = error.lower()
        if "robots.txt unreachable" in text:
            # The site did not answer: say how (a refused connection, DNS, a
            # timeout), which is what the trouble is; else a robots.txt 5xx.
            network = [
                kind for kind, needles in _ERROR_KINDS if kind in _NETWORK_KINDS and any(n in text for n in needles)
            ]
            return network[0] if network else "robots"
        for kind, needles in _ERROR_KINDS:
            if any(n in text for n in needles):
                return kind
        return "other"
    if page_status in ("challenge", "login", "not_found"):
        return page_status
    if http_status == 429:
        return "rate_limited"
    if http_status is not None and http_status >= 500:
        return "http_5xx"
    if http_status is not None and http_status >= 400 and outcome not in GOOD_OUTCOMES:
        return "http_4xx"
    return None


def _error_kinds(session: Session, run_id: int) -> dict[str, int]:
    bad = or_(
        Fetch.error.is_not(None),
        Fetch.outcome == SKIPPED,
        Fetch.page_status.in_(("challenge", "login", "not_found")),
        Fetch.http_status >= 400,
    )
    rows = session.execute(
        select(Fetch.http_status, Fetch.page_status, Fetch.outcome, Fetch.error, func.count())
        .where(Fetch.run_id == run_id, bad)
        .group_by(Fetch.http_status, Fetch.page_status, Fetch.outcome, Fetch.error)
    ).all()
    kinds: Counter[str] = Counter()
    for http_status, page_status, outcome, error, n in rows:
        kind = error_kind(http_status, page_status, outcome, error)
        if kind:
            kinds[kind] += n
    return dict(sorted(kinds.items()))


# --- domain backoff -------------------------------------------------------------------------


@dataclass
class _DomainWalk:
    row: DomainBackoff
    notes: list[str] = field(default_factory=list)


def answer_kind(http_status: int | None, page_status: str | None, outcome: str | None) -> str:
    """How a fetch counts toward its domain's backoff.

    "block": a 429 that outlived its retries (the site asks us to stop);
    "strike": a bot challenge page; "ok": the site answered normally (any
    page read, 304, 404); "neutral": no answer to judge (network error,
    robots.txt, skipped).
    """
    if http_status == 429:
        return "block"
    if page_status == "challenge":
        return "strike"
    if outcome in GOOD_OUTCOMES or (page_status is not None and (http_status or 0) < 500):
        return "ok"
    return "neutral"


def update_domains(session: Session, run_id: int, strikes_needed: int = DOMAIN_STRIKES) -> list[str]:
    """Walk a run's fetches in order and update each domain's backoff; returns notes.

    Challenges in a row carry over from earlier runs (`strikes`).  At
    `strikes_needed` of them, or at once on a 429, the domain backs off from
    the time of that answer for `domain_backoff_delay(trips)`.  Any normal
    answer resets the streak and the doubling (an active backoff still runs
    its course).
    """
    fetches = session.execute(
        select(Fetch.url, Fetch.final_url, Fetch.http_status, Fetch.page_status, Fetch.outcome, Fetch.error,
               Fetch.fetched_at)
        .where(Fetch.run_id == run_id)
        .order_by(Fetch.fetched_at, Fetch.id)
    ).all()
    walks: dict[str, _DomainWalk] = {}
    for url, final_url, http_status, page_status, outcome, error, at in fetches:
        domain = domain_of(final_url or url)
        if domain is None or outcome == SKIPPED:
            continue
        walk = walks.get(domain)
        if walk is None:
            row = session.get(DomainBackoff, domain)
            if row is None:
                row = DomainBackoff(domain=domain, strikes=0, trips=0, updated_at=at)
                session.add(row)
            walk = walks[domain] = _DomainWalk(row)
        row = walk.row
        row.updated_at = max(row.updated_at, at)
        kind = answer_kind(http_status, page_status, outcome)
        problem = error_kind(http_status, page_status, outcome, error)
        if problem is not None:
            row.last_error = _error_text(problem, http_status, error, final_url or url)
            row.last_error_at = at
        if kind == "ok":
            row.strikes, row.trips, row.last_ok_at = 0, 0, at
            continue
        if kind == "neutral" or (row.until is not None and row.until > at):
            continue  # nothing to judge, or already backing off
        row.strikes += strikes_needed if kind == "block" else 1
        if row.strikes >= strikes_needed:
            row.trips += 1
            row.until = at + domain_backoff_delay(row.trips)
            row.reason = (
                f"HTTP 429 Too Many Requests (after retries) at {final_url or url}"
                if kind == "block"
                else f"{row.strikes} bot challenges in a row (last at {final_url or url})"
            )
            row.strikes = 0
            walk.notes.append(
                f"domain {domain} backs off until {row.until:%Y-%m-%d %H:%M} UTC: {row.reason}"
            )
    return [n for w in walks.values() for n in w.notes]


def _error_text(kind: str, http_status: int | None, error: str | None, url: str) -> str:
    if error:
        return f"{error} ({url})"
    status = f"HTTP {http_status} " if http_status else ""
    return f"{status}{kind.replace('_', ' ')} at {url}"
