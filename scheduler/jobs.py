"""The function every schedule's APScheduler job calls (by the textual
reference ``scheduler.jobs:run_job``, stored in the job: keep it stable).

It runs in the scheduler service's thread pool and needs the service's
database and stop signal, which the service installs with `set_service`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("paperwall.scheduler")


@dataclass
class ServiceContext:
    db_url: str
    stop: threading.Event = field(default_factory=threading.Event)  # finish the crawl in progress, start none
    force: threading.Event = field(default_factory=threading.Event)  # kill the crawl in progress
    grace: float = 30.0
    verbose: bool = False
    running: dict[str, int] = field(default_factory=dict)  # schedule -> runs in progress
    lock: threading.Lock = field(default_factory=threading.Lock)


_SERVICE: ServiceContext | None = None


def set_service(context: ServiceContext | None) -> None:
    global _SERVICE
    _SERVICE = context


def run_job(name: str, spec: dict[str, Any]) -> None:
    """One scheduled run of schedule `name` (see scheduler.runner)."""
    from scheduler.runner import run_schedule
    from scheduler.schedules import ScheduleSpec

    context = _SERVICE
    if context is None:
        raise RuntimeError("scheduler.jobs.run_job runs inside `paperwall scheduler` only")
    if context.stop.is_set():
        log.info("schedule %s: not started, the scheduler is stopping", name)
        return
    with context.lock:
        context.running[name] = context.running.get(name, 0) + 1
    try:
        run_schedule(
            context.db_url, ScheduleSpec.from_dict(spec), stop=context.stop, force=context.force,
            grace=context.grace, verbose=context.verbose, migrate=False,  # the service migrated at start
        )
    finally:
        with context.lock:
            context.running[name] -= 1
            if not context.running[name]:
                del context.running[name]
