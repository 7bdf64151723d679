"""Render the demo site: hand-written page templates filled from articles.json.

The templates in `site/` follow Taylor & Francis Online (Literatum) markup;
the journal, people and prices are invented.  Pages name the fictional
public host `SITE_URL`, never the port they are served on, so a page's
bytes (and ETag) are the same whichever port the demo server got: a second
demo run sees exactly the pages the first one saw.
"""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import quote

SITE_DIR = Path(__file__).resolve().parent / "site"
# Reserved .example domain (RFC 2606): the site exists only in this demo.
SITE_URL = "https://www.imaginary-journals.example"


@functools.cache
def template(name: str) -> Template:
    return Template((SITE_DIR / name).read_text(encoding="utf-8"))


def fill(template_name: str, /, raw: dict[str, str] | None = None, **text: Any) -> str:
    """Fill a template: `text` values are HTML-escaped, `raw` ones are markup."""
    values = {k: escape(str(v)) for k, v in text.items()}
    values.update(raw or {})
    return template(template_name).substitute(values)


@functools.cache
def site_data() -> dict[str, Any]:
    return json.loads((SITE_DIR / "articles.json").read_text(encoding="utf-8"))


def articles() -> list[dict[str, Any]]:
    return site_data()["articles"]


def article(doi: str) -> dict[str, Any] | None:
    doi = doi.lower()
    return next((a for a in articles() if a["doi"].lower() == doi), None)


def with_changes(art: dict[str, Any], changed: bool) -> dict[str, Any]:
    """The article as the site shows it in the given state (prices, metrics)."""
    delta = art.get("changed") or {}
    if not changed or not delta:
        return art
    art = json.loads(json.dumps(art))  # deep copy: site_data() is shared
    new_prices = delta.get("offers", {})
    for offer in art.get("offers", []):
        offer["price"] = new_prices.get(offer["label"], offer["price"])
    art["metrics"] = {**art.get("metrics", {}), **delta.get("metrics", {})}
    return art


# --- article page parts ------------------------------------------------------


def _authors(art: dict[str, Any]) -> str:
    people = art["authors"]
    parts = []
    for i, person in enumerate(people, start=1):
        # Literatum separators: ", " between authors, " & " before the last.
        separator = "" if i == len(people) else (" &amp; " if i == len(people) - 1 else ", ")
        orcid = fill("parts/orcid.html", orcid=person["orcid"]) if person.get("orcid") else ""
        parts.append(
            fill(
                "parts/author.html",
                raw={"separator": separator, "orcid": orcid},
                name=f"{person['given']} {person['family']}",
                given_q=quote(person["given"]),
                family_q=quote(person["family"]),
                affiliation=person["affiliation"],
                corresponding="corresponding " if person.get("corresponding") else "",
                position=f"{i:04d}",
            )
        )
    return "".join(parts)


def _metrics(art: dict[str, Any]) -> str:
    shown = art.get("metrics") or {}
    parts = []
    for key, title in (("views", "Views"), ("citations", "CrossRef citations to date")):
        if key in shown:
            parts.append(fill("parts/metric.html", value=shown[key], title=title))
    if "altmetric" in shown:
        parts.append(fill("parts/altmetric.html", value=shown["altmetric"], doi=art["doi"]))
    return "\n".join(parts)


def _abstract(art: dict[str, Any]) -> str:
    sections = art.get("abstract_sections")
    if not sections:
        return fill("parts/abstract_plain.html", text=art["abstract"])
    inner = "".join(fill("parts/abstract_section.html", heading=h, text=t) for h, t in sections)
    return f'<div class="abstractSection abstractInFull">{inner}</div>'


def _plain_abstract(art: dict[str, Any]) -> str:
    if art.get("abstract_sections"):
        return " ".join(text for _, text in art["abstract_sections"])
    return art["abstract"]


def _keywords(art: dict[str, Any]) -> str:
    return "".join(fill("parts/keyword.html", word=w, word_q=quote(w)) for w in art["keywords"])


def _purchase(art: dict[str, Any]) -> str:
    if art.get("access") == "open":
        return ""
    data = site_data()
    offers = "".join(
        fill(
            "parts/offer.html",
            raw={"details": "".join(f"<li>{escape(d)}</li>" for d in offer["details"])},
            label=offer["label"],
            price_text=offer["price"],
            item_key=f"PWDEMO-{art['doi']}-{i}",
        )
        for i, offer in enumerate(art.get("offers", []), start=1)
    )
    tokens = fill("parts/tokens.html", price_text=art["tokens"]) if art.get("tokens") else ""
    return fill(
        "parts/purchase.html",
        raw={"offers": offers, "tokens": tokens},
        doi=art["doi"],
        doi_quoted=quote(art["doi"], safe=""),
        tax_note=data["tax_note"],
    )


