"""The scheduler: keeps the database fresh by itself (docs/scheduler.md).

* `scheduler.schedules`: named schedules, stored as APScheduler jobs in the database.
* `scheduler.runner`: one run: pick the targets, crawl them in a `scrapy crawl` process, record it.
* `scheduler.service`: `paperwall scheduler`, the APScheduler service (one per database: `scheduler.lock`).
* `scheduler.report`: what `paperwall runs` and `paperwall status` show.
"""
