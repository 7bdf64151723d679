"""`paperwall discover crossref`: the real recorded Crossref answers, replayed on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner
from scrapy.http import Headers

from paperwall.cli import main
from spiders.spiders.crossref import (
    RateLimit,
    crossref_message,
    normalize_issn,
    parse_work_list,
    rate_limit,
)

from .conftest import (
    CROSSREF_DIR,
    FAST,
    CrossrefReplay,
    Databases,
    LocalServer,
    Recording,
    need,
    ok,
    one_line_error,
    recording_headers,
    run_jobs,
    targets,
)

PAGE1 = "journal_works_1932-6203_rows30_cursor_page1_rcrossref"
PAGE2 = "journal_works_1932-6203_rows30_cursor_page2_rcrossref"
NOT_FOUND = "journal_works_4444-4444_404_habanero"
GATEWAY_504 = "journal_works_facet_504_rcrossref"
INVALID_400 = "journals_rows_invalid_400_habanero"
RECENT = "journal_works_1803-2427_habanero"  # a 2026 answer: Crossref's current rate-limit headers
WORKS = "/journals/1932-6203/works"


def dois(rec: Recording) -> list[str]:
    return [item["DOI"].lower() for item in rec.json["message"]["items"]]


def meta(name: str) -> dict[str, Any]:
    return json.loads((need(CROSSREF_DIR) / f"{name}.meta.json").read_text(encoding="utf-8"))


# --- reading Crossref's answers -------------------------------------------------------------------


def test_rate_limit_from_the_recorded_headers() -> None:
    assert rate_limit(dict(recording_headers(meta(RECENT)))) == RateLimit(0.2, 1)  # 5 per 1s, 1 at a time
    assert rate_limit(dict(recording_headers(meta(PAGE1)))) == RateLimit(0.02, None)  # 2022: 50 per 1s
    assert rate_limit({}) == RateLimit(None, None)
    assert rate_limit({"x-rate-limit-limit": "ten", "x-rate-limit-interval": "1s"}) == RateLimit(None, None)
    scrapy_headers = Headers({"X-Rate-Limit-Limit": "2", "X-Rate-Limit-Interval": "500ms", "X-Concurrency-Limit": "3"})
    assert rate_limit(scrapy_headers) == RateLimit(0.25, 3)


def test_every_recorded_work_list_parses(recordings: dict[str, Recording]) -> None:
    lists = {
        name: rec for name, rec in recordings.items()
        if rec.status == 200 and rec.json["message-type"] == "work-list"
    }
    assert PAGE1 in lists and "member98_works_rows5_cursor_page2_habanero" in lists
    for name, rec in lists.items():
        page = parse_work_list(rec.body)
        assert len(page.items) == len(rec.json["message"]["items"]), name
        assert page.total == rec.json["message"]["total-results"], name
        assert page.next_cursor == rec.json["message"].get("next-cursor"), name
    # The cursor Crossref hands back on page 2 is the one page 1 gave: a repeated cursor is not the end.
    assert parse_work_list(recordings[PAGE1].body).next_cursor == parse_work_list(recordings[PAGE2].body).next_cursor
    with pytest.raises(ValueError, match="not a work list"):
        parse_work_list(recordings["journal_1932-6203_rcrossref"].body)
    with pytest.raises(ValueError, match="not JSON"):
        parse_work_list(recordings[NOT_FOUND].body)


def test_crossrefs_error_messages(recordings: dict[str, Recording]) -> None:
    assert crossref_message(recordings[NOT_FOUND].body) == "Resource not found."
    assert crossref_message(recordings[GATEWAY_504].body) == "504 Gateway Time-out"
    assert crossref_message(recordings[INVALID_400].body) == (
        "Integer specified as things but must be a positive integer less than or equal to 1000."
    )
    assert crossref_message(recordings["works_bad_cursor_404_habanero"].body) == "Cursor specified but it is invalid"
    assert crossref_message(recordings["works_bad_cursor_500_rcrossref"].body) == "Response Exception"


def test_issn_forms() -> None:
    assert normalize_issn("19326203") == "1932-6203"
    assert normalize_issn(" 0026-897x ") == "0026-897X"
    assert normalize_issn("4444-4444") == "4444-4444"  # Crossref judges: check digits are not ours to verify
    assert normalize_issn("1932-62") is None
    assert normalize_issn("ISSN 1932-6203") is None


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["12345"], "Error: not an ISSN: '12345' (expected NNNN-NNNN, e.g. 1932-6203)"),
        (["1932-6203", "--from-date", "1.1.2020"],
         "Error: --from-date must be YYYY, YYYY-MM or YYYY-MM-DD, got '1.1.2020'"),
        (["1932-6203", "--api", "api.crossref.org"], "Error: --api must be an http(s) URL, got 'api.crossref.org'"),
    ],
)
def test_bad_input_is_a_one_line_error(args: list[str], error: str) -> None:
    result = CliRunner().invoke(main, ["discover", "crossref", *args])
    assert result.exit_code == 1
    assert result.stderr == error + "\n"


# --- crawls against the replay server -----------------------------------------------------------------


@dataclass
class CrossrefRuns:
    dbs: dict[str, str]  # job name -> database URL
    servers: dict[str, LocalServer]
    procs: dict[str, list[subprocess.CompletedProcess[str]]]


def paging_replay(recordings: dict[str, Recording]) -> CrossrefReplay:
    """PLOS ONE pages 1 and 2, each answer carrying the rate-limit headers Crossref
    sends today (5 requests per 1 s, one at a time: 0.2 s apart)."""
    replay = CrossrefReplay(recordings)
    replay.headers = {
        name: value for name, value in recording_headers(meta(RECENT))
        if name.lower() in ("x-rate-limit-limit", "x-rate-limit-interval", "x-concurrency-limit")
    }
    assert replay.headers == {"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s", "x-concurrency-limit": "1"}
    return replay


@pytest.fixture(scope="module")
def runs(all_dbs: dict[str, Databases], recordings: dict[str, Recording]) -> Any:
    """Every crawl of this module at once: paging on every backend, the errors on SQLite."""
    errors = CrossrefReplay(recordings)  # 4444-4444 is the recorded 404 as it is
    errors.alias("/journals/1803-2427/works", GATEWAY_504)  # the recorded HTML 504, at a works URL
    errors.alias("/journals/0000-0000/works", INVALID_400)  # the recorded 400 validation failure
    common = ["--rows", "30", "--mailto", "test@example.org", *FAST]
    with ExitStack() as stack:
        servers: dict[str, LocalServer] = {}
        dbs: dict[str, str] = {}
        jobs: dict[str, list[list[str]]] = {}
        for backend, makers in all_dbs.items():
            name = f"{backend}:paging"
            servers[name] = stack.enter_context(LocalServer(paging_replay(recordings)))
            dbs[name] = makers.create()
            api = servers[name].url
            jobs[name] = [
                ["crossref", "1932-6203", "--api", api, "--max", "45", "--db", dbs[name], *common],
                ["crossref", "19326203", "--api", api, "--from-date", "2010-01-01", "--until-date", "2022-11",
                 "--db", dbs[name], *common],
            ]
        # Errors do not depend on the database: SQLite only.
        servers["errors"] = stack.enter_context(LocalServer(errors))
        dbs["errors"] = all_dbs["sqlite"].create()
        quick = ["-s", "PAPERWALL_CROSSREF_BACKOFF=0.1", "-s", "PAPERWALL_CROSSREF_RETRIES=2"]
        for name, issn in (("404", "4444-4444"), ("504", "1803-2427"), ("400", "0000-0000")):
            jobs[name] = [["crossref", issn, "--api", servers["errors"].url, "--db", dbs["errors"], *FAST, *quick]]
        procs = run_jobs(jobs)
    return CrossrefRuns(dbs, servers, procs)


def test_cursor_paging_adds_the_recorded_dois(
    runs: CrossrefRuns, backend: str, recordings: dict[str, Recording]
) -> None:
    first, full = runs.procs[f"{backend}:paging"]
    page1, page2 = dois(recordings[PAGE1]), dois(recordings[PAGE2])
    assert len(set(page1 + page2)) == 60

    assert ok(first).strip() == (
        "found 45 targets: 45 newly added, 0 already watched "
        "(source 'crossref:1932-6203'; 2 pages read; stopped: --max 45 reached)"
    )
    assert ok(full).strip() == (
        "found 60 targets: 15 newly added, 45 already watched "
        "(source 'crossref:1932-6203'; 3 pages read; stopped: the cursor came back with no new items)"
    )
    assert targets(runs.dbs[f"{backend}:paging"]) == {doi: ("doi", "crossref:1932-6203") for doi in page1 + page2}


def test_requests_follow_the_cursor_with_our_parameters(runs: CrossrefRuns, recordings: dict[str, Recording]) -> None:
    asked = runs.servers["sqlite:paging"].hits(WORKS)
    cursor = recordings[PAGE1].json["message"]["next-cursor"]
    # --max 45: page 1 and 2; then the full run: 1, 2, and 2 again (the cursor came back, nothing new).
    assert [h.query["cursor"][0] for h in asked] == ["*", cursor, "*", cursor, cursor]
    for hit in asked:
        assert hit.query["rows"] == ["30"]
        assert hit.query["select"] == ["DOI,URL,title,published,type"]
        assert hit.query["mailto"] == ["test@example.org"]
    assert asked[0].query["filter"] == ["type:journal-article"]
    assert asked[2].query["filter"] == ["from-pub-date:2010-01-01,until-pub-date:2022-11,type:journal-article"]


def test_the_rate_limit_headers_space_the_requests(runs: CrossrefRuns) -> None:
    full_run = runs.servers["sqlite:paging"].hits(WORKS)[2:]
    gaps = [b.at - a.at for a, b in zip(full_run, full_run[1:])]
    # 5 requests per 1 s -> at least 0.2 s apart (DOWNLOAD_DELAY is 0 in these runs).
    assert len(gaps) == 2 and min(gaps) >= 0.15, gaps  # margin: arrival times vary by a few ms


def test_an_unknown_issn_is_one_line(runs: CrossrefRuns) -> None:
    assert one_line_error(runs.procs["404"][0]) == (
        "Crossref knows no journal with ISSN 4444-4444 (HTTP 404: Resource not found.)"
    )
    assert len(runs.servers["errors"].hits("/journals/4444-4444/works")) == 1  # a 404 is not retried


def test_a_504_is_retried_with_backoff_then_one_line(runs: CrossrefRuns) -> None:
    proc = runs.procs["504"][0]
    url = f"{runs.servers['errors'].url}/journals/1803-2427/works?rows=100&cursor=%2A"
    error = one_line_error(proc)
    assert error.startswith("Crossref answered HTTP 504 (504 Gateway Time-out) 3 times for " + url)
    assert error.endswith("; giving up, try again later")
    hits = runs.servers["errors"].hits("/journals/1803-2427/works")
    assert len(hits) == 3
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:])]
    assert gaps[0] >= 0.08 and gaps[1] >= 0.16, gaps  # backoff 0.1 s, doubling (a little margin)


def test_a_400_shows_crossrefs_message(runs: CrossrefRuns) -> None:
    error = one_line_error(runs.procs["400"][0])
    assert error.startswith(
        "Crossref rejected the request (HTTP 400 validation-failure): Integer specified as things but must be "
        "a positive integer less than or equal to 1000. ["
    )
    assert len(runs.servers["errors"].hits("/journals/0000-0000/works")) == 1
    assert targets(runs.dbs["errors"]) == {}
