"""How a page object's fields are read: `to_record` calls the functions behind
web-poet's field descriptors directly, `by_id` uses the parser's id table when
the page object asks for one, and `by_class_in` groups class-index hits by
container.  Each shortcut must give what the slow path gives."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lxml import etree

from spiders.pages import PAGE_CLASSES, make_response, page_for, to_record
from spiders.pages.base import ArticlePage, descendant_steps, field_reader, xpath
from web_poet.fields import get_fields_dict

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*") if (p / "inputs").is_dir())


@pytest.mark.parametrize("cls", [ArticlePage, *PAGE_CLASSES], ids=lambda c: c.__name__)
def test_every_field_has_a_plain_reader(cls: type[ArticlePage]) -> None:
    # No output processors, no Processors class and no input validation:
    # what to_record and ArticlePage._validate_input skip.
    assert not hasattr(cls, "Processors")
    assert not hasattr(cls, "validate_input")
    for name, info in get_fields_dict(cls).items():
        assert info.out is None, name
        assert field_reader(cls, name) is not None, name


def _response(case: Path):
    info = json.loads((case / "inputs" / "HttpResponse-info.json").read_text())
    headers = {k: v for k, v in info.get("headers", [])}
    body = (case / "inputs" / "HttpResponse-body.html").read_bytes()
    return make_response(info["url"], body, headers, info.get("status") or 200)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_to_record_equals_web_poets_to_item(case: Path) -> None:
    fast = to_record(page_for(_response(case)))
    slow = asyncio.run(page_for(_response(case)).to_item())
    assert fast == slow


PAGE = b"""<html><head><title>t</title></head><body>
<div id="a" class="box"><section class="s"><h4 class="head">Contribution</h4><p class="text">x</p></section>
  <section class="s"><p><span class="text">Dept. A</span></p><p class="text">Dept. B</p></section></div>
