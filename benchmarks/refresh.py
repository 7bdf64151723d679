"""What an incremental refresh costs: 2,000 unchanged pages answering 304 vs their first crawl.

    python benchmarks/refresh.py [--pages 2000] [--page-kb 68] [--keep DIR]

1. Renders PAGES article landing pages with the demo site's T&F (Literatum)
   templates: every article different (DOI, title, authors, abstract,
   keywords, offers and prices in USD/EUR/GBP, metrics, related lists).  The
   demo templates are a trimmed T&F page (~16 KB); real raw T&F responses
   carry navigation, footer and inline scripts and weigh 68-460 KB
   (../shared/pages/tandf).  Each page gets such chrome up to PAGE_KB, by
   default the smallest real raw T&F page (68 KB: the conservative choice,
   a bigger page makes the first crawl dearer and the ratio better).  The
   chrome holds nothing the extractor reads: the benchmark checks that the
   records are the same with and without it.
2. Serves them on loopback with ETag / Last-Modified and 304 answers (the
   demo server, in this process).
3. Runs the schedule into a fresh SQLite database, exactly as the scheduler
   does (`scheduler.runner.run_schedule`): the first run reads and stores
   every page (one `scrapy crawl` process: no page has validators yet); the
   second is answered 304 throughout, settled by the revalidation step
   (`spiders.revalidate`, one small aiohttp process; Scrapy never starts);
   a third run does the same refresh with the step off
   (PAPERWALL_REVALIDATE=False: the `scrapy crawl` process asks conditionally
   itself), for comparison.
4. Prints the CPU time of each run's processes (getrusage of the children:
   user + system, start-up included), the ratio refresh / first crawl (the
   goal: <= 0.10), and what starting costs: wall time from spawning a
   scheduled crawl / the revalidation step to its first request, and the CPU
   of a one-page crawl.
5. Prints the floor of the Scrapy path: the CPU of a bare Scrapy spider (no
   paperwall code, no database, no robots.txt) asking the same URLs with
   their ETags, i.e. what Scrapy alone costs per 304.

Loopback has no network latency and no politeness delay here (the site is
ours): the figures are CPU, not wall-clock crawl speed.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from paperwall.demo import render  # noqa: E402
from paperwall.demo.server import DemoServer  # noqa: E402
from scheduler.runner import crawl_command, crawl_env, run_schedule  # noqa: E402
from scheduler.schedules import ScheduleSpec  # noqa: E402

LOOPBACK = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "16",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}

WORDS = ("lattice thermal paper folding memory ink archive porcelaine cobweb tensile strength spring model "
         "entropy diffusion interface polymer crystal fracture fatigue ductile brittle elastic plastic "
         "granular colloid membrane viscosity rheology shear anisotropy texture grain boundary phase").split()
GIVEN = "Ada Bruno Clara Dmitri Esme Farid Greta Hugo Ines Jonas Kaori Luis Mira Nils Olga Pavel".split()
FAMILY = "Quillfeather Tessellate Inkwell Palimpsest Vellum Loom Spindle Weft Warp Bobbin Shuttle Heddle".split()
CITIES = "Nowhere Atlantis Erewhon Lilliput Narnia Utopia Avalon Oz".split()
CURRENCIES = ("USD", "EUR", "GBP")


def synthetic_articles(n: int, seed: int = 7) -> dict[str, dict[str, Any]]:
    """N different demo-style articles, deterministic."""
    rng = random.Random(seed)
    dois = [f"10.5555/pwbench.{2020 + i % 5}.{2000000 + i}" for i in range(n)]
    out = {}
    for i, doi in enumerate(dois):
        words = rng.sample(WORDS, 6)
        authors = [
            {"given": rng.choice(GIVEN), "family": rng.choice(FAMILY),
             "affiliation": f"Department of {rng.choice(WORDS).title()} Studies, University of "
                            f"{rng.choice(CITIES)}, {rng.choice(CITIES)}",
             **({"orcid": f"0000-000{rng.randint(1, 3)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"}
                if rng.random() < 0.4 else {})}
            for _ in range(rng.randint(1, 6))
        ]
        year = 2020 + i % 5
        sentences = [f"We study {' '.join(rng.sample(WORDS, 5))} in {rng.choice(WORDS)} systems." for _ in range(4)]
        art: dict[str, Any] = {
            "doi": doi,
            "title": f"{' '.join(words).capitalize()} ({i})",
            "article_type": rng.choice(["Research Article", "Review", "Original Articles"]),
            "authors": authors,
            "volume": str(10 + i % 5), "issue": str(1 + i % 6), "issue_date": f"March {year}",
            "first_page": str(100 + i % 400), "last_page": str(120 + i % 400),
            "received": f"2 Nov {year - 1}", "accepted": f"17 Jan {year}", "published": f"{1 + i % 27} Feb {year}",
            "keywords": rng.sample(WORDS, 4),
            "metrics": {"views": f"{rng.randint(10, 90000):,}", "citations": str(rng.randint(0, 300)),
                        "altmetric": str(rng.randint(0, 50))},
            "related": "pending" if rng.random() < 0.5 else {
                "people_also_read": rng.sample(dois, 3), "recommended": rng.sample(dois, 2)},
        }
        if rng.random() < 0.5:
            art["abstract"] = " ".join(sentences)
        else:
            art["abstract_sections"] = [[h, s] for h, s in zip(("Background", "Methods", "Results", "Conclusion"),
                                                                sentences, strict=True)]
        if rng.random() < 0.15:
            art["access"] = "open"
        else:
            cur = rng.choice(CURRENCIES)
            art["access"] = "paywalled"
            art["offers"] = [
                {"label": "PDF download + Online access", "price": f"{cur} {rng.randint(25, 60)}.00",
                 "details": ["48 hours access to article PDF & online version", "Article PDF can be downloaded"]},
                {"label": "Issue Purchase", "price": f"{cur} {rng.randint(400, 1300):,}.00",
                 "details": ["30 days online access to complete issue", "Article PDFs can be downloaded"]},
            ]
            if rng.random() < 0.3:
                art["tokens"] = f"{cur} 450.00"
        out[doi] = art
    return out


def chrome(target_bytes: int, seed: int) -> tuple[str, str, str]:
    """T&F-like page chrome (head scripts, header navigation, footer + scripts) of about `target_bytes`."""
    rng = random.Random(seed)
    subjects = [f"{a.title()} &amp; {b.title()}" for a in WORDS for b in WORDS[:8]]
    nav = "".join(
        f'<li class="menu-item"><a href="/topic/{i}/{rng.choice(WORDS)}" class="menu-link">'
        f"{subjects[i % len(subjects)]}</a></li>" for i in range(200)
    )
    head = (
        '<link rel="stylesheet" type="text/css" href="/wro/product.css" />\n'
        '<script type="text/javascript">window.dataLayer = window.dataLayer || []; '
        'dataLayer.push({"page": {"pageInfo": {"pageType": "Article"}}, "content": {"type": "article"}});</script>\n'
    )
    header = (
        '<div class="top-bar"><ul class="utility-links"><li><a href="/action/showLogin">Log in</a></li>'
        '<li><a href="/action/registration">Register</a></li><li><a href="/action/showCart">Cart</a></li></ul></div>'
        f'<nav class="main-nav" aria-label="Browse"><ul class="mega-menu">{nav}</ul></nav>\n'
    )
    parts: list[str] = []
    size = len(head) + len(header)
    i = 0
    while size < target_bytes:
        if i % 3 == 0:
            block = (f'<script type="text/javascript">var pbConfig{i} = {{"widgets": ['
                     + ",".join(f'{{"id": "w{i}-{j}", "lazy": true, "endpoint": "/pb/widgets/{rng.choice(WORDS)}"}}'
                                for j in range(30)) + "]};</script>\n")
        else:
            block = ('<div class="footer-links"><h3>' + rng.choice(WORDS).title() + "</h3><ul>"
                     + "".join(f'<li><a href="/page/{rng.choice(WORDS)}/{j}">{rng.choice(WORDS).title()} '
                               f"{rng.choice(WORDS)}</a></li>" for j in range(25)) + "</ul></div>\n")
        parts.append(block)
        size += len(block)
        i += 1
    return head, header, "<footer class=\"page-footer\">" + "".join(parts) + "</footer>"


class Site:
    """The synthetic articles, rendered once (with chrome), served by the demo server."""

    def __init__(self, n: int, page_kb: int) -> None:
        self.articles = synthetic_articles(n)
        self._original_article = render.article
        render.article = lambda doi: self.articles.get(doi.lower()) or self._original_article(doi)  # type: ignore[assignment]
        self.bare: dict[str, bytes] = {}
        self.pages: dict[str, bytes] = {}
        for k, doi in enumerate(self.articles):
            body = render.render_article(doi) or b""
            self.bare[doi] = body
            head, header, footer = chrome(max(0, page_kb * 1024 - len(body)), k)
            html = body.decode("utf-8")
            html = html.replace("</head>", head + "</head>", 1)
            html = html.replace('<body class="pb-ui">', '<body class="pb-ui">' + header, 1)
            html = html.replace("</body>", footer + "</body>", 1)
            self.pages[doi] = html.encode("utf-8")
        self._original_render = render.render_article
        render.render_article = (  # type: ignore[assignment]
            lambda doi, changed=False: self.pages.get(doi.lower()) or self._original_render(doi, changed)
        )

    def check_chrome_is_inert(self, sample: int = 20) -> None:
        from spiders.pages import extract

        for doi in list(self.pages)[:sample]:
            url = f"https://www.imaginary-journals.example/doi/abs/{doi}"
            with_chrome, without = extract(url, self.pages[doi]), extract(url, self.bare[doi])
            assert with_chrome.to_dict() == without.to_dict(), f"the chrome changed the record of {doi}"
            assert with_chrome.status == "article" and not with_chrome.warnings, with_chrome.warnings

    def restore(self) -> None:
        render.article = self._original_article  # type: ignore[assignment]
        render.render_article = self._original_render  # type: ignore[assignment]


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measured_run(db: str, spec: ScheduleSpec) -> tuple[Any, float, float, float]:
    """(result, crawl-process CPU s, wall s, scheduler-side CPU s)."""
    cpu0, wall0, own0 = child_cpu(), time.perf_counter(), time.thread_time()
    result = run_schedule(db, spec, migrate=False)
    return result, child_cpu() - cpu0, time.perf_counter() - wall0, time.thread_time() - own0


def first_request_wall(server: DemoServer, cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall s from spawning `cmd` to the server's first request from it, CPU s of the whole process)."""
    import subprocess

    seen = len(server.requests)
    cpu0 = child_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while len(server.requests) == seen and proc.poll() is None:
        time.sleep(0.001)
    first = server.requests[seen].at if len(server.requests) > seen else float("nan")
    proc.wait()
    return first - started, child_cpu() - cpu0


