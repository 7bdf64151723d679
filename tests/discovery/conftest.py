"""Discovery tests: real HTTP servers on 127.0.0.1, `paperwall discover` in subprocesses.

* `LocalServer`: a threaded HTTP server answering from a routing function,
  logging every request (monotonic time, path, query) so tests can check
  what was asked and how far apart.
* `CrossrefReplay`: replays the real Crossref responses recorded in
  ``../shared/discovery/crossref/`` (status, headers, body as their
  ``.meta.json`` says) by request path and query.
* Scrapy's reactor cannot restart, so each `paperwall discover` that crawls
  runs in its own process; `run_jobs` runs independent ones in parallel to
  keep the suite quick (each job is a list of commands run in order).
* Databases: SQLite files; PostgreSQL too when PAPERWALL_TEST_PG_URL is set.

The shared data is read from $PAPERWALL_SHARED (the shared folder, or its
``discovery`` folder) else ``<repo>/../shared/discovery``; tests that need it
skip with a reason when it is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from storage.db import make_engine, normalize_url, upgrade
from storage.models import Target
from tests.pg_databases import drop_database

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("PAPERWALL_TEST_PG_URL")
PG_SKIP = 'PAPERWALL_TEST_PG_URL is not set: PostgreSQL tests skipped (run: eval "$(bash .ci/postgres.sh)")'
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
RUN_TIMEOUT = 60  # seconds for one `paperwall discover` process

# Test runs: no delay of our own on the loopback host (robots.txt Crawl-delay and
# Crossref's rate-limit headers still apply: they are what some tests measure).
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def _shared_dir() -> Path:
    env = os.environ.get("PAPERWALL_SHARED")
    if env:
        base = Path(env).expanduser().resolve()
        return base / "discovery" if (base / "discovery" / "MANIFEST.tsv").is_file() else base
    return REPO.parent / "shared" / "discovery"


SHARED = _shared_dir()
CROSSREF_DIR = SHARED / "crossref"
TOC_PAGE = SHARED / "toc" / "tandfonline_toc_talc20_38_4_2019skin_lockss.html"
ROBOTS_DIR = SHARED / "robots"


def need(path: Path) -> Path:
    """`path`, or skip the test: the shared data is not there."""
    if not path.exists():
        pytest.skip(f"shared discovery data not found: {path} is absent (set PAPERWALL_SHARED to the folder "
                    "holding discovery/, or place it at ../shared/discovery next to the repo)")
    return path


# --- HTTP servers --------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    at: float  # time.monotonic() when the request arrived
    path: str
    query: dict[str, list[str]]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 answering GETs with `route(path, query) -> Answer`."""

    def __init__(self, route: Callable[[str, dict[str, list[str]]], Answer]) -> None:
        self.route = route
        self.log: list[Hit] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                server.log.append(Hit(time.monotonic(), parts.path, query))
                answer = server.route(parts.path, query)
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path: str) -> list[Hit]:
        return [h for h in self.log if h.path == path]


def static_site(pages: dict[str, Answer]) -> Callable[[str, dict[str, list[str]]], Answer]:
    """Routing for a fixed set of paths; anything else is a 404."""

    def route(path: str, _query: dict[str, list[str]]) -> Answer:
        return pages.get(path) or Answer(404, b"<html><title>Not found</title></html>", [("Content-Type", "text/html")])

    return route


def html(text: str | bytes) -> Answer:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Answer(200, body, [("Content-Type", "text/html; charset=utf-8")])


def text(body: str, status: int = 200) -> Answer:
    return Answer(status, body.encode("utf-8"), [("Content-Type", "text/plain")])


# --- Crossref replay -------------------------------------------------------------------------------

# Headers that describe the recorded transfer, not the response: the bodies
# are stored decompressed, and the server sets its own length and framing.
_TRANSFER_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "status", "set-cookie"}


@dataclass(frozen=True)
class Recording:
    name: str
    path: str
    query: dict[str, list[str]]
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def _status(meta: dict[str, Any]) -> int:
    status = meta["status"]
    return int(status.get("status_code") or status.get("code"))


