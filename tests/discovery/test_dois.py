"""`paperwall discover dois`: a list of DOIs / URLs -> targets (in-process, no crawl)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from paperwall.cli import main
from spiders.discovery import doi_from_href

from .conftest import targets

LIST = """\
# reading list, exported 2024-05-01
10.1080/00268976.2013.788745
doi:10.1080/14786435.2011.563752
https://doi.org/10.1080/03115518.2014.966594

DOI: 10.1371/JOURNAL.PONE.0033693
https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745
not a doi
10.1080/00268976.2013.788745
ftp://example.org/paper.pdf
10.12/too-short-a-prefix
"""
GOOD = {
    "10.1080/00268976.2013.788745": ("doi", "dois:list.txt"),
    "10.1080/14786435.2011.563752": ("doi", "dois:list.txt"),
    "10.1080/03115518.2014.966594": ("doi", "dois:list.txt"),
    "10.1371/journal.pone.0033693": ("doi", "dois:list.txt"),
    "https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745": ("url", "dois:list.txt"),
}


def invoke(*args: str, input: str | None = None):  # noqa: A002 - CliRunner's name
    return CliRunner().invoke(main, ["discover", "dois", *args], input=input)


def test_good_lines_become_targets_and_bad_lines_are_reported(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(LIST, encoding="utf-8")
    result = invoke(str(path), "--db", db_url)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.strip() == (
        "found 5 targets: 5 newly added, 0 already watched (source 'dois:list.txt'); 3 bad lines skipped"
    )
    assert result.stderr.splitlines() == [
        "line 8: not a DOI or URL, skipped: 'not a doi'",
        "line 10: not a DOI or URL, skipped: 'ftp://example.org/paper.pdf'",
        "line 11: not a DOI or URL, skipped: '10.12/too-short-a-prefix'",
    ]
    assert targets(db_url) == GOOD

    again = invoke(str(path), "--db", db_url, "--source", "other")
    assert again.exit_code == 0
    assert again.stdout.startswith("found 5 targets: 0 newly added, 5 already watched (source 'other')")
    assert targets(db_url) == GOOD  # known targets keep their source


def test_stdin_and_source(db_url: str) -> None:
    result = invoke("-", "--db", db_url, "--source", "refs", input="10.1080/X.1\nhttps://doi.org/10.1080/x.2.\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "found 2 targets: 2 newly added, 0 already watched (source 'refs')"
    assert targets(db_url) == {"10.1080/x.1": ("doi", "refs"), "10.1080/x.2": ("doi", "refs")}
    default = invoke("-", "--db", db_url, input="10.1080/x.3\n")
    assert "(source 'dois:stdin')" in default.stdout


def test_a_file_with_nothing_usable_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_text("hello\nworld\n", encoding="utf-8")
    result = invoke(str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: no DOI or URL in junk.txt (2 bad lines)"


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert "No such file" in result.stderr


@pytest.mark.parametrize(
    ("href", "doi"),
    [
        ("/doi/full/10.1080/03115518.2014.966594", "10.1080/03115518.2014.966594"),
        ("/doi/abs/10.1080/03115518.2014.966594?src=recsys", "10.1080/03115518.2014.966594"),
        ("/doi/10.1021/jacs.2c01234", "10.1021/jacs.2c01234"),
        ("https://onlinelibrary.wiley.com/doi/epdf/10.1002/anie.202301234", "10.1002/anie.202301234"),
        ("https://doi.org/10.1126/SCIENCE.abc1234", "10.1126/science.abc1234"),
        ("/doi/full/10.1080/0026%2D8976", "10.1080/0026-8976"),
        ("/toc/talc20/38/4", None),
        ("/doi/", None),
        (None, None),
    ],
)
def test_doi_from_href(href: str | None, doi: str | None) -> None:
    assert doi_from_href(href) == doi
