"""The service's scheduled jobs, in one place: `remit serve` (in the app's lifespan) and
`remit worker` (no HTTP server) run the same scheduler.

Jobs: the sweep (every REMIT_MATCH_SWEEP_SECONDS: what a crash left unprocessed or
unmatched, workflows.pipeline.sweep), the inbox poll (REMIT_INBOX_DIR), one cron poll per
bank SFTP connection (REMIT_SFTP_CONNECTIONS_FILE), the send of queued outgoing files to
those with an upload_dir every REMIT_SFTP_SEND_SECONDS (workflows/sftp_send.py), webhook delivery of invoice events every
REMIT_WEBHOOK_POLL_SECONDS (REMIT_WEBHOOK_URL, workflows/outbox.py), and the daily
collections runs below: late fees (REMIT_LATE_FEE_MODE, REMIT_LATE_FEE_CRON), payment plans
(REMIT_PLANS_CRON), reminders (REMIT_REMINDERS_CRON). Every job is safe to run in several
processes at once (file registry dedupe, SFTP poll and send locks, webhook claims, unique fee periods
and reminder steps).

In workflows/: each job owns its transaction; the app factory and the CLI only start them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from ingest.jobs import build_scheduler
from ledger.types import utc_now
from workflows import dunning, fees, plans
from workflows.pipeline import ingest_path
from workflows.runtime import Runtime

log = logging.getLogger(__name__)

WEBHOOK_JOB_ID = "webhooks"
SWEEP_JOB_ID = "match-sweep"
FEES_JOB_ID = "late-fees"
PLANS_JOB_ID = "payment-plans"
REMINDERS_JOB_ID = "reminders"
SFTP_SEND_JOB_ID = "sftp-send"


def build_service_scheduler(rt: Runtime) -> BackgroundScheduler:
    """A scheduler (not started) with every job the settings call for."""
    settings = rt.settings
    scheduler = build_scheduler(
        lambda path: ingest_path(rt, path, source="inbox", actor="inbox"),
        inbox=settings.inbox_dir,
        poll_seconds=settings.inbox_poll_seconds,
    )
    if settings.match_sweep_seconds:
        from workflows.pipeline import sweep

        scheduler.add_job(sweep, "interval", seconds=settings.match_sweep_seconds, args=[rt], id=SWEEP_JOB_ID,
                          name="sweep: stranded files and unmatched payments", max_instances=1, coalesce=True,
                          next_run_time=datetime.now(timezone.utc))  # take up a crash's leftovers at start
    if settings.sftp_connections_file is not None:
        from ingest.sftp import load_connections, schedule_polls

        connections = load_connections(settings.sftp_connections_file)
        schedule_polls(
            scheduler,
            connections,
            lambda path: ingest_path(rt, path, source="sftp", actor="sftp"),
            engine=rt.engine,
            workdir=settings.sftp_workdir,
        )
        if settings.sftp_send_seconds and any(c.upload_dir for c in connections):
            from workflows.sftp_send import send_job

            # One interval job for every sending connection (each under its own lock): a file
            # queued by `remit collect --send` leaves within minutes, whatever the poll times.
            scheduler.add_job(send_job, "interval", seconds=settings.sftp_send_seconds, args=[rt],
                              id=SFTP_SEND_JOB_ID, name="SFTP send of outgoing files", max_instances=1,
                              coalesce=True, next_run_time=datetime.now(timezone.utc))
    if settings.webhook_url:
        from workflows.outbox import webhook_job

        scheduler.add_job(
            webhook_job,
            "interval",
            seconds=settings.webhook_poll_seconds,
            args=[rt],
            id=WEBHOOK_JOB_ID,
            name="webhook delivery",
            max_instances=1,  # one pass at a time per process; claims guard across processes
            coalesce=True,
            next_run_time=datetime.now(timezone.utc),  # deliver the backlog at once
        )
    # The daily collections runs (issue 5), each when its settings ask for it, in this order
    # on a typical night: fees, plans (credit, break), reminders (a broken plan is dunned).
    if settings.late_fee_mode != "none":
        _daily(scheduler, fees_job, rt, settings.late_fee_cron, FEES_JOB_ID, "late fees")
    if settings.plans_cron:
        _daily(scheduler, plans_job, rt, settings.plans_cron, PLANS_JOB_ID, "payment plans")
    if settings.reminders_cron:
        _daily(scheduler, reminders_job, rt, settings.reminders_cron, REMINDERS_JOB_ID, "reminders")
    return scheduler


def _daily(
    scheduler: BackgroundScheduler, job: Callable[[Runtime], None], rt: Runtime, cron: str,
    job_id: str, name: str,
) -> None:
    """A job at `cron` (UTC), one run at a time, missed runs coalesced into one."""
    from apscheduler.triggers.cron import CronTrigger

    scheduler.add_job(job, CronTrigger.from_crontab(cron, timezone="UTC"), args=[rt], id=job_id,
                      name=name, max_instances=1, coalesce=True)


def start_service_scheduler(rt: Runtime) -> BackgroundScheduler:
    """Build and start; the inbox is polled at once rather than after the first interval."""
    scheduler = build_service_scheduler(rt)
    scheduler.start()
    if scheduler.get_job("inbox") is not None:
        scheduler.modify_job("inbox", next_run_time=datetime.now(timezone.utc))
    return scheduler


def describe_jobs(scheduler: BackgroundScheduler) -> list[str]:
    """One line per job: id, trigger, next run (for `remit worker` to print)."""
    lines = []
    for job in scheduler.get_jobs():
        when = getattr(job, "next_run_time", None)
        suffix = f", next run {when.isoformat()}" if when else " (paused)"
        lines.append(f"{job.id}: {job.trigger}{suffix}")
    return lines


# -- the daily collections runs ------------------------------------------------------------------
def fees_job(rt: Runtime) -> None:
    """The daily late fee run: never raises, logs what it charged."""
    try:
        run = fees.run_fees(rt, as_of=utc_now().date(), actor="job:fees")
    except Exception:  # logged; tomorrow's run charges what this one missed
        log.exception("late fee run failed")
        return
    log.info("late fees: %s", {k: v for k, v in run.items() if k != "fees"})


# REMIT_PLANS_CRON, e.g. "15 6 * * *" (UTC): after the nightly statements are ingested and
# matched (an instalment paid yesterday is credited before its plan could be broken), and
# before the reminders run (a broken plan's invoices are dunned again).
def plans_job(rt: Runtime) -> None:
    """Credit, complete and break plans as of today (UTC); one transaction."""
    plans.run_plans(rt, as_of=datetime.now(UTC).date(), actor="job:plans")


def reminders_job(rt: Runtime) -> None:
    """The daily run (REMIT_REMINDERS_CRON): today's reminders, one transaction."""
    try:
        # Segments first: today's payment behaviour picks today's policy.
        out = dunning.run_reminders(rt, as_of=utc_now().date(), actor="job:reminders",
                                    segments_first=True)
    except Exception:  # a scheduler job logs and waits for the next day
        log.exception("reminders run failed")
        return
    counts = {s: sum(r["status"] == s for r in out) for s in ("sent", "failed", "undeliverable", "unknown")}
    log.info("reminders: %d decided, %s", len(out), ", ".join(f"{n} {s}" for s, n in counts.items()))
