"""The compiled walks (spiders/pages/_walk.pyx: the class index, RDFa
`property` words, elements by tag, meta tags, visible text) find what the
Python walks find: the same elements in the same order under the same
markers, the same texts, and the same records, on every fixture page, on
every real page (tests/corpus), and on small pages written for the cases
where the two read the tree differently (entities in a value, an empty or
valueless class, a second <html>, a page in another encoding,
ScienceDirect's index over parts of the page, hidden and excluded tags)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import spiders.pages.base as base
from spiders.pages import make_response, page_for
from spiders.pages.base import _index_in_python, document_tops

from tests.test_page_addresses import CASES, _read as read_case

# The compiled walks as `base` names them: None there means "use the Python walk".
_COMPILED = ("index_subtrees", "elements_by_tag", "compiled_meta_pairs", "visible_text")

compiled = pytest.mark.skipif(base.index_subtrees is None, reason="test_compiled_walk_is_built says why")


def test_compiled_walk_is_built():
    """`pip install -e .` builds the walks (setup.py); the package still works
    without them, 2-5 times slower on those steps, so a failed build would go
    unnoticed but for this test."""
    assert None not in [getattr(base, name) for name in _COMPILED], (
        "spiders/pages/_walk.pyx was not compiled: install a C compiler and the Python headers, "
        "then `pip install -e .` again"
    )


def _paths(index: dict[str, list[Any]]) -> dict[str, list[str]]:
    """The index by each element's path in its tree: two parses of one page compare."""
    return {name: [e.getroottree().getpath(e) for e in elements] for name, elements in index.items()}


def _indexes(page: Any) -> dict[str, dict[str, list[str]]]:
    """The page's class index, its <meta>, <script>, ... elements, its meta
    tags' names and contents, and its index of RDFa `property` words
    (Atypon's core template) where its page object keeps one."""
    if page.sel.root is None:
        return {}
    found = {"class": _paths(page._class_index), "tagged": _paths(page._tagged), "meta": page.meta_pairs}
    if hasattr(page, "_property_index"):
        found["property"] = _paths(page._property_index)
    return found


def _both_indexes(url: str, body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    fast = _indexes(page_for(make_response(url, body)))
    with monkeypatch.context() as patch:
        for name in _COMPILED:
            patch.setattr(base, name, None)
        slow = _indexes(page_for(make_response(url, body)))
    return fast, slow


@compiled
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_pages(case: Path, monkeypatch: pytest.MonkeyPatch):
    url, body, _, _ = read_case(case)
    fast, slow = _both_indexes(url, body, monkeypatch)
    assert fast == slow


def _corpus_cases() -> list[Any]:
    try:
        from tests.corpus.test_corpus import CASES as REAL
    except pytest.skip.Exception:  # no ../shared/pages here
        return []
    return [pytest.param(c, id=c["id"], marks=pytest.mark.corpus) for c in REAL]


@compiled
@pytest.mark.parametrize("case", _corpus_cases())
def test_real_pages(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch):
    fast, slow = _both_indexes(case["url"], case["page"].read_bytes(), monkeypatch)
    assert fast == slow
    if case["expected"].get("status", "article") == "article":
        assert sum(map(len, fast["class"].values())) > 0


def _words(value: str) -> tuple[str, ...]:
    return tuple(value.split())


def _walk_both(html: bytes, encoding: str = "utf-8", roots=None) -> tuple[dict, dict]:
    root = base._parse_html(html, encoding)
    tops = document_tops(root) if roots is None else roots(root)
    fast = base.index_subtrees(tops, {}, {}, _words)
    slow = _index_in_python({}, (e for top in tops for e in top.iter(base.etree.Element)), {}, _words)
    return fast, slow


def _same(fast: dict, slow: dict) -> None:
    assert fast.keys() == slow.keys()
    for name in fast:
        assert len(fast[name]) == len(slow[name])
        assert all(a is b for a, b in zip(fast[name], slow[name])), name  # one proxy per node


@compiled
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(b'<div class="price&amp;tax box"><span class="box">x</span></div>',
                     {"price&tax": 1, "box": 2}, id="entity"),
        pytest.param(b'<div class="">a</div><p class>b</p><i class="  ">c</i>', {}, id="empty-and-valueless"),
        pytest.param(b'<DIV CLASS="Loud">a</DIV>', {"Loud": 1}, id="upper-case-markup"),
        pytest.param(b'<p class="a">1</p><!-- c --><p class="a b">2<br class="b"></p>', {"a": 2, "b": 2},
                     id="comments-and-void"),
        pytest.param(b'<html><body><p class="a">1</p></body></html><html><body><p class="a">2</p></body></html>',
                     {"a": 2}, id="second-html"),
        pytest.param(b'<!DOCTYPE html><!-- top --><html><body><svg class="icon"><use class="u"/></svg></body></html>',
                     {"icon": 1, "u": 1}, id="doctype-svg"),
        pytest.param('<p class="prix-été z">a</p>'.encode(), {"prix-été": 1, "z": 1}, id="non-ascii-value"),
    ],
)
def test_small_pages(html: bytes, expected: dict[str, int]):
    fast, slow = _walk_both(html)
    _same(fast, slow)
    assert {k: len(v) for k, v in fast.items()} == expected


