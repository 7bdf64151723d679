"""Extraction speed against lxml's parse alone, per platform, in one run.

    python benchmarks/extraction.py [PAGES_DIR] [--rounds R] [--repeat N]

For every page under PAGES_DIR (default ../shared/pages): `lxml.html.fromstring(body)`
and `spiders.pages.extract(url, body)` are timed in alternating blocks of N
runs each, R rounds.  A block's time is its median run; a page's ratio is the
median over the rounds of extract / parse.  Per platform: the median parse
and extract times of its pages, and the median of its pages' ratios.  The
goal is extraction <= 2x the parse-only time.

`spread` is the interquartile range of a page's per-round ratios (per
platform: the median of its pages'): how much the ratio moved while it was
measured.  `best` is the fastest extraction block over the fastest parse
block: what each takes when nothing else runs on the machine, the estimate
least moved by other processes (Python's timeit documentation advises the
minimum for that reason).  A whole run can also sit higher or lower than the last: the same
parse, in two processes run one after the other, has differed by 5-20 %
here, and the ratio by up to 0.1.

Why rounds: this machine's speed drifts by 20-50 % over seconds.  Timing all
parses and then all extractions put the two halves of one ratio in different
moments; a round puts them a few milliseconds apart.

Both timings include freeing what they built: the parsed tree is dropped
inside the parse-only timing, and `extract` releases its page object
(`ArticlePage.release`) before it returns.  The collector is off here, so
anything left to it would not be counted; a page object holds no reference
cycle (tests/test_page_release.py), so nothing is.
"""

from __future__ import annotations

import argparse
import csv
import gc
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spiders.pages import extract  # noqa: E402
from spiders.pages import base  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def paired_ms(parse, extract, rounds: int, repeat: int) -> tuple[float, float, float, float, float]:
    """(parse ms, extract ms, ratio, spread, best): medians over rounds of
    alternating blocks; spread is the interquartile range of the rounds'
    ratios; best is the fastest extract block over the fastest parse block."""
    parse(), extract()  # warm caches (imports, compiled regexes)
    blocks = [(median_ms(parse, repeat), median_ms(extract, repeat)) for _ in range(rounds)]
    ratios = [b[1] / b[0] for b in blocks]
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    return (
        statistics.median(b[0] for b in blocks),
        statistics.median(b[1] for b in blocks),
        statistics.median(ratios),
        quartiles[2] - quartiles[0],
        min(b[1] for b in blocks) / min(b[0] for b in blocks),
    )


def page_urls(pages: Path) -> dict[str, str]:
    manifest = pages / "MANIFEST.tsv"
    if not manifest.exists():
        return {}
    with manifest.open(encoding="utf-8") as fh:
        return {row["file"]: row["original_url"].split(" ")[0] for row in csv.DictReader(fh, delimiter="\t")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="?", default=str(ROOT.parent / "shared" / "pages"))
    parser.add_argument("--rounds", type=int, default=7, help="alternating blocks per page (default 7)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per block (default 7)")
    args = parser.parse_args()
    pages = Path(args.pages)
    files = sorted(pages.rglob("*.html"))
    if not files:
        print(f"no pages under {pages}", file=sys.stderr)
        return 1
    urls = page_urls(pages)
    per_platform: dict[str, list[tuple[float, float, float, float, float]]] = defaultdict(list)
    gc.disable()  # collector pauses would land on random pages
    walk = "compiled (spiders/pages/_walk.pyx)" if base.index_subtrees else "in Python: the package was built without them"
    print(f"walks over every element: {walk}")
    print(f"{'page':58} {'KB':>5} {'parse ms':>9} {'extract ms':>10} {'ratio':>6} {'spread':>6} {'best':>5}")
    for path in files:
        rel = path.relative_to(pages).as_posix()
        body = path.read_bytes()
        url = urls.get(rel, "https://example.org/" + rel)
        record = extract(url, body)
        parse, full, ratio, spread, best = paired_ms(
            lambda: lxml.html.fromstring(body), lambda: extract(url, body), args.rounds, args.repeat
        )
        # Bot checks and other non-articles are 5 kB pages where fixed costs
        # dominate: they get their own row instead of skewing a platform's.
        group = record.platform if record.status == "article" else f"({record.status} pages)"
        per_platform[group].append((parse, full, ratio, spread, best))
        per_platform["(all pages)"].append((parse, full, ratio, spread, best))
        print(f"{rel[:58]:58} {len(body) // 1024:5} {parse:9.2f} {full:10.2f} {ratio:6.2f} {spread:6.2f} {best:5.2f}")
        gc.collect()
    print()
    print(f"{'platform':14} {'pages':>5} {'median parse ms':>16} {'median extract ms':>18} {'ratio':>6} {'spread':>6}"
          f" {'best':>5}  goal: ratio <= 2.0")
    for platform, rows in sorted(per_platform.items()):
        parse = statistics.median(r[0] for r in rows)
        full = statistics.median(r[1] for r in rows)
        ratio = statistics.median(r[2] for r in rows)
        spread = statistics.median(r[3] for r in rows)
        best = statistics.median(r[4] for r in rows)
        print(f"{platform:14} {len(rows):5} {parse:16.2f} {full:18.2f} {ratio:6.2f} {spread:6.2f} {best:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
