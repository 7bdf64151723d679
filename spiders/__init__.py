"""paperwall's Scrapy project: settings, items, page objects, spiders, pipelines."""

from spiders import _offline  # noqa: F401  (must run before web-poet is used)
