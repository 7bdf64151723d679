"""`paperwall check-corpus`: per platform, how many pages gave each field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from paperwall.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def _page(case: str) -> Path:
    return next(FIXTURES.glob(f"*/{case}/inputs/HttpResponse-body.html"))


def _url(case: str) -> str:
    return json.loads(_page(case).with_name("HttpResponse-info.json").read_text())["url"]


def test_counts_fields_per_platform(tmp_path: Path) -> None:
    cases = ["tandf-paywalled-2022", "tandf-oa-2026-sanitized", "generic-highwire", "generic-challenge"]
    rows = ["file\toriginal_url"]
    for case in cases:
        shutil.copy(_page(case), tmp_path / f"{case}.html")
        rows.append(f"{case}.html\t{_url(case)}")
    (tmp_path / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")

    result = CliRunner().invoke(main, ["check-corpus", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    health = json.loads(result.output)
    assert health["tandf"]["(pages)"] == 2
    assert health["tandf"]["prices"] == 1  # only the paywalled page shows prices
    assert health["tandf"]["views"] == 2
    assert health["tandf"]["abstract_sections"] == 2  # both abstracts are structured
    assert health["generic"]["(pages)"] == 1  # the challenge is not counted as an article
    assert health["generic"]["issns"] == 1 and health["generic"]["offers"] == 0
    assert health["(other statuses)"] == {"generic/challenge": 1}

    table = CliRunner().invoke(main, ["check-corpus", str(tmp_path)])
    assert "prices" in table.output and "1/2" in table.output
    assert "not articles: 1 challenge (generic)" in table.output


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check-corpus", str(tmp_path)])
    assert result.exit_code == 1
    assert "no .html pages" in result.output