def startup_cost(server: DemoServer, db: str, tmp: Path, repeat: int = 3) -> dict[str, tuple[float, float]]:
    """Median (wall s from spawn to first request, CPU s) of a one-page scheduled crawl and of a
    one-page revalidation step (a page the database has validators for)."""
    from scheduler.runner import revalidate_command

    url = server.target_urls()[0]
    listing = tmp / "one.txt"
    listing.write_text(url + "\n", encoding="utf-8")
    spec = ScheduleSpec(name="startup", every=60, files=[str(listing)], settings=LOOPBACK)
    commands = {
        "crawl": crawl_command(listing, 0, spec, False, False),
        "revalidate": revalidate_command(listing, tmp / "one-out", 0, spec, False, False),
    }
    out = {}
    for name, cmd in commands.items():
        runs = [first_request_wall(server, cmd, crawl_env(db), tmp) for _ in range(repeat)]
        out[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    return out


BARE_SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

etags = json.load(open(sys.argv[1]))


class Bare(scrapy.Spider):
    name = "bare"
    custom_settings = {
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor", "LOG_LEVEL": "WARNING",
        "HTTPERROR_ALLOW_ALL": True, "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_ITEMS": 4, "WARN_ON_GENERATOR_RETURN_VALUE": False, **json.loads(sys.argv[2]),
    }

    async def start(self):
        for url, etag in etags.items():
            yield scrapy.Request(url, headers={"If-None-Match": etag}, dont_filter=True)

    def parse(self, response):
        yield {"status": response.status}


process = CrawlerProcess()
process.crawl(Bare)
process.start()
"""


def bare_scrapy_floor(server: DemoServer, site: Site, tmp: Path) -> tuple[float, float]:
    """CPU of a bare Scrapy spider (no paperwall code, no pipeline) asking the
    same URLs with their ETags (all 304) and of it asking one URL: (all, one)."""
    import json
    import subprocess

    from paperwall.demo.server import MODIFIED, Reply, conditional

    etags = {f"{server.url}/doi/abs/{doi}": conditional(Reply(200, body, {}), {}, MODIFIED[False]).headers["ETag"]
             for doi, body in site.pages.items()}
    script, all_file, one_file = tmp / "bare.py", tmp / "etags.json", tmp / "etag.json"
    script.write_text(BARE_SPIDER, encoding="utf-8")
    all_file.write_text(json.dumps(etags), encoding="utf-8")
    one_file.write_text(json.dumps(dict(list(etags.items())[:1])), encoding="utf-8")
    settings = json.dumps({k: int(v) if v.isdigit() else v for k, v in LOOPBACK.items()})

    def cpu(listing: Path) -> float:
        cpu0 = child_cpu()
        subprocess.run([sys.executable, str(script), str(listing), settings], check=True, cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return child_cpu() - cpu0

    return min(cpu(all_file) for _ in range(2)), statistics.median(cpu(one_file) for _ in range(3))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--page-kb", type=int, default=68, help="page size with chrome (default: 68, the "
                        "smallest real raw T&F page in ../shared/pages)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the database in this directory")
    args = parser.parse_args()

    from storage.db import make_engine, upgrade

    t0 = time.perf_counter()
    site = Site(args.pages, args.page_kb)
    site.check_chrome_is_inert()
    sizes = sorted(len(p) for p in site.pages.values())
    bare = sorted(len(b) for b in site.bare.values())
    took = time.perf_counter() - t0
    print(f"{args.pages} pages rendered in {took:.1f} s: median {sizes[len(sizes) // 2] / 1024:.0f} KB"
          f" (demo template alone: median {bare[len(bare) // 2] / 1024:.0f} KB);"
          f" chrome checked inert")
    tmp_dir = tempfile.TemporaryDirectory(prefix="paperwall-bench-")
    tmp = Path(args.keep or tmp_dir.name)
    tmp.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{tmp / 'refresh.db'}"
    engine = make_engine(db)
    upgrade(engine)
    engine.dispose()
    try:
        with DemoServer() as server:
            listing = tmp / "urls.txt"
            listing.write_text("".join(f"{server.url}/doi/abs/{doi}\n" for doi in site.articles), encoding="utf-8")
            spec = ScheduleSpec(name="bench", every=3600, files=[str(listing)], settings=LOOPBACK, time_limit=3600)

            first, cpu1, wall1, own1 = measured_run(db, spec)
            assert first.outcome == "ok" and first.counts["articles_new"] == args.pages, first.line()
            runs = {"first crawl (200, parse)": (first, cpu1, wall1, own1)}
            for label, settings in (("refresh (304, revalidation)", {}),
                                    ("refresh (304, Scrapy)", {"PAPERWALL_REVALIDATE": "False"})):
                asked = len(server.requests)
                again = ScheduleSpec(name="bench", every=3600, files=[str(listing)], time_limit=3600,
                                     settings={**LOOPBACK, **settings})
                result, cpu, wall, own = measured_run(db, again)
                c = result.counts
                assert result.outcome == "ok", result.line()
                assert (c["not_modified"], c["articles_new"], c["articles_changed"]) == (args.pages, 0, 0), \
                    result.line()
                statuses = [r.status for r in server.requests[asked:] if r.path.startswith("/doi/")]
                assert statuses.count(304) == args.pages == len(statuses), "every page asked once, answered 304"
                runs[label] = (result, cpu, wall, own)
            starts = startup_cost(server, db, tmp)
            bare_all, bare_one = bare_scrapy_floor(server, site, tmp)
            statuses = [r.status for r in server.requests[-args.pages:]]
            assert statuses.count(304) == args.pages, "the bare spider's requests were not all answered 304"
    finally:
        site.restore()
    n = args.pages
    print()
    print("                              CPU of its processes   per page    wall     pages/s   scheduler-side CPU")
    for label, (_result, cpu, wall, own) in runs.items():
        print(f"{label:<30}{cpu:8.2f} s  {cpu / n * 1000:14.2f} ms  {wall:6.1f} s  {n / wall:7.0f}   {own:.2f} s")
    cpu2 = runs["refresh (304, revalidation)"][1]
    cpu3 = runs["refresh (304, Scrapy)"][1]
    ratio = cpu2 / cpu1
    print()
    print(f"CPU ratio refresh / first crawl: {ratio:.3f}  (goal <= 0.10: {'met' if ratio <= 0.10 else 'NOT met'})")
    print(f"  the same refresh through Scrapy (PAPERWALL_REVALIDATE=False): {cpu3 / cpu1:.3f}")
    for name, (wall_start, cpu_start) in starts.items():
        what = "a scheduled crawl" if name == "crawl" else "the revalidation step"
        print(f"starting {what}: {wall_start:.2f} s wall from spawn to first request; "
              f"{cpu_start:.2f} s CPU for a whole one-page run (median of 3)")
    print()
    print(f"floor of the Scrapy path: a bare Scrapy spider (no paperwall code, no database) asking the same {n} URLs"
          f" with their ETags: {bare_all:.2f} s CPU ({bare_one:.2f} s start-up,"
          f" {(bare_all - bare_one) / n * 1000:.2f} ms per 304): ratio {bare_all / cpu1:.3f}")
    if args.keep:
        print(f"database kept: {db}")
    tmp_dir.cleanup()
    return 0 if ratio <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