<p id="a">second with the same id</p>
<span id=" spaced ">spaced</span>
<div id="c" class="box"><p class="text">Dept. C</p><div class="box"><p class="text">inner</p></div></div>
<p class="text">outside</p>
</body></html>"""


class _IdsPage(ArticlePage):
    id_lookups = ("a",)
    class_markers = ("box", "s", "head", "text")


class _WalkPage(ArticlePage):
    class_markers = ("box", "s", "head", "text")


@pytest.mark.parametrize("element_id", ["a", " spaced ", "c", "missing", ""])
def test_by_id_from_the_parser_table_equals_the_walk(element_id: str) -> None:
    with_table = _IdsPage(response=make_response("https://example.org/", PAGE))
    walked = _WalkPage(response=make_response("https://example.org/", PAGE))
    assert with_table.__dict__.get("_ids_collected") is None  # nothing parsed yet
    found, expected = with_table.by_id(element_id), walked.by_id(element_id)
    assert with_table.__dict__["_ids_collected"] is True
    assert (found is None) == (expected is None)
    if expected is not None:
        assert etree.tostring(found) == etree.tostring(expected)
    if element_id == "a":
        assert found.tag == "div"  # the first of two elements with that id


class _LookupPage(ArticlePage):
    id_lookups = ("widget", "trendmd-box")


def test_a_body_that_spells_no_looked_up_id_keeps_no_id_table() -> None:
    page = _LookupPage(response=make_response("https://example.org/", PAGE))
    assert page.by_id("widget") is None
    assert page.__dict__["_ids_collected"] is False
    assert "_id_index" not in page.__dict__  # answered without a walk
    # An id the page object does not declare (a tab's pane, say) is walked for.
    assert page.by_id("c").get("class") == "box"
    spelled = _LookupPage(response=make_response("https://example.org/", PAGE.replace(b'id="c"', b'id="widget"')))
    assert spelled.by_id("widget").get("class") == "box"
    assert spelled.__dict__["_ids_collected"] is True


def test_a_non_ascii_id_to_look_up_keeps_the_id_table() -> None:
    class _AccentPage(ArticlePage):
        id_lookups = ("résumé",)

    body = PAGE.replace(b'id="c"', 'id="résumé"'.encode("latin-1"))
    page = _AccentPage(response=make_response("https://example.org/", body, {"Content-Type": "text/html; charset=latin-1"}))
    assert page.by_id("résumé").get("class") == "box"
    assert page.__dict__["_ids_collected"] is True


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-7"])
def test_a_body_not_written_in_ascii_is_searched_by_the_walk(encoding: str) -> None:
    # The body's bytes cannot tell: "widget" in UTF-16 is not b"widget".
    body = PAGE.decode().replace('id="c"', 'id="widget"').encode(encoding)
    headers = {"Content-Type": f"text/html; charset={encoding}"}
    page = _LookupPage(response=make_response("https://example.org/", body, headers))
    found = page.by_id("widget")
    assert found is not None and found.get("class") == "box"


def test_by_class_in_groups_as_xpath_per_container_would() -> None:
    page = _WalkPage(response=make_response("https://example.org/", PAGE))
    boxes = page.by_class("box")
    sections = page.by_class("s")
    texts = page.by_class_in(sections, "text")
    assert {s: [e.text for e in xpath(".//*[contains(concat(' ', @class, ' '), ' text ')]")(s)] for s in sections} == {
        s: [e.text for e in texts[s]] for s in sections
    }
    heads = page.by_class_in(sections, "head", children=True)
    assert list(heads) == [sections[0]]
    # Nested containers: an element belongs to the nearest one.
    grouped = page.by_class_in(boxes, "text")
    assert [[e.text for e in grouped[b]] for b in boxes] == [["x", "Dept. A", "Dept. B"], ["Dept. C"], ["inner"]]
    assert page.by_class_in([], "text") == {}


def test_by_class_knows_only_its_markers() -> None:
    page = _WalkPage(response=make_response("https://example.org/", PAGE + b'<p class="absent-marker-free">x</p>'))
    assert [e.tag for e in page.by_class("box")] == ["div", "div", "div"]
    assert [e.text for e in page.by_class("head")] == ["Contribution"]
    page.by_class("box").clear()  # a copy: the index is not changed by callers
    assert len(page.by_class("box")) == 3

    class _Markers(ArticlePage):
        class_markers = ("box", "nowhere")

    marked = _Markers(response=make_response("https://example.org/", PAGE))
    assert marked.by_class("nowhere") == []  # a marker the page does not use
    with pytest.raises(KeyError):
        marked.by_class("text")  # not a marker of this page object: a bug in the caller


ABSTRACT = b"""<html><body><div class="abstract"><h2>Abstract</h2><p>First part.</p>
<div class="abstractKeywords"><p>Keywords: a; b</p></div><div class="keywords-list"><p>c, d</p></div>
<div class="section"><p>Second part.</p></div></div>
<div class="article-keywords"><div class="abstract"><p>Inside an outer keyword box.</p></div></div></body></html>"""


def test_sections_of_leaves_out_keyword_lists_at_any_depth() -> None:
    page = ArticlePage(response=make_response("https://example.org/", ABSTRACT))
    first, outer = xpath("//div[@class='abstract']")(page.sel.root)
    assert [s.text for s in page.sections_of(first)] == ["First part.\n\nSecond part."]
    # A block that sits inside a keyword box is all keywords: what the
    # ancestor test in XPath (`ancestor::*[contains(@class, 'keyword')]`) says.
    assert page.sections_of(outer) == []


TITLED = b"<html><head><meta name='citation_title' content='a title'></head><body><h1>a title</h1></body></html>"


def test_field_reads_keep_web_poets_processors_where_a_page_class_has_them() -> None:
    # Field reads skip web-poet's processor hooks only for page classes
    # without processors: one that adds them gets them applied.
    class _Processed(ArticlePage):
        class Processors:
            title = [str.upper]

    processed = _Processed(response=make_response("https://example.org/", TITLED))
    assert processed.title == "A TITLE"
    assert to_record(_Processed(response=make_response("https://example.org/", TITLED))).title == "A TITLE"
    assert ArticlePage(response=make_response("https://example.org/", TITLED)).title == "a title"


def test_a_subclass_field_reads_its_base_field_through_super() -> None:
    class _Suffixed(ArticlePage):
        @property
        def _base_title(self) -> str:
            return super().title

    page = _Suffixed(response=make_response("https://example.org/", TITLED))
    assert page._base_title == "a title"
    assert ArticlePage.title.__get__(None, ArticlePage) is ArticlePage.__dict__["title"]  # class access: the descriptor


_MIXED = b"""<html><body><p id="p">Dept. <sup>1</sup>of <a href="#">Physics</a>, <span class="x">CA</span>
<span>94720<sup>*</sup></span>; <i>email</i>: <a href="mailto:a@b">a@b</a></p></body></html>"""


@pytest.mark.parametrize(
    ("exclude", "expected"),
    [
        ("self::sup", "Dept. of Physics, CA 94720; email: a@b"),
        ("self::sup or self::a", "Dept. of , CA 94720; email:"),
        ("self::span", "Dept. 1of Physics, ; email: a@b"),
        ("self::span[@class='x']", "Dept. 1of Physics, 94720*; email: a@b"),  # not tags only: through XPath
        ("self::sup or self::i", "Dept. of Physics, CA 94720; : a@b"),
    ],
)
def test_text_of_leaves_out_the_excluded_descendants_and_keeps_their_tails(exclude: str, expected: str) -> None:
    page = _WalkPage(response=make_response("https://example.org/", _MIXED))
    assert page.text_of(page.by_id("p"), exclude=exclude) == expected
    assert page.text_of(page.by_id("p")) == "Dept. 1of Physics, CA 94720*; email: a@b"


@pytest.mark.parametrize(
    "expression",
    [
        ".//a[@href]", ".//h3//a[@href]", "//p | //li", ".//*[self::h2 or self::h3]", "//text()[contains(., 'Dept')]",
        "//div[.//p[@class='text']]", "//*[contains(concat(' ', normalize-space(@class), ' '), ' box ')]//p",
        # Positional: left as written, since //p[1] counts among siblings.
        "//p[1]", ".//div[last()]",
    ],
)
def test_descendant_steps_select_what_the_abbreviation_does(expression: str) -> None:
    bodies = [PAGE, _MIXED] + [(case / "inputs" / "HttpResponse-body.html").read_bytes() for case in CASES[::7]]
    for body in bodies:
        root = etree.fromstring(body, etree.HTMLParser())
        for context in (root, *root.iter("div", "p")):
            assert xpath(expression)(context) == etree.XPath(expression)(context), expression
    assert ("descendant::" in descendant_steps(expression)) != ("[1]" in expression or "last()" in expression)
