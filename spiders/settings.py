"""Scrapy settings for paperwall: polite defaults for real publisher sites.

`scrapy crawl landing` and `paperwall crawl` read this module (scrapy.cfg
names it).  The demo overrides the delays for its loopback host only, see
`paperwall.cli_crawl.demo_settings`.
"""

from __future__ import annotations

BOT_NAME = "paperwall"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Say who we are and where to complain: publishers block anonymous bots first.
USER_AGENT = "paperwall/0.1 (+https://github.com/paperwall/paperwall; scholarly-metadata crawler)"

# --- politeness -------------------------------------------------------------
ROBOTSTXT_OBEY = True
# Protego plus the site-wide "Crawl-delay" that many publishers write after
# their last group (T&F, SAGE, Wiley): see spiders/extensions.py.
ROBOTSTXT_PARSER = "spiders.extensions.SiteDelayRobotParser"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# AutoThrottle never goes below DOWNLOAD_DELAY; a robots.txt Crawl-delay
# raises the floor per site (RobotsCrawlDelay).
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# We never log in or keep a session: a landing page must look the same to anyone.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 opens an HTTP server that runs posted Python code; we need none.
REMOTE_CONTROL_ENABLED = False

# --- per-response cost ------------------------------------------------------
# A callback yields one FetchResult (and rarely a few requests); Scrapy 2.19
# starts CONCURRENT_ITEMS asyncio workers for every callback's output (100 by
# default: 0.5-0.65 ms per page, a third of what a 304 cost).  A few are plenty.
CONCURRENT_ITEMS = 4
# A development lint that re-reads and parses the callback's source on every
# response (its cache is keyed by a short-lived bound method).
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- retries ----------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Longest wait a Retry-After header may impose before one retry (seconds).
RETRY_AFTER_MAX = 300

# Every status reaches the spider: a 404, a 403 bot challenge or a 503 that
# outlived its retries is a fetch outcome worth recording, not an error to drop.
# So does 304 Not Modified, the answer to a conditional request
# (PAPERWALL_CONDITIONAL): the spider records it without parsing anything.
HTTPERROR_ALLOW_ALL = True
# Conditional requests are ours, not Scrapy's HTTP cache (which would store
# every body): keep it off.
HTTPCACHE_ENABLED = False

# --- components -------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # First: a domain that is backing off gets no request at all (not even robots.txt).
    "spiders.middlewares.DomainBackoffMiddleware": 50,
    # Changed pages the revalidation step of a scheduled run already received.
    "spiders.middlewares.PrefetchedResponses": 60,
    # Scrapy's, fixed for concurrent first requests to a site (see the class).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.RobotsTxtMiddleware": 100,
    # Before RetryMiddleware (550) in process_response, which runs high to low.
    "spiders.middlewares.RetryAfterMiddleware": 560,
}
EXTENSIONS = {
    # After AutoThrottle (0): its signal handlers must run after AutoThrottle's.
    "spiders.extensions.RobotsCrawlDelay": 100,
    "spiders.extensions.ProgressExtension": 200,
    # A closing crawl does not wait out the delays of requests it has not sent.
    "spiders.extensions.DropQueuedOnClose": 300,
}
ITEM_PIPELINES = {
    "spiders.pipelines.StoragePipeline": 300,
}

# --- paperwall --------------------------------------------------------------
# Database URL; empty means storage.db.default_url() (./paperwall.db).
PAPERWALL_DB = ""
PAPERWALL_BATCH_SIZE = 200
PAPERWALL_BATCH_SECONDS = 2.0
# tqdm bar on stderr: None = only when stderr is a terminal; True/False forces.
PAPERWALL_PROGRESS = None
# Where DOIs are resolved (the demo points this at its own resolver).
PAPERWALL_DOI_RESOLVER = "https://doi.org/"
# Incremental refresh: ask known pages with If-None-Match / If-Modified-Since
# from their last good fetch; a 304 is recorded as "not_modified", unparsed.
# Off for a plain crawl (it reads every page); scheduled runs turn it on.
PAPERWALL_CONDITIONAL = False
# Scheduled runs: ask known pages first from the light revalidation step
# (spiders/revalidate.py: aiohttp, no Scrapy), crawl only what it does not
# settle.  False: the crawl makes the conditional requests itself.
PAPERWALL_REVALIDATE = True
# Set by the scheduler for its crawl: the changed pages that step received.
PAPERWALL_PREFETCHED = ""
# The step leaves a site to the crawl once it has answered this many times
# with more changed pages (200) than unchanged ones (304), and every site
# once this many MB of changed pages wait for the crawl.
PAPERWALL_REVALIDATE_CHANGED = 20
PAPERWALL_REVALIDATE_SPOOL_MB = 256
# Skip domains backing off (bot challenges, 429s) and stop asking a domain
# that starts answering so during the crawl.
PAPERWALL_DOMAIN_BACKOFF = True
# When a fetched target is due again (storage.runs.RefreshPolicy): published
# in the last 30 days daily, last year weekly, older monthly, no date weekly;
# a failing target after 1h, 2h, 4h, ... Empty: that default.
PAPERWALL_REFRESH_POLICY = ""
# Migrate the database to the latest schema when the crawl opens it (the
# scheduler has done so already and turns this off for its crawls).
PAPERWALL_MIGRATE = True

# --- modern defaults (explicit so a Scrapy upgrade cannot change them) ------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