def _related(art: dict[str, Any]) -> str:
    lists = art.get("related")
    widgets = {"people_also_read": "ajaxCFCRWidget", "recommended": "ajaxAtmCRWidget",
               "cited_by": "ajaxCitedByWidget"}
    panes: dict[str, str] = {}
    for name, widget in widgets.items():
        if lists == "pending":
            # What T&F serves to a crawler: empty placeholders a browser fills.
            panes[name] = fill("parts/related_pending.html", widget=widget)
        else:
            panes[name] = "".join(_card(doi) for doi in (lists or {}).get(name, []))
    return fill("parts/related.html", raw=panes)


def _card(doi: str) -> str:
    other = article(doi)
    if other is None:
        return ""
    first = other["authors"][0]
    return fill(
        "parts/related_card.html",
        site=SITE_URL,
        doi=other["doi"],
        title=other["title"],
        article_type=other["article_type"],
        access_icon="oa" if other.get("access") == "open" else "no",
        author=f"{first['given']} {first['family']}",
        author_q=quote(f"{first['family']}, {first['given']}"),
        journal=site_data()["journal"],
        volume=other["volume"],
        issue=other["issue"],
        year=other["published"].split()[-1],
        published_text=other["published"],
    )


def render_article(doi: str, changed: bool = False) -> bytes | None:
    """The landing page of `doi`, or None if the demo has no such article."""
    art = article(doi)
    if art is None:
        return None
    art = with_changes(art, changed)
    data = site_data()
    is_open = art.get("access") == "open"
    summary = _plain_abstract(art)
    raw = {
        "dc_creators": "\n".join(
            f'<meta name="dc.Creator" content=" {escape(p["given"])}  {escape(p["family"])} " />'
            for p in art["authors"]
        ),
        "world_readable": '<meta name="citation_fulltext_world_readable" content="" />' if is_open else "",
        "metrics": _metrics(art),
        "authors": _authors(art),
        "access_logo": fill("parts/oa_logo.html") if is_open else "",
        "abstract": _abstract(art),
        "keywords": _keywords(art),
        "full_text": fill("parts/full_text.html", intro=summary) if is_open else "",
        "purchase": _purchase(art),
        "related": _related(art),
    }
    page = fill(
        "article.html",
        raw=raw,
        base=SITE_URL,
        doi=art["doi"],
        doi_quoted=quote(art["doi"], safe=""),
        journal=data["journal"],
        journal_code=data["journal_code"],
        publisher=data["publisher"],
        publisher_id=art["doi"].rsplit(".", 1)[-1],
        title=art["title"],
        subjects="; ".join(art["keywords"]),
        keywords_csv=",".join(art["keywords"]),
        description=summary[:200],
        sub_page="Full Text" if is_open else "Access Denial",
        rights=art.get("rights", f"Copyright {data['publisher']}"),
        article_type=art["article_type"],
        volume=art["volume"],
        issue=art["issue"],
        issue_date=art["issue_date"],
        first_page=art["first_page"],
        last_page=art["last_page"],
        received_text=art["received"],
        accepted_text=art["accepted"],
        published_text=art["published"],
    )
    return page.encode("utf-8")


# --- other pages -------------------------------------------------------------


def render_challenge(path: str) -> bytes:
    host = SITE_URL.split("://", 1)[1]
    return fill("challenge.html", host=host, path=path).encode("utf-8")


def render_not_found(path: str) -> bytes:
    return fill("not_found.html", path=path).encode("utf-8")


def render_index() -> bytes:
    items = "\n".join(
        f'<li><a href="/doi/abs/{escape(a["doi"])}">{escape(a["title"])}</a></li>' for a in articles()
    )
    return fill("index.html", raw={"items": items}, journal=site_data()["journal"]).encode("utf-8")


def render_action() -> bytes:
    return (SITE_DIR / "action.html").read_bytes()


def robots_txt() -> bytes:
    return (SITE_DIR / "robots.txt").read_bytes()


def target_paths() -> list[str]:
    """Paths the demo crawls: every article page, plus one DOI the site lacks."""
    dois = [a["doi"] for a in articles()] + list(site_data().get("missing", []))
    return [f"/doi/abs/{doi}" for doi in dois]
