"""Crawl speed end to end: `paperwall crawl` beside a minimal Scrapy spider and a fetch-only one.

    .venv/bin/python benchmarks/crawl.py               # 2,000 pages of ~150 KB
    .venv/bin/python benchmarks/crawl.py --pages 300   # quicker
    .venv/bin/python benchmarks/crawl.py --profile     # + py-spy profile of the paperwall crawl

It generates --pages distinct article landing pages in Taylor & Francis
Literatum markup (the demo site's templates in paperwall/demo/site/, with
distinct DOIs, titles, authors, prices in USD/EUR/GBP, metrics and related
lists, padded to ~150 KB like real T&F pages with a page header and footer,
full text for open-access articles and a reference list), serves them from
memory on a threaded HTTP server on 127.0.0.1, and crawls them, each crawl a
subprocess with the same concurrency (16 requests in flight, no delay, no
AutoThrottle, robots.txt obeyed):

  fetch-only    a Scrapy spider that only downloads (the ceiling)
  minimal       a Scrapy spider that reads ten fields with parsel, stores nothing
  extract-only  a Scrapy spider running paperwall's extractor, storing nothing
  paperwall     `paperwall crawl --file urls.txt --db sqlite:///...`: full
                extraction, history-keeping storage
  paperwall 2   the same crawl again on the same database: every page is
                unchanged, so it must add fetch rows and nothing else

It prints pages/s for each, end to end (process start to exit, what a user
waits for) and steady (first to last response), the ratio paperwall/minimal
(goal >= 0.8), where a page's time goes (the differences between the crawls,
and extraction and `storage.writer.write_batch` timed alone in one process),
and the row counts before and after the second crawl.  With --profile it
also records a paperwall crawl with py-spy (all threads: the writer runs in
a worker thread) and summarises it.  The machine should be otherwise idle:
every crawl here is CPU-bound, and --repeat N keeps the best of N runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONCURRENCY = 16
PREFIX = "10.5555/pwbench."
# The same overrides for every crawl: no politeness delays on loopback.
LOOPBACK = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": str(CONCURRENCY),
    "CONCURRENT_REQUESTS_PER_DOMAIN": str(CONCURRENCY),
    "ROBOTSTXT_OBEY": "True",
}


# =========================================================================================
# Page generation
# =========================================================================================

WORDS = (
    "lattice phase thermal diffusion quantum polymer membrane catalyst kinetic entropy spectral "
    "boundary layer fluid turbulent viscous elastic fracture fatigue crystal grain alloy oxide "
    "surface interface adsorption molecular dynamics simulation ensemble stochastic model "
    "equilibrium transition critical scaling exponent correlation density functional theory "
    "electron spin magnetic anisotropy coupling resonance photon optical cavity laser pulse "
    "nonlinear wave soliton dispersion acoustic vibration mode frequency amplitude damping "
    "nanoparticle colloid suspension aggregation rheology gel network topology defect "
    "dislocation strain stress tensor anisotropic isotropic porous medium permeability flow "
    "heat transfer conduction convection radiation emission absorption scattering cross section "
    "hydrogen bond solvent solute ion transport electrolyte battery electrode capacity cycle "
    "degradation mechanism pathway reaction rate constant activation energy barrier"
).split()
GIVEN = ("Ada Bruno Clara Dmitri Esme Farid Gaspard Hélène Ivo Jun Kira Lev Mina Noor Oskar Priya "
         "Quentin Rosa Sven Tamar Ulla Viktor Wen Xavier Yara Zeno Aiko Björn Chiara Dario").split()
FAMILY = ("Quillfeather Tessellate Inkwell Palimpsest Vellum Loom Émail Kaolin Clapper Tolling Pane "
          "Warden Ferrum Stannum Brightwater Coldharbour Ashdown Fairweather Holloway Kingsley "
          "Lindqvist Moreau Nakamura Okafor Petrov Ramírez Sørensen Takahashi Underhill Vasquez "
          "Whitlock Yilmaz Zimmermann Abernathy Castellano Dubois Eriksen Fontaine").split()
PLACES = ("University of Nowhere, Elsewhere", "Atlantis Polytechnic, Atlantis", "Erewhon Institute, Erewhon",
          "Lilliput University, Lilliput", "Narnia College, Cair Paravel", "Université d'Ys, Ys, France",
          "Laputa Institute of Technology, Laputa", "University of Oz, Emerald City",
          "Shangri-La University, Shangri-La", "Camelot School of Engineering, Camelot")
DEPTS = ("Department of Physics", "School of Chemistry", "Institute of Materials Science",
         "Faculty of Engineering", "Laboratory of Applied Mechanics", "Centre for Soft Matter")
JOURNALS = ("Molecular Physics", "Philosophical Magazine", "Liquid Crystals", "Journal of Imaginary Materials",
            "Journal of Modern Optics")
SECTION_HEADS = ("Introduction", "Theory", "Methods", "Experimental details", "Results", "Discussion",
                 "Model", "Simulations", "Conclusions")
CURRENCIES = (("USD", 0.6), ("EUR", 0.25), ("GBP", 0.15))
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def sentence(rng: random.Random, lo: int = 8, hi: int = 24) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def tf_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def reference(rng: random.Random) -> str:
    """One entry of a T&F reference list (markup as on tandfonline.com), without its <li>."""
    authors = []
    for _ in range(rng.randint(1, 4)):
        authors.append(f'<span class="hlFld-ContribAuthor">\n{rng.choice(FAMILY)}, '
                       f'<span class="NLM_given-names">{rng.choice(GIVEN)[0]}.</span> </span>')
    year = rng.randint(1950, 2024)
    title = sentence(rng, 6, 14)[:-1]
    journal = rng.choice(JOURNALS + ("Physical Review B", "Journal of Chemical Physics", "Nature Materials"))
    vol, fpage = rng.randint(1, 140), rng.randint(1, 9000)
    lpage = fpage + rng.randint(2, 30)
    key = f"10.{rng.randint(1000, 9999)}%2F{rng.randint(10**6, 10**7)}"
    q = title.replace(" ", "+")
    return (
        f"<span>\n{', '.join(authors)} (<span class=\"NLM_year\">{year}</span>). "
        f"<span class=\"NLM_article-title\">{title}</span>. <i>{journal}</i> , <i>{vol}</i> , "
        f"<span class=\"NLM_fpage\">{fpage}</span>–<span class=\"NLM_lpage\">{lpage}</span>."
        f"<span class=\"refLink-block\">\u00a0<span class=\"xlinks-container\">"
        f"<a href=\"/servlet/linkout?suffix=CIT&amp;dbid=16&amp;doi=DOIQ&amp;key={key}\" target=\"_blank\">"
        f"[Crossref]</a>, <a href=\"/servlet/linkout?suffix=CIT&amp;dbid=128&amp;doi=DOIQ&amp;key="
        f"{rng.randint(10**14, 10**15)}\" target=\"_blank\">[Web of Science ®]</a></span>"
        f"<span class=\"googleScholar-container\">,\u00a0<a class=\"google-scholar\" href=\"http://scholar."
        f"google.com/scholar_lookup?hl=en&amp;volume={vol}&amp;publication_year={year}&amp;pages={fpage}-"
        f"{lpage}&amp;title={q}\" target=\"_blank\">[Google Scholar]</a></span></span></span>"
    )


def paragraph(rng: random.Random, n_refs: int) -> str:
    parts = []
    for _ in range(rng.randint(5, 10)):
        s = sentence(rng)
        if rng.random() < 0.5:
            cit = rng.randint(1, n_refs)
            s = s[:-1] + (f' (<span class="ref-lnk lazy-ref"><a data-rid="cit{cit:04d}" data-reflink="_i9" '
                          f'href="#">{rng.randint(1960, 2024)}</a></span>).')
        parts.append(s)
    return "<p>" + " ".join(parts) + "</p>"


def chrome(rng: random.Random) -> tuple[str, str, str]:
    """(head scripts, page header, page footer): the site furniture of a T&F page (~45 KB)."""
    subjects = ("Area Studies Arts Behavioral Sciences Bioscience Built Environment Communication Studies "
                "Computer Science Development Studies Earth Sciences Economics Education Engineering "
                "Environment Food Geography Health History Humanities Information Science Language "
                "Law Mathematics Museum Studies Physical Sciences Politics Psychology Social Sciences "
                "Sports Tourism").split()
    menu = "".join(
        f'<li class="menu-item"><a href="/topic/{i:04d}?target=topic" title="{s}">{s} &amp; Related Fields'
        f'</a><ul class="sub-menu">' + "".join(
            f'<li><a href="/topic/{i:04d}{j:02d}?target=topic">{s} topic {j}: {sentence(rng, 2, 4)[:-1]}</a></li>'
            for j in range(4)) + "</ul></li>"
        for i, s in enumerate(subjects)
    )
    script = "window.PB = " + json.dumps({
        "context": {"site": "tandf", "features": [sentence(rng, 3, 6) for _ in range(40)]},
        "ads": [{"slot": f"ad-{i}", "sizes": [[300, 250], [728, 90]], "targeting": WORDS[i % len(WORDS)]}
                for i in range(30)],
    }) + ";"
    head = (f"<script type=\"text/javascript\">{script}</script>"
            "<script async src=\"/wro/product.js\"></script><link rel=\"stylesheet\" href=\"/wro/product.css\"/>")
    header = (
        '<div class="widget pageHeader none widget-none widget-compact-all" id="pw-page-header"><div class="wrapped">'
        '<div class="widget-body body body-none body-compact-all"><header class="page-header">'
        '<div class="header-top"><a href="/" class="logo"><img src="/pb-assets/Global/tfo_logo.png" alt="Taylor and '
        'Francis Online"/></a><form class="quickSearchForm" action="/action/doSearch" method="get"><input type="search" '
        'name="AllField" placeholder="Enter keywords, authors, DOI, ORCID etc"/><button type="submit">Search</button>'
        '</form><ul class="loginBar"><li><a href="/action/showLogin">Log in</a></li><li><a href="/action/registration">'
        'Register</a></li><li><a href="/action/showCart">Cart</a></li></ul></div>'
        f'<nav class="mega-menu"><ul class="menu">{menu}</ul></nav></header></div></div></div>'
    )
    links = "".join(f'<li><a href="/page/{w}-{i}">{sentence(rng, 2, 5)[:-1]}</a></li>'
                    for i, w in enumerate(rng.choices(WORDS, k=220)))
    footer = (
        '<div class="widget pageFooter none widget-none widget-compact-all" id="pw-page-footer"><div class="wrapped">'
        '<div class="widget-body body body-none body-compact-all"><footer class="page-footer">'
        f'<div class="footer-links"><ul>{links}</ul></div>'
        '<div class="copyright"><p>Copyright © 2024 Informa UK Limited. Registered in England &amp; Wales No. '
        '3099067. 5 Howick Place | London | SW1P 1WG</p></div>'
        f"<script>{script.replace('window.PB', 'window.PB_FOOTER')}</script></footer></div></div></div>"
    )
    return head, header, footer


def article_data(i: int, rng: random.Random, n: int) -> dict[str, Any]:
    """A fictional article in the demo's articles.json shape."""
    published = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3650))
    is_open = rng.random() < 0.2
    currency = rng.choices([c for c, _ in CURRENCIES], [w for _, w in CURRENCIES])[0]
    authors = [
        {"given": rng.choice(GIVEN), "family": rng.choice(FAMILY),
         "affiliation": f"{rng.choice(DEPTS)}, {rng.choice(PLACES)}",
         **({"orcid": f"0000-000{rng.randint(1, 3)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"}
            if rng.random() < 0.3 else {})}
        for _ in range(rng.randint(1, 6))
    ]
    abstract = " ".join(sentence(rng) for _ in range(rng.randint(5, 9)))
    art: dict[str, Any] = {
        "doi": f"{PREFIX}{i:07d}",
        # Distinct titles: each carries its number.
        "title": f"{sentence(rng, 5, 10)[:-1]}, part {i + 1}",
        "article_type": rng.choice(["Research Article", "Original Articles", "Review", "Letter"]),
        "authors": authors,
        "volume": str(published.year - 1950), "issue": str(rng.randint(1, 24)),
        "issue_date": f"{MONTHS[published.month - 1]} {published.year}",
        "received": tf_date(published - timedelta(days=rng.randint(90, 300))),
        "accepted": tf_date(published - timedelta(days=rng.randint(10, 80))),
        "published": tf_date(published),
        "keywords": sorted(set(rng.sample(WORDS, rng.randint(3, 6)))),
        "access": "open" if is_open else "paywalled",
        "metrics": {"views": f"{rng.randint(10, 60000):,}", "citations": str(rng.randint(0, 400)),
                    "altmetric": str(rng.randint(0, 250))},
    }
    first = rng.randint(1, 3000)
    art.update(first_page=str(first), last_page=str(first + rng.randint(4, 40)))
    if rng.random() < 0.3:
        art["abstract_sections"] = [[h, " ".join(sentence(rng) for _ in range(2))]
                                    for h in ("Background", "Methods", "Results", "Conclusion")]
    else:
        art["abstract"] = abstract
    if is_open:
        art["rights"] = "© The Author(s). Published with license by Taylor & Francis Group, LLC."
    else:
        price = rng.randint(25, 65)
        art["offers"] = [
            {"label": "PDF download + Online access",
             "details": ["48 hours access to article PDF & online version", "Article PDF can be downloaded",
                         "Article PDF can be printed"],
             "price": f"{currency} {price}.00"},
            {"label": "Issue Purchase",
             "details": ["30 days online access to complete issue", "Article PDFs can be downloaded",
                         "Article PDFs can be printed"],
             "price": f"{currency} {rng.randint(400, 1500):,}.00"},
        ]
        if rng.random() < 0.5:
            art["tokens"] = f"{currency} {rng.choice([450, 495, 520])}.00"
    if rng.random() < 0.3:
        others = [f"{PREFIX}{j:07d}" for j in rng.sample(range(n), min(n, 6)) if j != i]
        art["related"] = {"people_also_read": others[:3], "recommended": others[3:5], "cited_by": others[5:]}
    else:
        art["related"] = "pending"
    return art


