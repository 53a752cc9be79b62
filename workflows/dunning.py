"""Dunning, each use case one transaction: policies (saved, listed), a customer's override
and segment, the computed segments, and the reminder runs (by hand or the daily job).

In workflows/: `remit dunning`, `remit reminders` and the daily job (workflows/jobs.py) call
these; a refusal (dunning.PolicyError, reminders.ReminderError) rolls back, nothing written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from receivables import dunning, reminders
from receivables.mailer import Mailer
from workflows.runtime import Runtime
from workflows.smtp import SmtpMailer

log = logging.getLogger(__name__)


# -- policies ------------------------------------------------------------------------------------
def _steps(raw: list[Any]) -> list[dunning.Step]:
    """A policy's steps as a file or the command line gives them: "name:offset:channel[:template]"
    or tables (name, offset_days, channel, template: the channel's by default)."""
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(dunning.parse_step(item))
        elif isinstance(item, dict):
            out.append(
                dunning.make_step(
                    item.get("name"),
                    item.get("offset_days"),
                    item.get("channel"),
                    item.get("template")
                    or dunning.CHANNEL_TEMPLATES.get(str(item.get("channel")), ""),
                )
            )
        else:
            raise dunning.PolicyError(f"a step is text or a table, not {item!r}")
    return out


def save_policies(rt: Runtime, policies: Sequence[Any], *, actor: str) -> list[dict[str, Any]]:
    """Create or replace each policy (`{"name", "segment", "steps"}`), all or nothing; a policy
    is checked as it is saved, so a refusal names the first bad one in order."""
    saved = []
    with rt.unit_of_work() as session:
        for p in policies:
            if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                raise dunning.PolicyError(f"a policy needs a name: {p!r}")
            row = reminders.save_policy(
                session,
                name=p["name"],
                segment=p.get("segment"),
                steps=_steps(list(p.get("steps") or [])),
                actor=actor,
                settings=rt.settings,
            )
            saved.append(reminders.policy_json(row))
    return saved


def policies(rt: Runtime) -> list[dict[str, Any]]:
    """The stored policies and their steps, by name."""
    with rt.unit_of_work() as session:
        return reminders.list_policies(session)


# -- customers -----------------------------------------------------------------------------------
def set_customer(
    rt: Runtime, customer_id: str, *, actor: str, policy_name: str | None, clear_policy: bool,
    segment: str | None, clear_segment: bool,
) -> dict[str, Any]:
    """Override a customer's policy (or clear the override) and/or set its segment."""
    with rt.unit_of_work() as session:
        return reminders.set_customer_dunning(
            session, customer_id, actor=actor, policy_name=policy_name, clear_policy=clear_policy,
            segment=segment, clear_segment=clear_segment,
        )


def assign_segments(rt: Runtime, *, actor: str, dry_run: bool = False) -> list[dict[str, Any]]:
    """Customer segments computed from payment behaviour; the changes (made unless dry_run)."""
    with rt.unit_of_work() as session:
        return reminders.assign_segments(session, settings=rt.settings, actor=actor,
                                         dry_run=dry_run)


# -- reminders -----------------------------------------------------------------------------------
def run_reminders(
    rt: Runtime,
    *,
    as_of: date,
    actor: str,
    dry_run: bool = False,
    segments_first: bool = False,
    mailer: Mailer | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """The reminders due as of `as_of`, sent (email) or queued (call, letter, agency) unless a
    dry run. `segments_first`: the segments computed first (the daily job: today's payment
    behaviour picks today's policy).

    Transactions: one to settle what a crashed run left `sending` and decide; then per group
    one to claim its rows (committed `sending`, with the Message-ID, before the mail server is
    spoken to) and one to record the outcome. A crash in between never sends a reminder twice
    (receivables.reminders: at most once). `mailer`: the SMTP mailer of the settings unless
    given (tests)."""
    if dry_run:
        with rt.unit_of_work() as session:
            return reminders.run(session, as_of=as_of, settings=rt.settings, mailer=None,
                                 actor=actor, dry_run=True)
    settings = rt.settings
    for attempt in (1, 2):
        try:
            with rt.unit_of_work() as session:
                if segments_first:
                    reminders.assign_segments(session, settings=settings, actor=actor)
                unknown = reminders.settle_stale(session, settings=settings, actor=actor)
                decisions, groups = reminders.groups_due(session, as_of=as_of, actor=actor)
            break
        except IntegrityError:
            # Another run stored the default policy at the same moment: it is there now.
            if attempt == 2:
                raise
    if unknown:
        log.warning("reminders: %d email(s) left sending by a stopped run marked unknown", unknown)
    renderer = reminders.renderer_for(settings)
    mailer = mailer if mailer is not None else SmtpMailer(settings)
    out: list[dict[str, Any]] = []
    try:
        for customer, channel, group in groups:
            try:
                with rt.unit_of_work() as session:
                    claimed = reminders.claim(session, group, customer, channel, as_of=as_of,
                                              settings=settings, renderer=renderer, actor=actor)
            except IntegrityError:  # another run claimed one of these steps at the same moment
                log.info("reminders: customer %s claimed by another run", customer.id)
                continue
            if claimed is None:
                continue
            if claimed.message is None:
                out.extend(claimed.results)
                continue
            outcome = reminders.deliver_now(claimed, mailer, settings=settings, sleep=sleep)
            with rt.unit_of_work() as session:
                out.extend(reminders.finish(session, claimed, outcome, actor=actor))
    finally:
        mailer.close()
    return reminders.ordered(decisions, out)


def resend_reminder(rt: Runtime, reminder_id: int, *, actor: str) -> dict[str, Any]:
    """Send an unknown, undeliverable or failed email reminder again on the next run."""
    with rt.unit_of_work() as session:
        return reminders.request_resend(session, reminder_id, actor=actor)


def list_reminders(
    rt: Runtime, *, invoice_number: str | None, status: str | None, limit: int
) -> list[dict[str, Any]]:
    """Reminders on record, newest first."""
    with rt.unit_of_work() as session:
        return reminders.list_reminders(session, invoice_number=invoice_number, status=status,
                                        limit=limit)


def mark_done(rt: Runtime, reminder_id: int, *, actor: str) -> dict[str, Any]:
    """A queued task (call, letter, agency hand-off) marked done."""
    with rt.unit_of_work() as session:
        return reminders.mark_done(session, reminder_id, actor=actor)
