"""Corpus test: the extractor against hand-checked values from real pages.

The pages are real publisher HTML kept *outside* the repository, in
``../shared/pages`` relative to the repo root (or ``$PAPERWALL_SHARED/pages``).
They must not be copied into the repo.  The expected values live in
``tests/corpus/expected/<folder>/<page stem>.json``; they were decided by
reading each page (see ``tests/corpus/NOTES.md``), not by running the extractor.

Each (page, record key) pair is its own test, e.g.
``test_field[tandf-2019-apr-offers]``, so one wrong field does not hide the
others.  A key that is absent from an expected file is deliberately untested
(NOTES.md says why).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.corpus

HERE = Path(__file__).resolve().parent
EXPECTED_DIR = HERE / "expected"
# One folder of expected values per folder of ../shared/pages.
FOLDERS = tuple(sorted(p.name for p in EXPECTED_DIR.iterdir() if p.is_dir()))


def _repo_root() -> Path:
    """The directory holding pyproject.toml above this file (fallback: parents[2])."""
    for parent in HERE.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return Path(__file__).resolve().parents[2]


def _pages_dir() -> Path:
    """Where the real pages are: $PAPERWALL_SHARED/pages, else <repo>/../shared/pages.

    PAPERWALL_SHARED may name either the shared folder (holding ``pages/``) or
    the pages folder itself (holding ``MANIFEST.tsv``).
    """
    env = os.environ.get("PAPERWALL_SHARED")
    if env:
        base = Path(env).expanduser().resolve()
        if (base / "pages" / "MANIFEST.tsv").is_file():
            return base / "pages"
        return base
    return _repo_root().parent / "shared" / "pages"


PAGES_DIR = _pages_dir()
MANIFEST = PAGES_DIR / "MANIFEST.tsv"

if not MANIFEST.is_file():
    pytest.skip(
        f"real-page corpus not found: no {MANIFEST} (set PAPERWALL_SHARED to the folder "
        "holding pages/MANIFEST.tsv, or place it at ../shared/pages next to the repo)",
        allow_module_level=True,
    )


def _read_manifest() -> dict[str, str]:
    """MANIFEST.tsv -> {"tandf/<file>.html": original_url}."""
    urls: dict[str, str] = {}
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            url = (row.get("original_url") or "").strip()
            # "https://... (inferred from in-page links)" -> "https://..."
            url = re.sub(r"\s*\(.*\)\s*$", "", url)
            urls[row["file"].strip()] = url
    return urls


def _page_id(folder: str, stem: str) -> str:
    """Short test id: tandf-00268976.2013.788745-2019-apr -> tandf-2019-apr;
    cloudflare-acs-acscombsci.5b00087 -> blocked-acs."""
    if folder == "tandf":
        return "tandf-" + re.sub(r"^tandf-[0-9]+\.[0-9]+\.[0-9a-z]+-", "", stem)
    if folder == "blocked":
        return "blocked-" + stem.removeprefix("cloudflare-").split("-")[0]
    return f"{folder}-{stem}"


def _load_cases() -> list[dict[str, Any]]:
    manifest = _read_manifest()
    cases = []
    for folder in FOLDERS:
        for path in sorted((EXPECTED_DIR / folder).glob("*.json")):
            rel = f"{folder}/{path.stem}.html"
            cases.append(
                {
                    "id": _page_id(folder, path.stem),
                    "rel": rel,
                    "page": PAGES_DIR / rel,
                    "url": manifest.get(rel),
                    "expected": json.loads(path.read_text(encoding="utf-8")),
                }
            )
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), f"duplicate page ids: {ids}"
    return cases


CASES = _load_cases()
FIELD_PARAMS = [
    pytest.param(case, key, id=f"{case['id']}-{key}")
    for case in CASES
    for key in case["expected"]
]


@functools.lru_cache(maxsize=None)
def _extract(rel: str, url: str) -> dict[str, Any]:
    """Run the extractor once per page; every field test of that page reuses it."""
    from spiders.items import ArticleRecord
    from spiders.pages import extract

    body = (PAGES_DIR / rel).read_bytes()
    record = extract(url, body, headers=None)
    assert isinstance(record, ArticleRecord), f"extract() returned {type(record).__name__}, not ArticleRecord"
    return record.to_dict()


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_page_present(case):
    """Every expected file names a page that exists and has a MANIFEST url."""
    assert case["page"].is_file(), f"missing page {case['page']}"
    assert case["url"], f"{case['rel']} has no original_url in {MANIFEST}"


def test_expected_keys_are_record_keys():
    """Guard against typos in the expected files."""
    import attrs

    from spiders.items import ArticleRecord

    known = {f.name for f in attrs.fields(ArticleRecord)}
    for case in CASES:
        unknown = set(case["expected"]) - known
        assert not unknown, f"{case['rel']}: unknown record keys {sorted(unknown)}"


def test_every_manifest_page_has_expected_values():
    """Each page listed in MANIFEST.tsv, in a folder we check, has an expected file."""
    have = {c["rel"] for c in CASES}
    listed = {f for f in _read_manifest() if f.split("/", 1)[0] in FOLDERS}
    assert listed <= have, f"pages without expected values: {sorted(listed - have)}"


@pytest.mark.parametrize(("case", "key"), FIELD_PARAMS)
def test_field(case, key):
    actual = _extract(case["rel"], case["url"])
    assert key in actual, f"record has no key {key!r}"
    expected = case["expected"][key]
    assert actual[key] == expected, (
        f"{case['rel']} [{key}]\n"
        f"  expected: {json.dumps(expected, ensure_ascii=False)}\n"
        f"  actual:   {json.dumps(actual[key], ensure_ascii=False, default=str)}"
    )
