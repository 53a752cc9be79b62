"""Scheduled jobs. One scheduler per process; each job is idempotent (APScheduler 3 FAQ)."""

from __future__ import annotations

import logging
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from ingest.inbox import IngestFn, poll_inbox

log = logging.getLogger("remit.jobs")


def inbox_job(ingest: IngestFn, inbox: Path) -> None:
    for result in poll_inbox(ingest, inbox):
        log.info("inbox %s: %s %s", result.file, result.status, result.error or "")


def build_scheduler(ingest: IngestFn, *, inbox: Path | None, poll_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    if inbox is not None:
        scheduler.add_job(
            inbox_job,
            "interval",
            seconds=poll_seconds,
            args=[ingest, inbox],
            id="inbox",
            max_instances=1,  # never two polls of one inbox at once
            coalesce=True,
            next_run_time=None,
        )
    return scheduler