def generate(n: int, size_kb: int, seed: int = 2024) -> dict[str, bytes]:
    """{path: page} for n articles, each padded to about size_kb."""
    from paperwall.demo import render

    rng = random.Random(seed)
    arts = [article_data(i, rng, n) for i in range(n)]
    by_doi = {a["doi"].lower(): a for a in arts}
    data = {**render.site_data(), "articles": arts, "journal": "Molecular Physics", "journal_code": "tmph20",
            "publisher": "Taylor & Francis"}
    ref_pool = [reference(rng) for _ in range(3000)]
    par_pool = [paragraph(rng, 150) for _ in range(1500)]
    head, header, footer = chrome(rng)
    saved = render.site_data, render.article
    render.site_data = lambda: data  # the demo renderer, fed with the generated journal
    render.article = lambda doi: by_doi.get(doi.lower())
    pages: dict[str, bytes] = {}
    try:
        for art in arts:
            page = render.render_article(art["doi"]).decode("utf-8")
            page = page.replace("</head>", head + "</head>", 1)
            page = page.replace('<div data-pb-dropzone="main" data-pb-dropzone-name="Main">',
                                '<div data-pb-dropzone="main" data-pb-dropzone-name="Main">' + header, 1)
            page = page.replace('<footer class="page-footer">', footer + '<footer class="page-footer">', 1)
            budget = size_kb * 1024 * rng.uniform(0.9, 1.1) - len(page.encode("utf-8"))
            page = page.replace("</article>", padding(rng, art, int(budget), ref_pool, par_pool) + "</article>", 1)
            pages[f"/doi/abs/{art['doi']}"] = page.encode("utf-8")
    finally:
        render.site_data, render.article = saved
    return pages


