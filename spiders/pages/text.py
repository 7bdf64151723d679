"""Small, pure parsers shared by every page object: text, numbers, dates,
prices, access periods, DOIs and ISSNs.

Each returns None when the input does not say the thing clearly: a missing
value is null, a guessed value would be a bug.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Iterable
from urllib.parse import unquote

from dateutil import parser as date_parser
from price_parser import Price

_WS = re.compile(r"\s+")
_TIDIED_MARKS = (",", ";", ":", ".", ")")


def clean(text: str | None) -> str | None:
    """Collapse all whitespace (including NBSP and newlines) to single spaces."""
    if text is None:
        return None
    # str.split() splits on the same Unicode whitespace as the regex \s
    # (NBSP included) and is several times faster on long meta contents.
    text = " ".join(text.replace("\u200b", "").split())
    return text or None


def clean_list(texts: Iterable[str | None]) -> list[str]:
    return [t for t in (clean(x) for x in texts) if t]


def tidy_punctuation(text: str | None) -> str | None:
    """'Paul Sabatier , Toulouse' -> 'Paul Sabatier, Toulouse' (Literatum affiliations)."""
    text = clean(text)
    if not text:
        return None
    # clean() leaves single spaces only: the one before a mark goes.
    for mark in _TIDIED_MARKS:
        if " " + mark in text:
            text = text.replace(" " + mark, mark)
    return text


def strip_list_joint(text: str) -> str:
    r"""Without a list's joint at the end: what `re.sub(r"[,;]?\s*(?:\band\b)?\s*$", "", text)`
    leaves, without that pattern's scan of every whitespace run in the text."""
    text = text.rstrip()
    if text.endswith("and") and (len(text) == 3 or not (text[-4].isalnum() or text[-4] == "_")):
        text = text[:-3].rstrip()
    return text[:-1] if text.endswith((",", ";")) else text


def join_text(parts: Iterable[str]) -> str | None:
    """Join text nodes of an element and clean: what a reader sees, whitespace folded."""
    return clean(" ".join(parts))


# --- numbers -----------------------------------------------------------------

_EXACT_INT = re.compile(r"^\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+$|^\d+$")


def parse_count(text: str | None) -> int | None:
    """'31,131' -> 31131.  '17k', '1.2M', '<5' are not exact: None."""
    text = clean(text)
    if not text:
        return None
    if not _EXACT_INT.match(text):
        return None
    return int(re.sub(r"\D", "", text))


# --- dates -------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR_ONLY = re.compile(r"^\d{4}$")
# "24 Apr 2013", the form most publishers print: read without dateutil (10x faster).
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4})$")
# "November 15 1997", "Jan. 3, 2011": the US order, also read without dateutil.
_SLASHED_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
# "03/12/2020", "03.12.2020": 3 December or March 12, by the site's country.
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DEFAULT_A = dt.datetime(2000, 1, 1)
_DEFAULT_B = dt.datetime(2001, 2, 2)