@compiled
def test_another_encoding():
    """libxml2 keeps the tree in UTF-8 whatever the page's encoding."""
    html = '<meta charset="shift_jis"><p class="価格 box">¥1,000</p>'.encode("shift_jis")
    fast, slow = _walk_both(html, encoding="shift_jis")
    _same(fast, slow)
    assert list(fast) == ["価格", "box"]


@compiled
def test_parts_of_a_page():
    """Subtrees walked in the order given, each root included, nothing outside them."""
    html = b'<div class="a"><p class="a">1</p></div><div class="b"><p class="a">2</p></div><p class="a">3</p>'

    def roots(root):
        body = root.find("body")
        return [body[1], body[0]]  # the second div first

    fast, slow = _walk_both(html, roots=roots)
    _same(fast, slow)
    assert [(e.tag, e.text) for e in fast["a"]] == [("p", "2"), ("div", None), ("p", "1")]
    assert [e.tag for e in fast["b"]] == ["div"]


@compiled
def test_a_last_child_as_root():
    """The walk stops at the end of the root's subtree, also where the root
    is the last child of its parent."""
    html = b'<div><section class="a"><p class="a">1</p></section></div><p class="a">2</p>'
    fast, slow = _walk_both(html, roots=lambda root: [root.find("body/div/section")])
    _same(fast, slow)
    assert [e.tag for e in fast["a"]] == ["section", "p"]


@compiled
def test_a_namespaced_class_is_not_the_class():
    """`get("class")` reads the attribute in no namespace: so does the walk
    (an XML tree; HTML's parser gives attributes no namespace)."""
    root = base.etree.fromstring(b'<r xmlns:x="urn:x"><p x:class="a" class="b"/><p x:class="c"/></r>')
    fast = base.index_subtrees([root], {}, {}, _words)
    slow = _index_in_python({}, root.iter(base.etree.Element), {}, _words)
    _same(fast, slow)
    assert list(fast) == ["b"]


@compiled
@pytest.mark.parametrize(
    ("html", "meta"),
    [
        pytest.param(b'<html><head><meta name="a" content="1"><META NAME=" Citation_Title " CONTENT="T">'
                     b'<meta property="og:title" content="P"><meta itemprop="name" content="I">'
                     b'<meta name="" property="dc.x" content="E" scheme="DCTERMS.URI"><meta name="n">'
                     b'<meta content="no name"><meta name="citation_reference" content="r">'
                     b'<meta name="e" content=""><meta name="amp" content="a &amp; b"></head>'
                     b'<body><h1>x</h1><footer><p>f</p></footer><meta name="late" content="L"></body></html>',
                     [("a", "1", ""), ("citation_title", "T", ""), ("og:title", "P", ""), ("name", "I", ""),
                      ("dc.x", "E", "DCTERMS.URI"), ("e", "", ""), ("amp", "a & b", ""), ("late", "L", "")],
                     id="meta-forms"),
        pytest.param(b'<html><head><script>1</script><link rel="canonical" href="/a"><base href="/b/"></head>'
                     b'<body><h1>a</h1><!-- <h1>no</h1> --><div><h1>b</h1><script type="application/ld+json">{}</script>'
                     b'</div></body></html><html><body><h1>second html</h1></body></html>',
                     [], id="tags-and-second-html"),
    ],
)
def test_tags_and_meta_pairs(html: bytes, meta: list, monkeypatch: pytest.MonkeyPatch):
    fast, slow = _both_indexes("https://example.org/a", html, monkeypatch)
    assert fast["tagged"] == slow["tagged"]
    assert fast["meta"] == slow["meta"] == meta
    assert sum(map(len, fast["tagged"].values())) > 0