def padding(rng: random.Random, art: dict[str, Any], budget: int, refs: list[str], pars: list[str]) -> str:
    """Full text (open access only) and a reference list filling about `budget` bytes."""
    doi_q = art["doi"].replace("/", "%2F")
    out: list[str] = []
    size = 0
    if art["access"] == "open":
        out.append('<div class="hlFld-Fulltext">')
        sec = 0
        while size < budget * 0.45:
            sec += 1
            body = "".join(rng.sample(pars, rng.randint(3, 6)))
            block = (f'<div id="S{sec:03d}" class="NLM_sec NLM_sec_level_1"><h2 class="section-heading-2">'
                     f'{sec}. {SECTION_HEADS[(sec - 1) % len(SECTION_HEADS)]}</h2>{body}</div>')
            out.append(block)
            size += len(block.encode("utf-8"))
        out.append("</div>")
    out.append('<div id="references-Section"><div class="author-infos-ref"><h2>References</h2>'
               '<ul class="references numeric-ordered-list">')
    k = 0
    while size < budget:
        k += 1
        item = (f'<li id="cit{k:04d}">' + rng.choice(refs).replace("CIT", f"cit{k:04d}").replace("DOIQ", doi_q)
                + "</li>")
        out.append(item)
        size += len(item.encode("utf-8"))
    out.append("</ul></div></div>")
    return "".join(out)


