"""How a field read from a damaged copy of a real page compares with its
checked value: the same, empty, or a part of it — never another value."""

from __future__ import annotations

import re
from typing import Any


def _words(text: str | None) -> str:
    """Text without punctuation or case: the metadata's "Dept of X UCL London UK"
    is the page's "Dept of X, UCL, London, UK"."""
    return " ".join(re.findall(r"\w+", (text or "").casefold()))


def _within(part: str | None, whole: str | None) -> bool:
    """Every word of `part` is a word of `whole`: "University of Toronto" of
    "Centre for Biocomposites, University of Toronto, Toronto, Canada"."""
    return set(_words(part).split()) <= set(_words(whole).split())


def part_of(got: Any, expected: Any, key: str) -> bool:
    """`got` is empty, the expected value, or a part of it."""
    if got in (None, [], {}, "") or got == expected:
        return True
    if key == "authors":
        return len(got) <= len(expected) and all(
            g["name"] == e["name"]
            and g["given"] in (None, e["given"]) and g["family"] in (None, e["family"])
            and all(any(_within(a, b) for b in e["affiliations"]) for a in g["affiliations"])
            and g["orcid"] in (None, e["orcid"])
            for g, e in zip(got, expected)
        )
    if key == "abstract":  # the same text, its section headings left out
        return _within(got, expected)
    if key == "abstract_sections":
        return _within(" ".join(s["text"] for s in got), " ".join(s["text"] for s in expected))
    if key == "keywords":
        return {_words(k) for k in got} <= {_words(k) for k in expected}
    if key == "related":
        known = {(e["list"], e["title"], e["url"]) for e in expected}
        return all((g["list"], g["title"], g["url"]) in known for g in got)
    return isinstance(got, list) and isinstance(expected, list) and all(g in expected for g in got)