def _texts(root: Any) -> list[tuple[str | None, str | None]]:
    """(text of the element, text without its <sup> and <a>) of every element
    and comment under `root`, as `text_of` reads them."""
    page = base.ArticlePage.__new__(base.ArticlePage)  # text_of reads nothing of the page
    return [
        (page.text_of(e), page.text_of(e, exclude="self::sup or self::a"))
        for e in root.iter()
    ]


def _both_texts(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    root = base._parse_html(body, "utf-8")
    if root is None:
        return [], []
    fast = _texts(root)
    with monkeypatch.context() as patch:
        patch.setattr(base, "visible_text", None)
        slow = _texts(root)
    return fast, slow


@compiled
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_texts_of_fixture_pages(case: Path, monkeypatch: pytest.MonkeyPatch):
    fast, slow = _both_texts(read_case(case)[1], monkeypatch)
    assert fast == slow


@compiled
@pytest.mark.parametrize("case", _corpus_cases())
def test_texts_of_real_pages(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch):
    """Every element's text on every real page (the encoding aside: UTF-8 here)."""
    fast, slow = _both_texts(case["page"].read_bytes(), monkeypatch)
    assert fast == slow
    if case["expected"].get("title"):
        assert any(case["expected"]["title"] in (text or "") for text, _ in fast)


@compiled
@pytest.mark.parametrize(
    ("html", "text", "without"),
    [
        pytest.param(b"<p>CO<sub>2</sub> and H<sub>2</sub>O</p>", "CO2 and H2O", "CO2 and H2O", id="inline-joins"),
        pytest.param(b"<div><p>one</p><p>two</p>three<br>four</div>", "one two three four", "one two three four",
                     id="blocks-separate"),
        pytest.param(b"<div>a<script>var x;</script>b<style>p{}</style><!-- c -->d<noscript>e</noscript></div>",
                     "abd", "abd", id="hidden-and-comments"),
        pytest.param(b"<p>Smith<sup>1,2</sup> <a href='#'>mail</a>, Jones<sup>3</sup></p>",
                     "Smith1,2 mail, Jones3", "Smith , Jones", id="excluded-tags-keep-their-tails"),
        pytest.param(b"<p>caf\xc3\xa9 <i>na\xc3\xafve</i> \xe2\x80\x94 \xf0\x9f\x94\xac</p>",
                     "caf\u00e9 na\u00efve \u2014 \U0001f52c", "caf\u00e9 na\u00efve \u2014 \U0001f52c", id="utf-8"),
        pytest.param(b"<p></p>", None, None, id="empty"),
        pytest.param(b"<script>only</script>", None, None, id="a-script"),
    ],
)
def test_texts_of_small_pages(html: bytes, text: str | None, without: str | None, monkeypatch: pytest.MonkeyPatch):
    root = base._parse_html(html, "utf-8")
    element = next(e for e in root.iter() if e.tag not in ("html", "head", "body"))
    fast, slow = _both_texts(html, monkeypatch)
    assert fast == slow
    page = base.ArticlePage.__new__(base.ArticlePage)
    assert (page.text_of(element), page.text_of(element, exclude="self::sup or self::a")) == (text, without)


@compiled
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_same_record(case: Path, monkeypatch: pytest.MonkeyPatch):
    """The whole record of every fixture page, compiled walks or not."""
    from spiders.pages import extract

    url, body, headers, status = read_case(case)
    fast = extract(url, body, headers, status).to_dict()
    with monkeypatch.context() as patch:
        for name in _COMPILED:
            patch.setattr(base, name, None)
        slow = extract(url, body, headers, status).to_dict()
    assert fast == slow