# =========================================================================================
# Loopback server
# =========================================================================================

ROBOTS = b"User-agent: *\nDisallow: /action\nDisallow: /doi/mlt/\n"


class PageServer:
    """Pages from memory over HTTP/1.1 keep-alive, one thread per connection."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.served: Counter[str] = Counter()  # "page", "robots", "404"
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/robots.txt":
                    status, body, ctype, what = 200, ROBOTS, "text/plain", "robots"
                else:
                    body = server.pages.get(path)
                    status, ctype, what = (200, "text/html; charset=UTF-8", "page") if body else (
                        404, "text/html", "404")
                    body = body or b"<html><head><title>Page not found</title></head><body>404</body></html>"
                with server._lock:
                    server.served[what] += 1
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def take_counts(self) -> Counter[str]:
        with self._lock:
            counts, self.served = self.served, Counter()
        return counts


# =========================================================================================
# The comparison spiders (run as `python benchmarks/crawl.py --child KIND URLS`)
# =========================================================================================


def run_child(kind: str, urls_file: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = Path(urls_file).read_text(encoding="utf-8").split()
    times: list[float] = []
    fields_seen: Counter[str] = Counter()

    class FetchOnly(scrapy.Spider):
        name = "fetch_only"

        async def start(self):  # type: ignore[no-untyped-def]
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):  # type: ignore[no-untyped-def]
            times.append(time.time())
            yield {"url": response.url, "bytes": len(response.body)}

    class Minimal(FetchOnly):
        """Ten fields with parsel: what a throwaway scraper of these pages would do."""

        name = "minimal"

        def parse(self, response):  # type: ignore[no-untyped-def]
            meta = response.xpath
            item = {
                "doi": meta('//meta[@name="dc.Identifier"][@scheme="doi"]/@content').get(),
                "title": meta('//meta[@name="dc.Title"]/@content').get(),
                "journal": meta('//meta[@name="citation_journal_title"]/@content').get(),
                "publisher": (meta('//meta[@name="dc.Publisher"]/@content').get() or "").strip(),
                "authors": [a.strip() for a in meta('//meta[@name="dc.Creator"]/@content').getall()],
                "published": meta('//meta[@name="dc.Date"]/@content').get(),
                "abstract": " ".join(response.css(".hlFld-Abstract p::text").getall()),
                "keywords": response.css("ul li a.kwd-btn::text").getall(),
                "prices": [p.strip() for p in response.css(".offer-price::text, .research-passport-price strong::text")
                           .getall()],
                "views": (response.css(".articleMetricsContainer .value::text").get() or "").strip() or None,
            }
            times.append(time.time())
            fields_seen.update(k for k, v in item.items() if v)
            yield item

    class ExtractOnly(FetchOnly):
        """paperwall's extractor (spiders.pages.extract) in a bare spider: no storage."""

        name = "extract_only"

        def parse(self, response):  # type: ignore[no-untyped-def]
            from spiders.pages import extract

            record = extract(response.url, response.body, response.headers.to_unicode_dict(), response.status)
            times.append(time.time())
            fields_seen.update(k for k in ("doi", "title", "published") if getattr(record, k))
            yield {"doi": record.doi}

    settings = {
        **{k: (v if not v.isdigit() else int(v)) for k, v in LOOPBACK.items()},
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "LOG_LEVEL": "WARNING",
        "USER_AGENT": "paperwall-benchmark/0.1",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    process = CrawlerProcess(settings)
    process.crawl({"minimal": Minimal, "extract": ExtractOnly}.get(kind, FetchOnly))
    process.start()
    print(json.dumps({"responses": len(times), "first": min(times, default=0), "last": max(times, default=0),
                      "fields": dict(fields_seen)}))


# =========================================================================================
# Measuring
# =========================================================================================


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PAPERWALL_DB", None)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-4000:]}")
    return wall, proc