def parse_date(text: str | None) -> str | None:
    """A full calendar date as 'YYYY-MM-DD', or None when the text has no full date.

    '24 Apr 2013', '2013/04/24', '2013-04-24T10:00:00Z' all work; '2013' or
    'Apr 2013' give None rather than an invented day, and '03/12/2020' None
    rather than a guess at which number is the month ('13/03/2020' is read).
    """
    text = clean(text)
    if not text:
        return None
    m = _MONTH_DAY_YEAR.match(text)
    if m and m.group(1).lower() in _MONTH_NAMES:
        try:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1)[:3].lower()], int(m.group(2))).isoformat()
        except ValueError:
            return None
    m = _DAY_MONTH_YEAR.match(text)
    if m and m.group(2)[:3].lower() in _MONTHS:
        try:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2)[:3].lower()], int(m.group(1))).isoformat()
        except ValueError:
            return None
    m = _ISO_DATE.match(text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    if _YEAR_ONLY.match(text):
        return None
    m = _SLASHED_DATE.match(text)  # "2019/04/15", Highwire's citation_*_date
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    m = _NUMERIC_DATE.match(text)
    if m and int(m[1]) <= 12 and int(m[2]) <= 12 and int(m[1]) != int(m[2]):
        return None  # day and month could be either way round: a guess would be a wrong date
    try:
        # Parsing with two different defaults exposes fields the text lacks.
        a = date_parser.parse(text, default=_DEFAULT_A, fuzzy=False)
        b = date_parser.parse(text, default=_DEFAULT_B, fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.date() != b.date():
        return None
    return a.date().isoformat()


# --- prices ------------------------------------------------------------------

# Symbols that name one currency.  "$" alone is the US dollar, as publishers
# use it; a "$" after letters is another dollar (see `_DOLLAR`).  "¥" alone
# is the yen or the yuan: it names no currency, only "JP¥" and "CN¥" do.
_CURRENCY_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "JP¥": "JPY",
    "CN¥": "CNY",
    "₹": "INR",
    "₩": "KRW",
    "CHF": "CHF",
}
# "US$ 45", "A$ 50", "R$ 50,00" (the real), "NZ$": the letters say which dollar.
_DOLLARS = {
    "": "USD", "US": "USD", "A": "AUD", "AU": "AUD", "C": "CAD", "CA": "CAD", "NZ": "NZD",
    "S": "SGD", "SG": "SGD", "HK": "HKD", "R": "BRL", "MX": "MXN", "NT": "TWD",
}
_DOLLAR = re.compile(r"([A-Za-z]*)\$")
_ISO_CURRENCY = re.compile(r"\b([A-Z]{3})\b")
# ISO 4217 codes a price may be written with; three capitals that name no
# currency ("PDF", "DOI", "ORC") are not read as one.
KNOWN_CURRENCY_CODES = (
    "USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "CNY", "INR", "SEK", "NOK",
    "DKK", "NZD", "SGD", "HKD", "KRW", "BRL", "ZAR", "PLN", "CZK", "MXN", "TWD",
    "HUF", "RON", "ISK", "ILS", "TRY", "RUB", "MYR", "THB", "IDR", "SAR", "AED",
)
_KNOWN_ISO = frozenset(KNOWN_CURRENCY_CODES)


def parse_price(text: str | None) -> tuple[str | None, str | None]:
    """'USD 1,099.00' -> ('1099.00', 'USD'); '€37.37 /Month' -> ('37.37', 'EUR').

    The amount keeps the page's precision as a decimal string (never a float).
    Either part is None when the text does not show it.
    """
    text = clean(text)
    if not text:
        return None, None
    currency, at = _currency_of(text)
    # Read the amount next to the currency: "24 hours to view: USD 50.00"
    # holds another number before it.
    candidates = [text[at:], text[:at + 4]] if at is not None else [text]
    for candidate in candidates:
        price = Price.fromstring(candidate)
        if price.amount is not None and price.amount_text:
            return _decimal_text(price.amount, price.amount_text), currency
    return None, currency


def _currency_of(text: str) -> tuple[str | None, int | None]:
    """The ISO code the text names (by code or symbol) and where it stands;
    a symbol that names no one currency ("¥", "Z$") stands there with None."""
    for m in _ISO_CURRENCY.finditer(text):
        if m.group(1) in _KNOWN_ISO:
            return m.group(1), m.start()
    for m in _DOLLAR.finditer(text):
        return _DOLLARS.get(m.group(1).upper()), m.start()
    for symbol in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True):
        at = text.find(symbol)
        if at >= 0:
            return _CURRENCY_SYMBOLS[symbol], at
    at = text.find("¥")
    return (None, at) if at >= 0 else (None, None)


