"""`extract` never raises, whatever bytes it is given, and what it returns
still obeys the record contract (a challenge never carries article fields,
prices are decimals, dates are dates)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from w3lib.encoding import html_body_declared_encoding

from spiders.items import OFFER_KINDS, RELATED_LISTS, STATUSES
from spiders.pages import extract
from spiders.pages.base import is_utf8, meta_declared_encoding

FIXTURES = sorted(Path(__file__).parent.glob("fixtures/*/*/inputs/HttpResponse-body.html"))
BODIES = [p.read_bytes() for p in FIXTURES]
URLS = [
    "https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745",
    "https://journals.example.org/doi/10.5555/x",
]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_contract(record_dict: dict) -> None:
    assert record_dict["status"] in STATUSES
    if record_dict["status"] != "article":
        assert record_dict["doi"] is None and record_dict["title"] is None
        assert record_dict["offers"] == [] and record_dict["authors"] == []
        assert set(record_dict["metrics"].values()) == {None}
    for offer in record_dict["offers"]:
        assert offer["kind"] in OFFER_KINDS
        if offer["price"] is not None:
            assert Decimal(offer["price"]) >= 0
            assert re.fullmatch(r"[A-Z]{3}", offer["currency"])
    for link in record_dict["related"]:
        assert link["list"] in RELATED_LISTS and link["rank"] >= 1
    if record_dict["published"] is not None:
        assert DATE.match(record_dict["published"])
    for value in record_dict["metrics"].values():
        assert value is None or (isinstance(value, int) and value >= 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.sampled_from(BODIES),
    cut=st.floats(min_value=0.0, max_value=1.0),
    url=st.sampled_from(URLS),
    status=st.sampled_from([200, 200, 403, 404, 500, 503]),
)
def test_truncated_pages_never_raise(body: bytes, cut: float, url: str, status: int) -> None:
    check_contract(extract(url, body[: int(len(body) * cut)], http_status=status).to_dict())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.sampled_from(BODIES),
    edits=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8)), min_size=1, max_size=12),
)
def test_mutated_pages_never_raise(body: bytes, edits: list[tuple[float, bytes]]) -> None:
    data = bytearray(body)
    for where, blob in edits:
        at = int(len(data) * where)
        data[at : at + len(blob)] = blob
    check_contract(extract(URLS[0], bytes(data)).to_dict())


@settings(max_examples=100, deadline=None)
@given(
    body=st.sampled_from(BODIES),
    encoding=st.sampled_from(["utf-16", "latin-1", "cp1252", "shift_jis", "koi8-r"]),
    header=st.booleans(),
)
def test_other_encodings_never_raise(body: bytes, encoding: str, header: bool) -> None:
    text = body.decode("utf-8", errors="replace")
    encoded = text.encode(encoding, errors="replace")
    headers = {"Content-Type": f"text/html; charset={encoding}"} if header else {}
    check_contract(extract(URLS[0], encoded, headers).to_dict())


@given(st.binary(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_random_bytes_never_raise(data: bytes) -> None:
    check_contract(extract(URLS[1], data).to_dict())


def test_header_charset_wins_over_meta() -> None:
    """The HTTP header decides the encoding before the page's meta tag."""
    html = '<html><head><meta charset="utf-8"><meta name="citation_title" content="Café"></head></html>'
    record = extract(URLS[1], html.encode("latin-1"), {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert record.title == "Café"


def test_meta_charset_decides_without_header() -> None:
    html = '<html><head><meta charset="windows-1252"><meta name="citation_title" content="Møller – Plesset"></head></html>'
    assert extract(URLS[1], html.encode("cp1252")).title == "Møller – Plesset"


_HEAD_PARTS = [
    '<meta charset="utf-8">', "<meta charset='windows-1252'>",
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">',
    '<meta content="charset=koi8-r">', '<meta name="x" content="a>b" charset="shift_jis">',
    '<?xml version="1.0" encoding="euc-jp"?>', "<!-- <meta charset=\"big5\"> -->", "<!-- unclosed ",
    "<script>var charset = 'gbk';</script>", "<body>", "<title>t</title>",
    '<meta name="citation_title" content="Caf\u00e9">', " " * 700, "<meta charset=>", "<META CHARSET=UTF-16>",
    '<meta name="d" content="<!-- x">', "-->", "<!--[if IE 9]><html><![endif]-->", "<meta\tcharset=latin-1>",
    '<meta name="description" content="on charset detection">', "<metadata charset=utf-8>", "<body class='charset'>",
]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_HEAD_PARTS), max_size=12))
def test_meta_declared_encoding_is_w3libs_scan(parts: list[str]) -> None:
    """The shortcut over the first tag that may declare finds what w3lib's
    scan of the first 4 KB finds, whatever comes before or after it."""
    body = "".join(parts).encode("utf-8")
    assert meta_declared_encoding(body) == html_body_declared_encoding(body)


def _decodes(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Pieces of UTF-8 text and stray bytes, cut into chunks as small as one byte:
# multi-byte sequences then straddle chunk boundaries, whole or broken.
_MIXED_BYTES = st.lists(
    st.one_of(st.text(max_size=5).map(lambda t: t.encode("utf-8")), st.binary(max_size=3)), max_size=12
).map(b"".join)


@settings(max_examples=500)
@given(_MIXED_BYTES, st.integers(min_value=1, max_value=9))
def test_is_utf8_is_what_decoding_tells(body: bytes, chunk: int) -> None:
    assert is_utf8(body, chunk) == _decodes(body)


def test_an_undeclared_page_in_another_encoding_is_sniffed() -> None:
    # No charset anywhere, and bytes that are not UTF-8: w3lib's sniffing decides.
    html = "<html><head><meta name='citation_title' content='Ærø – Møller'></head><body>" + "x" * 9000 + "é</body></html>"
    assert extract(URLS[1], html.encode("cp1252")).title == "Ærø – Møller"
    assert extract(URLS[1], html.encode("utf-8")).title == "Ærø – Møller"