def paperwall_cmd(urls: Path, db: Path, prefix: list[str] | None = None) -> list[str]:
    cmd = [*(prefix or [sys.executable]), "-m", "paperwall.cli", "crawl", "--file", str(urls), "--db",
           f"sqlite:///{db}"]
    for name, value in LOOPBACK.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


TABLES = ("articles", "authors", "offers", "metric_observations", "related_links", "abstract_sections", "fetches")


def row_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def run_fetch_times(db: Path, run_id: int) -> tuple[float, float]:
    """First and last fetched_at of a run, as epoch seconds."""
    from datetime import UTC, datetime

    with sqlite3.connect(db) as conn:
        lo, hi = conn.execute("SELECT MIN(fetched_at), MAX(fetched_at) FROM fetches WHERE run_id = ?",
                              (run_id,)).fetchone()
    parse = lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC).timestamp()
    return parse(lo), parse(hi)


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000, help="how many article pages (default 2000)")
    parser.add_argument("--size-kb", type=int, default=150, help="approximate page size (default 150)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated pages, urls.txt and databases in DIR")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each crawl this many times and keep the best (the machine may be busy)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile a paperwall crawl with py-spy (pip install py-spy) and summarise it")
    parser.add_argument("--py-spy", metavar="PATH", help="the py-spy executable [default: on PATH]")
    parser.add_argument("--serve", metavar="DIR",
                        help="only generate and serve the pages (DIR/urls.txt lists them) until Ctrl-C: "
                             "for profiling a crawl by hand")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "URLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return 0
    if args.serve:
        return serve(args)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="paperwall-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return measure(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, work: Path) -> int:
    t0 = time.perf_counter()
    pages = generate(args.pages, args.size_kb)
    sizes = [len(b) for b in pages.values()]
    print(f"generated {len(pages)} T&F-style pages in {time.perf_counter() - t0:.1f} s: "
          f"{statistics.mean(sizes) / 1024:.0f} KB on average ({min(sizes) // 1024}-{max(sizes) // 1024} KB), "
          f"{sum(sizes) / 2**20:.0f} MB in all")
    if args.keep:
        for path, body in pages.items():
            out = work / "pages" / (path.strip("/").replace("/", "_") + ".html")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(body)
    n = len(pages)
    runs: dict[str, list[tuple[float, float]]] = {}  # name -> [(end-to-end/s, steady/s)]
    with PageServer(pages) as server:
        urls = work / "urls.txt"
        urls.write_text("".join(f"{server.url}{p}\n" for p in pages), encoding="utf-8")
        print(f"serving on {server.url} (threaded http.server, in this process); {os.cpu_count()} CPUs, "
              f"load average {load()} before; {CONCURRENCY} requests in flight, no delays\n")

        def spider(kind: str) -> None:
            wall, proc = timed([sys.executable, __file__, "--child", kind.split("-")[0], str(urls)], ROOT)
            stats = json.loads(proc.stdout.strip().splitlines()[-1])
            served = server.take_counts()
            assert stats["responses"] == n and served["page"] == n, (stats, served)
            if kind != "fetch-only":
                assert all(stats["fields"].get(f, 0) == n for f in ("doi", "title", "published")), stats
            runs.setdefault(kind, []).append((rate(n, wall), rate(n - 1, stats["last"] - stats["first"])))
            print(f"  {kind:12} {wall:6.1f} s")

        def paperwall(name: str, db: Path) -> None:
            wall, proc = timed(paperwall_cmd(urls, db), ROOT)
            served = server.take_counts()
            assert served["page"] == n, served
            line = proc.stdout.strip().splitlines()[-1]
            run_id = int(re.match(r"run (\d+):", line).group(1))  # type: ignore[union-attr]
            lo, hi = run_fetch_times(db, run_id)
            runs.setdefault(name, []).append((rate(n, wall), rate(n - 1, hi - lo)))
            print(f"  {name:12} {wall:6.1f} s   {line}")

        for r in range(args.repeat):
            spider("fetch-only")
            spider("minimal")
            spider("extract-only")
            db = work / f"bench{r}.db"
            paperwall("paperwall", db)
        before = row_counts(db)
        paperwall("paperwall 2", db)  # the same pages again, into the same database
        after = row_counts(db)
        print(f"\nload average {load()} after")
        profile_summary = profile(urls, work, args.py_spy) if args.profile else None
    alone = isolated(pages, work)

    best = {name: (max(r[0] for r in rs), max(r[1] for r in rs)) for name, rs in runs.items()}
    print()
    print(f"{'crawl':14} {'pages':>6} {'end-to-end pages/s':>19} {'steady pages/s':>15}"
          + (f"   (best of {args.repeat})" if args.repeat > 1 else ""))
    for name, (e2e, steady) in best.items():
        print(f"{name:14} {n:6} {e2e:19.1f} {steady:15.1f}")
    e2e_ratio = best["paperwall"][0] / best["minimal"][0]
    steady_ratio = best["paperwall"][1] / best["minimal"][1]
    print(f"\npaperwall / minimal: {e2e_ratio:.2f} end to end, {steady_ratio:.2f} steady "
          f"(goal >= 0.8: {'met' if e2e_ratio >= 0.8 else 'NOT met'})")
    print(f"paperwall / fetch-only: {best['paperwall'][0] / best['fetch-only'][0]:.2f} end to end, "
          f"{best['paperwall'][1] / best['fetch-only'][1]:.2f} steady")

    # Each crawl is CPU-bound on one core (the GIL): its extra seconds over the
    # crawl below it are the extra work per page.
    secs = {name: n / e2e for name, (e2e, _) in best.items()}
    ms = lambda a, b: (secs[a] - secs[b]) / n * 1000
    print("\nwhere a paperwall page's time goes (ms per page, from the end-to-end times above):")
    print(f"  Scrapy: download, engine, process start     {secs['fetch-only'] / n * 1000:5.1f}   (fetch-only)")
    print(f"  extraction (spiders.pages.extract)          {ms('extract-only', 'fetch-only'):5.1f}   "
          f"(extract-only - fetch-only; minimal's ten parsel fields: {ms('minimal', 'fetch-only'):.1f})")
    print(f"  storage, pipeline and paperwall's startup   {ms('paperwall', 'extract-only'):5.1f}   "
          f"(paperwall - extract-only; {ms('paperwall 2', 'extract-only'):.1f} when nothing changed)")
    print(f"  alone in one process: extract {alone['extract']:.1f} ms/page; write_batch "
          f"{alone['new']:.1f} ms/page new, {alone['unchanged']:.1f} ms/page unchanged "
          f"(batches of 200, SQLite)")

    print("\nrows after the first crawl -> after the second (same pages):")
    for table in TABLES:
        print(f"  {table:20} {before[table]:7} -> {after[table]:7}  ({after[table] - before[table]:+d})")
    unchanged = all(after[t] == before[t] for t in TABLES if t != "fetches")
    fetches_ok = after["fetches"] - before["fetches"] == n
    print("second crawl: " + ("no new article, author, offer, metric, section or related rows; "
                              "one fetch row per page" if unchanged and fetches_ok else "UNEXPECTED ROWS"))
    if profile_summary:
        print("\n" + profile_summary)
    return 0 if unchanged and fetches_ok else 1


