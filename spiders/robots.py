"""robots.txt rules beyond Allow/Disallow, shared by the crawl and the
revalidation step (which must not import Scrapy)."""

from __future__ import annotations

import re

_FIELD = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.*?)\s*(?:#.*)?$")


def site_crawl_delay(robots_txt: str) -> float | None:
    """The Crawl-delay a robots.txt states outside any User-agent record.

    T&F, SAGE, Wiley and ACM end their robots.txt with a blank line and a
    lone ``Crawl-delay: 1``.  Parsers (Protego, Google) attach it to the
    preceding group (GPTBot, Google-Extended) or drop it, but the site
    plainly means it for everyone; a polite crawler honours it.  Records are
    separated by blank lines (the original robots.txt format); a Crawl-delay
    in a record without a User-agent line is such a site-wide delay.  The
    largest one wins.
    """
    delays: list[float] = []
    record_has_agent = False
    for line in robots_txt.splitlines():
        match = _FIELD.match(line)
        if not match:
            if not line.strip():
                record_has_agent = False  # blank line: a new record starts
            continue
        name, value = match.group(1).lower(), match.group(2)
        if name == "user-agent":
            record_has_agent = True
        elif name == "crawl-delay" and not record_has_agent:
            try:
                delays.append(float(value))
            except ValueError:
                continue
    return max(delays) if delays else None