def _decimal_text(amount: Decimal, amount_text: str) -> str | None:
    """Keep '99.00' as written; price-parser already removed separators."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return None
    if value < 0:
        return None
    decimals = 0
    m = re.search(r"[.,](\d{1,2})\s*$", amount_text.strip())
    if m and not re.search(r"[.,]\d{3}\s*$", amount_text.strip()):
        decimals = len(m.group(1))
    return f"{value:.{decimals}f}"


# --- access periods ----------------------------------------------------------

_PERIOD = re.compile(
    r"\b(\d+)[\s-]*(hours?|hrs?|days?|weeks?|months?|years?)\b", re.IGNORECASE
)
_PERIOD_UNIT = {"h": ("PT", "H"), "d": ("P", "D"), "w": ("P", "W"), "m": ("P", "M"), "y": ("P", "Y")}


def parse_period(*texts: str | None) -> str | None:
    """'48 hours access to article PDF' -> 'PT48H'; '30 days online access' -> 'P30D'."""
    for text in texts:
        if not text:
            continue
        m = _PERIOD.search(text)
        if m:
            prefix, suffix = _PERIOD_UNIT[m.group(2)[0].lower()]
            return f"{prefix}{int(m.group(1))}{suffix}"
    return None


# --- identifiers -------------------------------------------------------------

# A DOI runs to whitespace, a quote, "?" or "#"; it holds "<" and ">" only
# around a number, as SICI-style DOIs do ("10.1175/1520-0469(1963)020<0130:
# DNF>2.0.CO;2", "10.1002/(SICI)...36:3<300::AID-JBM5>3.0.CO;2-E"), so that a
# tag after it ("</a>") is not read as part of it.
_DOI = re.compile(r"\b(10\.\d{4,9}/(?:[^\s\"'<>?#]|<\d[^\s\"'<>?#]*>)+)", re.IGNORECASE)


def parse_doi(text: str | None) -> str | None:
    """'https://doi.org/10.1080/0026.x' or 'doi:10.1080/...' -> '10.1080/...'."""
    if not text:
        return None
    m = _DOI.search(unquote(text))
    if not m:
        return None
    doi = m.group(1).rstrip(".,;")
    # "(doi:10.1038/nature14539)": a closing parenthesis the DOI did not open is the text's.
    while doi.endswith(")") and doi.count(")") > doi.count("("):
        doi = doi[:-1].rstrip(".,;")
    return doi


_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")


def parse_issn(text: str | None) -> str | None:
    m = _ISSN.search(text or "")
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")


def parse_orcid(text: str | None) -> str | None:
    m = _ORCID.search(text or "")
    return m.group(1) if m else None


def split_pages(text: str | None) -> tuple[str | None, str | None]:
    """'Pages 1092-1099' -> ('1092', '1099'); 'e1001' -> ('e1001', None)."""
    text = clean(text)
    if not text:
        return None, None
    # "Article: 1117749" is an article number standing in for pages.
    text = _PAGES_LABEL.sub("", text)
    parts = _PAGE_RANGE.split(text, maxsplit=1)
    first = parts[0] or None
    last = parts[1] if len(parts) > 1 and parts[1] else None
    if first and not _PAGE_NUMBER.match(first):
        return None, None
    if last and not _PAGE_NUMBER.match(last):
        last = None
    return first, last


_PAGES_LABEL = re.compile(r"^(pages?|pp?\.?|article( number)?:?|art\. no\.?)\s*", re.IGNORECASE)
_PAGE_RANGE = re.compile(r"\s*[-–—]\s*")
_PAGE_NUMBER = re.compile(r"^[A-Za-z]{0,3}\d+[A-Za-z]{0,3}$")


def split_name(name: str) -> tuple[str | None, str | None]:
    """'Family, Given' -> (given, family).  A name without a comma is not split:
    'Jean-Paul Malrieu' could be read two ways, and a wrong family name is a bug."""
    if "," in name:
        family, _, given = name.partition(",")
        return clean(given), clean(family)
    return None, None
