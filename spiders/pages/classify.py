"""What kind of page came back: an article, or a bot check, a sign-in wall,
a not-found or some other page served at the article's URL.

Publishers answer a crawler with a 200 "Just a moment..." page as often as
with a 403, so the HTTP status alone cannot tell; the markup decides.  A page
that carries article metadata is an article whatever else it shows (T&F
pages embed a "Log in" box beside the abstract).
"""

from __future__ import annotations

import re

from parsel import Selector

# Bot checks by the vendors publishers use: Cloudflare, PerimeterX, Akamai,
# DataDome, Imperva/Incapsula, and generic captcha walls.
_CHALLENGE_MARKERS = re.compile(
    r"_cf_chl_opt|cf-browser-verification|/cdn-cgi/challenge-platform|challenge-error-text"
    r"|px-captcha|_pxCaptcha|captcha-delivery\.com|geo\.captcha-delivery"
    r"|Incapsula incident ID|_Incapsula_Resource|distil_r_captcha"
    r"|Request unsuccessful\. Incapsula",
    re.IGNORECASE,
)
_CHALLENGE_TITLES = re.compile(
    r"^(just a moment|attention required|please wait|checking your browser|access denied"
    r"|are you a robot|security check|one more step|pardon our interruption|verify you are human)",
    re.IGNORECASE,
)
_NOT_FOUND_TITLES = re.compile(
    r"\b(404|page not found|not found|no longer available|does not exist|error page)\b",
    re.IGNORECASE,
)
_LOGIN_TITLES = re.compile(r"^(log ?in|sign ?in|login required|institutional login)\b", re.IGNORECASE)

# Embedded metadata that only article pages carry (lower-cased names).
ARTICLE_META_NAMES = (
    "citation_title", "dc.title", "citation_doi", "prism.doi", "dc.identifier", "citation_journal_title",
)

_ARTICLE_META = (
    "//meta[@name='citation_title' or @name='dc.Title' or @name='DC.title' or @name='DC.Title'"
    " or @name='citation_doi' or @name='prism.doi' or @name='dc.identifier' or @name='DC.identifier'][@content!='']"
)


def page_title(sel: Selector) -> str:
    return " ".join(sel.xpath("//title//text()").getall()).strip()


def has_article_metadata(sel: Selector) -> bool:
    if sel.xpath(_ARTICLE_META):
        return True
    if sel.xpath("//meta[@property='og:type'][contains(@content,'article')]") and sel.xpath(
        "//h1"
    ):
        return True
    return bool(
        sel.xpath(
            "//script[@type='application/ld+json'][contains(.,'ScholarlyArticle')"
            " or contains(., '\"Article\"') or contains(., 'MedicalScholarlyArticle')]"
        )
    )


def classify(sel: Selector, http_status: int, *, is_article: bool | None = None) -> str:
    """One of 'article', 'challenge', 'login', 'not_found', 'not_article'.

    `is_article` is the page object's own reading of its metadata and
    markup (a platform vouches for a body-only copy with no <head>); when
    None, the embedded metadata decides.
    """
    article = has_article_metadata(sel) if is_article is None else is_article
    if article and http_status < 400:
        return "article"
    title = page_title(sel)
    # Only pages without article metadata pay for the marker scan.
    if not article and (_CHALLENGE_TITLES.match(title) or _CHALLENGE_MARKERS.search(_head_text(sel))):
        return "challenge"
    if http_status in (404, 410):
        return "not_found"
    if _LOGIN_TITLES.match(title) or _is_login_form(sel):
        return "login"
    if http_status in (401, 403) and not article:
        return "login" if _is_login_form(sel) else "challenge"
    if _NOT_FOUND_TITLES.search(title):
        return "not_found"
    return "not_article"


def _head_text(sel: Selector) -> str:
    """Scripts and the first part of the body: where bot-check markers live."""
    scripts = " ".join(sel.xpath("//script/text() | //script/@src | //link/@href").getall()[:50])
    ids = " ".join(sel.xpath("//*[@id][position() < 200]/@id").getall())
    return f"{scripts} {ids}"


def _is_login_form(sel: Selector) -> bool:
    return bool(sel.xpath("//form[.//input[@type='password']]")) and not sel.xpath(
        "//h1[string-length(normalize-space()) > 0]"
        "[not(contains(translate(., 'LOGINSW', 'loginsw'), 'log in'))"
        " and not(contains(translate(., 'LOGINSW', 'loginsw'), 'sign in'))]"
    )