def recording_headers(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The recorded response headers as (name, value) pairs (both cassette styles)."""
    out: list[tuple[str, str]] = []
    for name, value in meta.get("response_headers", {}).items():
        if name.lower() in _TRANSFER_HEADERS:
            continue
        for v in value if isinstance(value, list) else [value]:
            out.append((name, str(v)))
    return out


def load_recordings(folder: Path) -> dict[str, Recording]:
    """Every recorded response in `folder`, by file stem."""
    out: dict[str, Recording] = {}
    for meta_path in sorted(folder.glob("*.meta.json")):
        stem = meta_path.name[: -len(".meta.json")]
        bodies = [p for p in folder.glob(f"{stem}.*") if p != meta_path]
        if len(bodies) != 1:
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        uri = urlsplit(meta["request"]["uri"])
        out[stem] = Recording(stem, uri.path, parse_qs(uri.query, keep_blank_values=True), _status(meta),
                              recording_headers(meta), bodies[0].read_bytes())
    return out


class CrossrefReplay:
    """Routing that answers like the recorded Crossref API.

    A request gets the recording of its path whose recorded query
    parameters it all carries (with the same values), the most specific one
    when several fit: our extra parameters (select, mailto, filter) are
    ignored.  `alias` serves a recording at another path (to reach the 504
    and 400 recordings through the works URL the spider asks).  `headers`
    replace recorded header values (e.g. a test's rate limit).  Anything
    else gets Crossref's plain-text 404.
    """

    def __init__(self, recordings: dict[str, Recording]) -> None:
        self.recordings = recordings
        self.aliases: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def alias(self, path: str, name: str) -> None:
        assert name in self.recordings, name
        self.aliases[path] = name

    def find(self, path: str, query: dict[str, list[str]]) -> Recording | None:
        if path in self.aliases:
            return self.recordings[self.aliases[path]]
        fits = [
            r for r in self.recordings.values()
            if r.path == path and all(query.get(k) == v for k, v in r.query.items())
        ]
        return max(fits, key=lambda r: len(r.query), default=None)

    def __call__(self, path: str, query: dict[str, list[str]]) -> Answer:
        rec = self.find(path, query)
        if rec is None:
            return Answer(404, b"Resource not found.", [("Content-Type", "text/plain")])
        headers = [(n, v) for n, v in rec.headers if n.lower() not in self.headers]
        headers += list(self.headers.items())
        return Answer(rec.status, rec.body, headers)


@pytest.fixture(scope="session")
def recordings() -> dict[str, Recording]:
    return load_recordings(need(CROSSREF_DIR))


# --- databases ---------------------------------------------------------------------------------------


class Databases:
    """Fresh, migrated databases of one backend; PostgreSQL ones are dropped at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.pg_names: list[str] = []
        self.admin = None
        if backend == "postgresql":
            if not PG_URL:
                pytest.skip(PG_SKIP)
            self.admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        if self.backend == "sqlite":
            url = f"sqlite:///{(self.folder / f'{uuid.uuid4().hex[:8]}.db').as_posix()}"
        else:
            assert self.admin is not None
            name = f"pw_disc_{uuid.uuid4().hex[:12]}"
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            self.pg_names.append(name)
            url = make_url(normalize_url(PG_URL or "")).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        return url

    def close(self) -> None:
        if self.admin is None:
            return
        for name in self.pg_names:
            drop_database(self.admin, name)
        self.admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database of each backend (function scope)."""
    dbs = Databases(request.param, tmp_path)
    try:
        yield dbs.create()
    finally:
        dbs.close()


@pytest.fixture(scope="module")
def all_dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Databases]]:
    """Database makers of every backend available (SQLite; PostgreSQL when configured),
    so that a module runs the crawl jobs of all backends in one parallel batch."""
    folder = tmp_path_factory.mktemp("discovery")
    makers = {"sqlite": Databases("sqlite", folder)}
    if PG_URL:
        makers["postgresql"] = Databases("postgresql", folder)
    try:
        yield makers
    finally:
        for dbs in makers.values():
            dbs.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend's name, for tests reading the results of a module's crawl jobs."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP)
    return str(request.param)


def targets(db: str) -> dict[str, tuple[str, str | None]]:
    """{value: (kind, source)} of every target in the database."""
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return {v: (k, s) for v, k, s in conn.execute(select(Target.value, Target.kind, Target.source))}
    finally:
        engine.dispose()


# --- running `paperwall discover` ----------------------------------------------------------------------


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PAPERWALL_DB", "PAPERWALL_MAILTO"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def discover(*args: str) -> subprocess.CompletedProcess[str]:
    """`paperwall discover ARGS` in a subprocess (the caller checks the outcome)."""
    return subprocess.run(
        [sys.executable, "-m", "paperwall.cli", "discover", *args],
        cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )


def run_jobs(jobs: dict[str, list[list[str]]]) -> dict[str, list[subprocess.CompletedProcess[str]]]:
    """Run each job's commands in order, the jobs in parallel; results by job name."""

    def run(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
        return [discover(*command) for command in commands]

    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        futures = {name: pool.submit(run, commands) for name, commands in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    """The command's stdout; fails the test with its stderr if it failed."""
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    return proc.stdout


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exactly one one-line "Error: ..." (its text), last on stderr."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:], proc.stdout[-2000:])
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    assert lines[-1] == errors[0], proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return errors[0][len("Error:"):].strip()