def isolated(pages: dict[str, bytes], work: Path) -> dict[str, float]:
    """Extraction and storage alone, in this process: ms per page.

    write_batch runs on the extracted records twice (all new, then all
    unchanged) into a fresh SQLite file, in batches of 200 like the crawl.
    """
    from datetime import UTC, datetime, timedelta

    from spiders.items import FetchResult
    from spiders.pages import extract
    from storage.db import make_engine, upgrade
    from storage.writer import start_run, write_batch

    base = "http://127.0.0.1:8000"
    headers = {"Content-Type": "text/html; charset=UTF-8"}
    start = time.perf_counter()
    records = [(path, extract(base + path, body, headers, 200), len(body)) for path, body in pages.items()]
    out = {"extract": (time.perf_counter() - start) / len(pages) * 1000}
    engine = make_engine(f"sqlite:///{work / 'alone.db'}")
    upgrade(engine)
    run_id = start_run(engine, "benchmark", "write_batch alone")
    for day, label in ((0, "new"), (1, "unchanged")):
        when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)
        results = [
            FetchResult(url=base + path, final_url=base + path, http_status=200, bytes=size,
                        fetched_at=(when + timedelta(milliseconds=i)).isoformat(), content_hash="0" * 64,
                        record=record, target=base + path)
            for i, (path, record, size) in enumerate(records)
        ]
        start = time.perf_counter()
        for i in range(0, len(results), 200):
            write_batch(engine, results[i : i + 200], run_id)
        out[label] = (time.perf_counter() - start) / len(results) * 1000
    engine.dispose()
    return out


