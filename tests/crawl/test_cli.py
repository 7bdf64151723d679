"""`paperwall demo` and `paperwall crawl` end to end, each run in its own process."""

from __future__ import annotations

from pathlib import Path

from paperwall.demo.server import DemoServer

from .conftest import count, paperwall, rows


def test_demo_twice_then_with_changed_prices(tmp_path: Path) -> None:
    first = paperwall("demo", cwd=tmp_path).stdout  # default database: ./paperwall.db
    db = tmp_path / "paperwall.db"
    assert db.exists()
    assert "7 new, 0 changed, 0 unchanged" in first
    assert "USD" in first and "1,210.00" in first and "EUR" in first and "GBP" in first
    assert "challenge 1" in first and "not_found 1" in first

    second = paperwall("demo", "--db", str(db), cwd=tmp_path).stdout
    assert "articles: 0 new, 0 changed, 7 unchanged" in second
    assert "nothing changed since the last run" in second
    assert count(db, "offers") == 9

    third = paperwall("demo", "--change-prices", "--db", f"sqlite:///{db}", cwd=tmp_path).stdout
    assert "history recorded" in third
    assert "PDF download + Online access: USD 55.00 -> USD 59.00" in third
    assert "Article Purchase: EUR 42.00 -> EUR 45.00" in third
    assert count(db, "offers") == 11
    assert rows(db, "SELECT trigger, articles_new, articles_changed, articles_unchanged FROM crawl_runs "
                    "ORDER BY id") == [("demo", 7, 0, 0), ("demo", 0, 0, 7), ("demo", 0, 4, 3)]


def test_crawl_command_with_urls_dois_and_a_file(tmp_path: Path) -> None:
    db = tmp_path / "crawl.db"
    with DemoServer() as server:
        listing = tmp_path / "targets.txt"
        listing.write_text(f"# one per line\n{server.url}/doi/abs/10.5555/pwim.2023.2170003\n", encoding="utf-8")
        out = paperwall(
            "crawl", f"{server.url}/doi/abs/10.5555/pwim.2023.2170001", "doi:10.5555/pwim.2023.2170002",
            "--file", str(listing), "--db", str(db),
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", f"PAPERWALL_DOI_RESOLVER={server.url}/resolve/",
            cwd=tmp_path,
        ).stdout
    assert "run 1: 3 pages (article 3); articles 3 new, 0 changed, 0 unchanged; 0 errors" in out
    assert rows(db, "SELECT trigger FROM crawl_runs") == [("cli",)]


def test_a_crawl_at_its_time_limit_stops_without_waiting_out_its_delays(tmp_path: Path) -> None:
    """A minute between the site's pages, and a 3 s limit: the crawl closes at
    once instead of sending, a minute apart, the requests already waiting in
    the download queue; those were not made, so they leave no fetch and
    their targets stay due."""
    import time

    db = tmp_path / "crawl.db"
    with DemoServer() as server:
        targets = server.target_urls()
        started = time.monotonic()
        out = paperwall(
            "crawl", *targets, "--db", str(db), "--time-limit", "3s",
            "-s", "DOWNLOAD_DELAY=60", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
            # robots.txt would take the slot's first turn: the first page is fetched at once instead.
            "-s", "ROBOTSTXT_OBEY=False",
            cwd=tmp_path,
        ).stdout
        took = time.monotonic() - started
    assert took < 30  # not the eight minutes the queued requests would take
    assert out.rstrip().endswith("outcome timeout")
    fetched = rows(db, "SELECT url, error FROM fetches")
    assert len(fetched) == 1
    assert all(error is None for _, error in fetched)  # the dropped requests are no failed fetches
    assert rows(db, "SELECT outcome, pages FROM crawl_runs") == [("timeout", len(fetched))]


def test_crawl_command_rejects_bad_targets(tmp_path: Path) -> None:
    import subprocess
    import sys

    from .conftest import REPO, env

    proc = subprocess.run([sys.executable, "-m", "paperwall.cli", "crawl", "nonsense", "--db", str(tmp_path / "x.db")],
                          cwd=REPO, env=env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "not a URL or DOI: 'nonsense'" in proc.stderr


def test_help_has_examples() -> None:
    for command in ("crawl", "demo"):
        assert "Example" in paperwall(command, "--help").stdout
