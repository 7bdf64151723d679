"""The small parsers every page object relies on: exact values or None."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spiders.pages.text import (
    clean,
    parse_count,
    parse_date,
    parse_doi,
    parse_issn,
    parse_period,
    parse_price,
    split_pages,
    strip_list_joint,
    tidy_punctuation,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USD 99.00", ("99.00", "USD")),
        ("\n  USD 960.00\n ", ("960.00", "USD")),
        ("24 hours to view or download:\n USD 50.00", ("50.00", "USD")),
        ("From USD 450.00 per package", ("450.00", "USD")),
        ("EUR 1,045.50", ("1045.50", "EUR")),
        ("€37.37 /Month", ("37.37", "EUR")),
        ("£46.00", ("46.00", "GBP")),
        ("$41.50", ("41.50", "USD")),
        ("39,95 €", ("39.95", "EUR")),
        ("USD 1,099", ("1099", "USD")),
        ("US$ 45.00", ("45.00", "USD")),
        ("A$ 50.00", ("50.00", "AUD")),
        ("CA$50", ("50", "CAD")),
        ("NZ$ 60.00", ("60.00", "NZD")),
        # Another dollar is no US dollar: the real, or one not known here.
        ("R$ 50,00", ("50.00", "BRL")),
        ("Z$ 50.00", ("50.00", None)),
        # The yen and the yuan share "¥": only a code or a prefix tells them apart.
        ("¥ 5,000", ("5000", None)),
        ("JP¥ 5,000", ("5000", "JPY")),
        ("CN¥ 300", ("300", "CNY")),
        ("JPY 5,000", ("5000", "JPY")),
        ("₹ 3,500", ("3500", "INR")),
        ("1.234,56 EUR", ("1234.56", "EUR")),
        ("Price on request", (None, None)),
        ("39.95", ("39.95", None)),
        ("", (None, None)),
    ],
)
def test_parse_price(text: str, expected: tuple) -> None:
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("31,131", 31131), ("\n 4,348 \n", 4348), ("0", 0), ("17k", None), ("1.2M", None), ("<5", None), ("", None), ("12 345", 12345)],
)
def test_parse_count(text: str, expected: int | None) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 Apr 2013", "2013-04-24"),
        (" 29 Mar 2010 ", "2010-03-29"),
        ("2021/08/15", "2021-08-15"),
        ("2022-03-04T09:00:00Z", "2022-03-04"),
        ("2013-02-30", None),
        ("Apr 2013", None),
        ("2013", None),
        ("soon", None),
        # Numbers only: read when the day cannot be the month, else no date.
        ("13/03/2020", "2020-03-13"),
        ("03/13/2020", "2020-03-13"),
        ("05.05.2020", "2020-05-05"),
        ("03/12/2020", None),
        ("03.12.2020", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("48 hours access to article PDF & online version",), "PT48H"),
        (("30 days online access to complete issue",), "P30D"),
        (("Article PDF can be printed", "24 hours to view"), "PT24H"),
        (("Article PDF can be printed",), None),
    ],
)
def test_parse_period(texts: tuple[str, ...], expected: str | None) -> None:
    assert parse_period(*texts) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SICI-style DOIs (Wiley's 1990s articles, the AMS journals) hold "<...>".
        (
            "10.1002/(SICI)1097-4636(199709)36:3<300::AID-JBM5>3.0.CO;2-E",
            "10.1002/(SICI)1097-4636(199709)36:3<300::AID-JBM5>3.0.CO;2-E",
        ),
        ("https://doi.org/10.1175/1520-0469(1963)020%3C0130:DNF%3E2.0.CO;2", "10.1175/1520-0469(1963)020<0130:DNF>2.0.CO;2"),
        ("10.1371/journal.pone.0213978</a>", "10.1371/journal.pone.0213978"),
        # A closing parenthesis is the DOI's when the DOI opened it.
        ("doi:10.1016/S0009-2614(97)00014-1", "10.1016/S0009-2614(97)00014-1"),
        ("(see doi:10.1016/S0009-2614(97)00014-1).", "10.1016/S0009-2614(97)00014-1"),
        ("(10.1038/nature14539)", "10.1038/nature14539"),
        ("10.1080/00268976.2013.788745.", "10.1080/00268976.2013.788745"),
    ],
)
def test_parse_doi(text: str, expected: str) -> None:
    assert parse_doi(text) == expected


def test_identifiers() -> None:
    assert parse_doi("https://doi.org/10.1080/00268976.2013.788745") == "10.1080/00268976.2013.788745"
    assert parse_doi("doi:10.1002/(SICI)1097-4628") == "10.1002/(SICI)1097-4628"
    assert parse_doi("/doi/full/10.1080%2F1234.5?src=recsys") == "10.1080/1234.5"
    assert parse_doi("no doi here") is None
    assert parse_issn("ISSN 2345678x") == "2345-678X"
    assert split_pages("Pages 1092-1099") == ("1092", "1099")
    assert split_pages("Article: 1117749") == ("1117749", None)
    assert split_pages("pp. e1001–e1010") == ("e1001", "e1010")
    assert tidy_punctuation(" Université Paul Sabatier ,  Toulouse ") == "Université Paul Sabatier, Toulouse"


_LIST_JOINT = re.compile(r"[,;]?\s*(?:\band\b)?\s*$")


_PIECES = ["a", "n", "d", "and", " and", ", and", " ", "\t", "\u00a0", ",", ";", "X", "_", "é", "1"]


@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_strip_list_joint_is_the_regex_it_replaces(text: str) -> None:
    assert strip_list_joint(text) == _LIST_JOINT.sub("", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Toronto, Canada, and", "Toronto, Canada"), ("Boston, MA;", "Boston, MA"), ("Brand", "Brand"), ("and", "")],
)
def test_strip_list_joint(text: str, expected: str) -> None:
    assert strip_list_joint(text) == expected


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:.)])")


@given(st.lists(st.sampled_from([" ", "  ", "\n", "\u00a0", "\u200b", ",", ";", ":", ".", ")", "(", "a", "é"]), max_size=10)
       .map("".join))
def test_tidy_punctuation_is_the_regex_it_replaces(text: str) -> None:
    folded = clean(text)
    assert tidy_punctuation(text) == (_SPACE_BEFORE_PUNCT.sub(r"\1", folded) if folded else None)
