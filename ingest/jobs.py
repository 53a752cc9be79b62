"""Scheduled jobs. One scheduler per process; each job is idempotent (APScheduler 3 FAQ)."""

from __future__ import annotations

import logging
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from ingest.inbox import poll_inbox
from ingest.service import Ingestor

log = logging.getLogger("remit.jobs")


def inbox_job(ingestor: Ingestor, inbox: Path) -> None:
    for result in poll_inbox(ingestor, inbox):
        log.info("inbox %s: %s %s", result.file, result.status, result.error or "")


def build_scheduler(ingestor: Ingestor, *, inbox: Path | None, poll_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    if inbox is not None:
        scheduler.add_job(
            inbox_job,
            "interval",
            seconds=poll_seconds,
            args=[ingestor, inbox],
            id="inbox",
            max_instances=1,  # never two polls of one inbox at once
            coalesce=True,
            next_run_time=None,
        )
    return scheduler
