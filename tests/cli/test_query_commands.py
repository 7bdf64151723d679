"""`paperwall db|articles|history|export` end to end on a database filled by real demo crawls.

The demo site (paperwall/demo/site/articles.json) after `--change-prices`:

    2170001  2023-02-03  paywalled  USD 55.00 -> 59.00 (article), USD 960 issue, tokens; views 1,234 -> 1,391
    2170002  2023-02-21  paywalled  USD 49.00 (article), USD 1,210 issue; views 877 -> 1,020
    2170003  2023-03-09  open
    2170004  2023-03-28  paywalled  EUR 42.00 -> 45.00 (article)
    2170005  2024-01-11  paywalled  GBP 39.00 (article), GBP 720 issue
    2170006  2024-01-19  paywalled  USD 55.00 (article)
    2170007  never stored (bot challenge);  2170008  2024-02-16  open
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from storage.queries import EXPORT_COLUMNS

from .conftest import ok, run

JOURNAL = "Journal of Imaginary Materials"
P = "10.5555/pwim."


def d(*suffixes: str) -> list[str]:
    return [P + s for s in suffixes]


def listed(db: str, *args: str) -> list[str]:
    """DOIs `paperwall articles ARGS --format json` prints, sorted."""
    rows = json.loads(ok("articles", "--db", db, "--format", "json", *args))
    return sorted(r["doi"] for r in rows)


# --- articles -----------------------------------------------------------------------------


def test_the_users_question_is_one_command(demo_db: str) -> None:
    out = ok("articles", "--journal", JOURNAL.upper(), "--min-price", "50", "--currency", "usd", "--db", demo_db)
    lines = out.splitlines()
    assert lines[0].split() == ["DOI", "JOURNAL", "PUBLISHED", "TITLE", "PRICE", "VIEWS"]
    assert sorted(line.split()[0] for line in lines[2:-1]) == d("2023.2170001", "2024.2170006")
    assert lines[-1] == "2 articles"
    row = next(line for line in lines if line.startswith(P + "2023.2170001"))
    assert "USD 59.00" in row and "1,391" in row  # current price and latest views
    assert "Thermal memory in folded paper lattices" in row


def test_price_range_with_currency(demo_db: str) -> None:
    assert listed(demo_db, "--min-price", "40", "--max-price", "50", "--currency", "USD") == d("2023.2170002")
    assert listed(demo_db, "--max-price", "55", "--currency", "USD") == d("2023.2170002", "2024.2170006")
    assert listed(demo_db, "--min-price", "42.01", "--currency", "EUR") == d("2023.2170004")  # now 45
    assert listed(demo_db, "--max-price", "44", "--currency", "EUR") == []  # 42 is history
    assert listed(demo_db, "--currency", "GBP") == d("2024.2170005")
    assert listed(demo_db, "--offer-kind", "issue", "--currency", "USD", "--min-price", "1000") == d(
        "2023.2170002"
    )


def test_price_shown_is_the_matching_offer(demo_db: str) -> None:
    (row,) = json.loads(ok("articles", "--db", demo_db, "--format", "json", "--offer-kind", "issue",
                           "--currency", "GBP"))
    assert (row["doi"], row["offer_label"], row["price"], row["currency"]) == (
        P + "2024.2170005", "Issue Purchase", "720.00", "GBP",
    )


def test_access_dates_title_and_limit(demo_db: str) -> None:
    assert listed(demo_db, "--access", "open") == d("2023.2170003", "2024.2170008")
    assert listed(demo_db, "--access", "paywalled", "--published-from", "2024-01-01") == d(
        "2024.2170005", "2024.2170006"
    )
    assert listed(demo_db, "--published-from", "2023-02-21", "--published-to", "2023-03-28") == d(
        "2023.2170002", "2023.2170003", "2023.2170004"
    )
    assert listed(demo_db, "--title", "PORCELAINE") == d("2023.2170004")
    assert listed(demo_db, "--publisher", "paperwall demo press", "--limit", "3").__len__() == 3
    assert len(listed(demo_db)) == 7  # the challenge page stored no article


def test_articles_csv_and_empty_results(demo_db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ok("articles", "--db", demo_db, "--format", "csv",
                                             "--currency", "EUR"))))
    assert [(r["doi"], r["price"], r["currency"], r["views"]) for r in rows] == [
        (P + "2023.2170004", "45.00", "EUR", "254")
    ]
    result = run("articles", "--db", demo_db, "--format", "csv", "--journal", "Journal of Imaginary Material")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "doi,journal,published,title,access,offer_label,price,currency,views,citations,altmetric,downloads,url"
    ]
    assert "did you mean 'Journal of Imaginary Materials'?" in result.stderr
    assert json.loads(ok("articles", "--db", demo_db, "--format", "json", "--currency", "JPY")) == []


def test_default_database_comes_from_the_environment(demo_db: str) -> None:
    assert "7 articles" in ok("articles", env={"PAPERWALL_DB": demo_db})


# --- history ------------------------------------------------------------------------------


def test_history_shows_the_price_change_as_two_intervals(demo_db: str) -> None:
    h = json.loads(ok("history", "https://doi.org/10.5555/PWIM.2023.2170001", "--format", "json",
                      "--db", demo_db))
    pdf = [o for o in h["offers"] if o["label"] == "PDF download + Online access"]
    assert [(o["price"], o["currency"]) for o in pdf] == [("55.00", "USD"), ("59.00", "USD")]
    old, new = pdf
    assert old["closed_at"] is not None and new["closed_at"] is None
    assert old["first_seen"] <= old["last_seen"] < new["first_seen"] == old["closed_at"]
    unchanged = [o for o in h["offers"] if o["label"] == "Issue Purchase"]
    assert len(unchanged) == 1 and unchanged[0]["first_seen"] < unchanged[0]["last_seen"]
    assert [m["views"] for m in h["metrics"]] == [1234, 1391]
    assert h["metrics"][0]["last_seen"] < h["metrics"][1]["first_seen"]

    text = ok("history", P + "2023.2170004", "--db", demo_db)
    assert "Offers (2 intervals)" in text and "Metrics (1 snapshot)" in text
    rows = [line for line in text.splitlines() if line.startswith("Article Purchase")]
    assert len(rows) == 2 and "EUR 42.00" in rows[0] and "EUR 45.00" in rows[1]
    assert not rows[0].endswith("current") and rows[1].endswith("current")


def test_history_of_views(demo_db: str) -> None:
    text = ok("history", P + "2023.2170002", "--db", demo_db)
    assert "views +143, citations +1" in text  # 877 -> 1,020 and 4 -> 5


# --- export -------------------------------------------------------------------------------


def test_export_csv_and_jsonl(demo_db: str, tmp_path: Path) -> None:
    out = ok("export", "--db", demo_db)  # csv by default
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0].split(",") == list(EXPORT_COLUMNS)
    assert len(rows) == 7
    first = next(r for r in rows if r["doi"] == P + "2023.2170001")
    assert (first["price"], first["currency"], first["offer_label"], first["views"]) == (
        "59.00", "USD", "PDF download + Online access", "1391",
    )
    assert {o["kind"] for o in json.loads(first["offers"])} == {"article", "issue", "tokens"}
    assert first["authors"] == "Quillfeather, Ada; Tessellate, Bruno"

    lines = ok("export", "--db", demo_db, "--format", "jsonl", "--access", "open").splitlines()
    objects = [json.loads(line) for line in lines]
    assert sorted(o["doi"] for o in objects) == d("2023.2170003", "2024.2170008")
    assert all(list(o) == list(EXPORT_COLUMNS) and o["price"] is None for o in objects)

    target = tmp_path / "usd.csv"
    result = run("export", "--db", demo_db, "--currency", "USD", "--min-price", "50", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert "wrote 2 articles" in result.stderr
    assert len(list(csv.DictReader(target.open(encoding="utf-8", newline="")))) == 2


def test_export_for_reference_managers(demo_db: str) -> None:
    ris = ok("export", "--db", demo_db, "--format", "ris")
    records = [r for r in ris.split("ER  - \n") if r.strip()]
    assert len(records) == 7 and all(r.lstrip().startswith("TY  - JOUR\n") for r in records)
    assert f"DO  - {P}2023.2170001\n" in ris and "AU  - Quillfeather, Ada\n" in ris
    assert "JO  - Journal of Imaginary Materials\n" in ris and "PY  - 2023\n" in ris

    items = json.loads(ok("export", "--db", demo_db, "--format", "csl-json", "--title", "cobwebs"))
    (item,) = items
    assert item["type"] == "article-journal" and item["DOI"] == P + "2023.2170003"
    assert item["container-title"] == JOURNAL and item["issued"] == {"date-parts": [[2023, 3, 9]]}
    assert item["author"] == [{"family": "Loom", "given": "Farid"}] and item["page"] == "301-312"
    assert json.loads(ok("export", "--db", demo_db, "--format", "csl-json", "--currency", "JPY")) == []


# --- errors: one line, non-zero exit ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "10.9999/nothing"], "no article with DOI '10.9999/nothing' in the database"),
        (["articles", "--published-from", "2023-02-30"], "--published-from: '2023-02-30' is not a date"),
        (["export", "--published-to", "3 Feb 2023"], "--published-to: '3 Feb 2023' is not a date"),
        (["articles", "--currency", "US$"], "--currency: 'US$' is not a currency"),
        (["articles", "--min-price", "60", "--max-price", "50", "--currency", "USD"],
         "--min-price 60 is more than --max-price 50"),
        (["articles", "--min-price", "50"], "need --currency"),
        (["export", "--max-price", "-3", "--currency", "USD"], "--max-price: '-3' is not a price"),
        (["articles", "--access", "free"], "--access: 'free' is not one of open, paywalled, unknown"),
        (["articles", "--published-from", "2024-01-02", "--published-to", "2024-01-01"],
         "--published-from 2024-01-02 is after --published-to 2024-01-01"),
    ],
)
def test_bad_input_is_a_one_line_error(demo_db: str, args: list[str], message: str) -> None:
    result = run(*args, "--db", demo_db)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert message in result.stderr


def one_line_error(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 1 and result.stdout == "", result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    return result.stderr


def test_databases_that_cannot_be_read(empty_db: str, tmp_path: Path) -> None:
    for command in (["articles"], ["history", P + "2023.2170001"], ["export"], ["db", "current"]):
        assert "has no tables yet: run `paperwall db upgrade` or `paperwall crawl` first" in one_line_error(
            *command, "--db", empty_db
        )
    missing = tmp_path / "missing.db"
    assert f"no database at {missing}" in one_line_error("articles", "--db", str(missing))
    assert not missing.exists()  # a read never creates a database
    assert "unknown kind of database 'nosuchdb'" in one_line_error("articles", "--db", "nosuchdb://x/y")
    refused = one_line_error("export", "--db", "postgresql://reader:s3cret@127.0.0.1:1/paperwall")
    assert "cannot open database" in refused and "s3cret" not in refused
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database\n" * 100, encoding="utf-8")
    assert "file is not a database" in one_line_error("articles", "--db", str(not_sqlite))


def test_db_upgrade_then_current(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"
    assert "schema revision (none) -> " in ok("db", "upgrade", "--db", url)
    assert "already at schema revision" in ok("db", "upgrade", "--db", url)
    assert ok("db", "current", "--db", url).strip().endswith("(head)")
    assert ok("articles", "--db", url).startswith("no articles match")
    assert "cannot migrate database" in one_line_error("db", "upgrade", "--db", f"sqlite:///{tmp_path}/no/dir/x.db")


def test_every_query_command_has_an_example() -> None:
    for command in (["db"], ["db", "upgrade"], ["db", "current"], ["articles"], ["history"], ["export"]):
        assert "Example" in ok(*command, "--help")