def serve(args: argparse.Namespace) -> int:
    pages = generate(args.pages, args.size_kb)
    out = Path(args.serve)
    out.mkdir(parents=True, exist_ok=True)
    with PageServer(pages) as server:
        (out / "urls.txt").write_text("".join(f"{server.url}{p}\n" for p in pages), encoding="utf-8")
        print(f"{len(pages)} pages at {server.url}/ listed in {out / 'urls.txt'}; Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# =========================================================================================
# Profiling (--profile)
# =========================================================================================

# Where a sampled stack spends its time, first match from the innermost frame.
BUCKETS = (
    ("storage (SQLAlchemy + sqlite3, writer thread)", ("storage/", "sqlalchemy/", "sqlite3", "alembic/")),
    ("extraction (spiders.pages, lxml, extruct, ...)", ("spiders/pages/", "extruct/", "lxml/", "dateutil/",
                                                        "price_parser/", "bs4/", "w3lib/", "web_poet/")),
    ("hashing and FetchResult (spider)", ("spiders/spiders/landing.py", "spiders/items.py", "hashlib")),
    ("Scrapy + Twisted + asyncio (download, scheduling)", ("scrapy/", "twisted/", "asyncio/", "selectors.py",
                                                            "ssl.py", "socket.py")),
)


def profile(urls: Path, work: Path, spy: str | None) -> str:
    spy = spy or shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return "profile skipped: py-spy is not installed (pip install py-spy)"
    db = work / "profile.db"
    raw = work / "profile.txt"
    cmd = [spy, "record", "--format", "raw", "--rate", "250", "--threads", "--nonblocking", "-o", str(raw), "--",
           *paperwall_cmd(urls, db)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not raw.exists():
        return f"profile failed: {proc.stderr[-1500:]}"
    return summarise_profile(raw)


def summarise_profile(raw: Path) -> str:
    """Samples per bucket and thread, and the heaviest functions (self time)."""
    buckets: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, tail = line.rpartition(" ")
        if not tail.isdigit():
            continue
        samples = int(tail)
        frames = stack.split(";")
        total += samples
        # First frame: "thread (PID): NAME"; the writer runs in Twisted's PoolThread-*.
        first = frames[0] if frames else "?"
        name = first.split(": ", 1)[1] if ": " in first else "(unnamed)"
        threads["writer pool" if name.startswith("PoolThread") else name] += samples
        leaf = frames[-1]
        idle = any(k in leaf for k in ("select (selectors", "epoll", "wait (threading", "_wait_for_tstate_lock",
                                       "poll (", "sleep"))
        if idle:
            buckets["idle (waiting on sockets, locks)"] += samples
        else:
            for name, marks in BUCKETS:
                if any(any(m in f for m in marks) for f in reversed(frames)):
                    # innermost match wins: walk frames from the leaf
                    buckets[_innermost(frames)] += samples
                    break
            else:
                buckets["other Python (startup, imports, ...)"] += samples
        own[re.sub(r"\s+\(.*?/site-packages/", " (", leaf)] += samples
    lines = [f"py-spy profile of `paperwall crawl` ({total} samples, all threads):"]
    for name, count in buckets.most_common():
        lines.append(f"  {count / total:6.1%}  {name}")
    lines.append("  threads: " + ", ".join(f"{t} {c / total:.0%}" for t, c in threads.most_common(4)))
    lines.append("  heaviest functions (self):")
    for name, count in own.most_common(15):
        lines.append(f"    {count / total:6.1%}  {name[:110]}")
    return "\n".join(lines)


def _innermost(frames: list[str]) -> str:
    for f in reversed(frames):
        for name, marks in BUCKETS:
            if any(m in f for m in marks):
                return name
    return "other Python (startup, imports, ...)"


if __name__ == "__main__":
    sys.exit(main())
