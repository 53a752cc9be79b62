"""Reminders in the database: load the book, decide (receivables.dunning), render, record,
send or queue. Never commits: the job, command or request owns the transaction.

A run groups the decisions per customer, channel and kind: one email (or letter, call task,
agency hand-off) lists all of a customer's invoices at their steps; the most severe step picks
the template. Each invoice step still gets its own `reminders` row (its dedupe key is unique
in the database), all rows of a group carrying the one message and its outcome.

Outcomes: email → sent; failed (a temporary failure after the retries, or a template error:
tried again on the next run); undeliverable (no address, or the server refused it for good:
tried again once the customer's address changes); unknown (see below). Call, letter, agency →
queued, a task for staff, marked done in the UI/API. Every outcome is audited on its invoice
(or its payment plan).

At most once: the use case (workflows.dunning.run_reminders) commits each group's rows as
`sending`, with the Message-ID, before the SMTP conversation and records the outcome in a
second transaction. If the process dies in between, the rows stay `sending`: no run sends
them again, and the next run after `stale_after` marks them `unknown` — the message may or
may not have arrived (the mail server's log knows, by Message-ID); `request_resend` (remit
reminders resend ID) is the person's decision to send it again. `run` below does the same
steps in the caller's one transaction (the API's dry runs, tests).

Here the public face (`__all__`: what the API, the workbench, the CLI and the jobs use): the
errors, policies, preview, the run, reading and completing reminders. The parts live beside
it: reminder_book (what a run decides on), reminder_templates (rendering and its context),
reminder_delivery (one group claimed, then its outcome recorded and audited), segments.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.settings import Settings
from ledger import audit
from ledger.models import Customer, DunningPolicy, Invoice, Reminder
from ledger.types import utc_now
from receivables import dunning
from receivables.disputes import disputed_minor
from receivables.due_dates import effective_due
from receivables.dunning import (
    DEFAULT_POLICY_NAME,
    DEFAULT_STEPS,
    CustomerInfo,
    Decision,
    PolicyError,
    Step,
)
from receivables.mailer import Mailer, Outcome, send_with_retry
from receivables.plan_service import active_plan_of_invoices
from receivables.reminder_book import (
    DONE_STATUSES,
    Book,
    customer_info,
    decide,
    decide_book,
    invoice_state,
    load_book,
    load_policies,
)
from receivables.reminder_delivery import Claimed, claim, decision_json, finish, reminder_json
from receivables.reminder_errors import Conflict, NotFound, ReminderError
from receivables.reminder_recovery import request_resend, settle_stale, stale_after
from receivables.reminder_templates import TEMPLATES_DIR, Renderer, build_context, renderer_for
from receivables.segments import SEGMENT_MAX, SEGMENT_RULE, assign_segments, segment_ok

__all__ = [
    "DONE_STATUSES",
    "SEGMENT_MAX",
    "SEGMENT_RULE",
    "TEMPLATES_DIR",
    "Book",
    "Claimed",
    "Conflict",
    "NotFound",
    "Preview",
    "ReminderError",
    "Renderer",
    "assign_segments",
    "build_context",
    "claim",
    "decide",
    "decision_json",
    "deliver_now",
    "delete_policy",
    "ensure_default_policy",
    "finish",
    "get_reminder",
    "groups_due",
    "list_policies",
    "list_reminders",
    "load_book",
    "load_policies",
    "mark_done",
    "ordered",
    "policies_page",
    "policy_json",
    "preview",
    "reminder_json",
    "renderer_for",
    "request_resend",
    "run",
    "save_policy",
    "set_customer_dunning",
    "settle_stale",
    "stale_after",
]


# -- policies ---------------------------------------------------------------------------------


def policy_json(row: DunningPolicy) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "segment": row.segment,
        "default": row.name == DEFAULT_POLICY_NAME,
        "steps": list(row.steps),
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def list_policies(session: Session) -> list[dict[str, Any]]:
    """The stored policies and their steps, by name."""
    rows = session.scalars(select(DunningPolicy).order_by(DunningPolicy.name))
    return [policy_json(r) for r in rows]


def policies_page(session: Session, *, after: int | None, limit: int) -> list[dict[str, Any]]:
    """At most `limit` stored policies after id `after`, by id (the API's cursor pages)."""
    query = select(DunningPolicy).order_by(DunningPolicy.id).limit(limit)
    if after is not None:
        query = query.where(DunningPolicy.id > after)
    return [policy_json(r) for r in session.scalars(query)]


def ensure_default_policy(session: Session, *, actor: str) -> None:
    exists = session.scalar(
        select(DunningPolicy.id).where(DunningPolicy.name == DEFAULT_POLICY_NAME)
    )
    if exists is not None:
        return
    try:
        with session.begin_nested():
            save_policy(
                session, name=DEFAULT_POLICY_NAME, segment=None, steps=DEFAULT_STEPS, actor=actor
            )
    except (Conflict, IntegrityError):
        pass  # another run stored it at the same moment (the unique name decides): theirs stands


def save_policy(
    session: Session,
    *,
    name: str,
    segment: str | None,
    steps: Sequence[Step],
    actor: str,
    policy_id: int | None = None,
    settings: Settings | None = None,
) -> DunningPolicy:
    """Create (policy_id None: by name, updating the policy of that name if it exists) or
    update a policy. Audited."""
    if not dunning.STEP_NAME.match(name):
        raise ReminderError(f"policy name {name!r}: lowercase letters, digits, _ and -")
    if segment is not None and not segment_ok(segment):
        raise ReminderError(f"segment {segment!r}: {SEGMENT_RULE}")
    try:
        ordered = dunning.normalise_steps(steps)
    except PolicyError as error:
        raise ReminderError(str(error)) from None
    renderer = renderer_for(settings) if settings else Renderer()
    for s in ordered:
        if not renderer.exists(s):
            raise ReminderError(
                f"step {s.name}: no template {renderer.file_name(s)} for channel {s.channel}"
            )
    if policy_id is not None:
        row = session.get(DunningPolicy, policy_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no dunning policy #{policy_id}")
    else:
        row = session.scalars(
            select(DunningPolicy).where(DunningPolicy.name == name).with_for_update()
        ).one_or_none()
    clash = session.scalar(
        select(DunningPolicy.name).where(
            DunningPolicy.name == name, DunningPolicy.id != (row.id if row else -1)
        )
    )
    if clash:
        raise Conflict(f"a policy named {name!r} exists already")
    if segment is not None:
        other = session.scalar(
            select(DunningPolicy.name).where(
                DunningPolicy.segment == segment, DunningPolicy.id != (row.id if row else -1)
            )
        )
        if other:
            raise Conflict(f"policy {other!r} already serves segment {segment!r}")
    before = policy_json(row) if row else None
    now = utc_now()
    if row is None:
        row = DunningPolicy(name=name, segment=segment, created_at=now)
        session.add(row)
    row.name, row.segment = name, segment
    row.steps = [s.as_json() for s in ordered]
    row.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dunning_policy.saved",
        entity_type="dunning_policy",
        entity_id=row.id,
        before=before,
        after=policy_json(row),
    )
    return row


def delete_policy(session: Session, policy_id: int, *, actor: str) -> None:
    row = session.get(DunningPolicy, policy_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no dunning policy #{policy_id}")
    used_by = session.scalar(
        select(func.count()).select_from(Customer).where(Customer.dunning_policy_id == policy_id)
    )
    if used_by:
        raise Conflict(f"policy {row.name!r} is assigned to {used_by} customer(s)")
    if session.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.policy_id == policy_id)
    ):
        raise Conflict(f"policy {row.name!r} has reminders on record: change its steps instead")
    before = policy_json(row)
    session.delete(row)
    audit.record(
        session,
        actor=actor,
        action="dunning_policy.deleted",
        entity_type="dunning_policy",
        entity_id=policy_id,
        before=before,
    )


def set_customer_dunning(
    session: Session,
    customer_id: str,
    *,
    actor: str,
    policy_name: str | None = None,
    clear_policy: bool = False,
    segment: str | None = None,
    clear_segment: bool = False,
) -> dict[str, Any]:
    """Override a customer's policy (or clear the override) and/or set its segment."""
    customer = session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    before = {"dunning_policy_id": customer.dunning_policy_id, "segment": customer.segment}
    if policy_name is not None:
        pid = session.scalar(select(DunningPolicy.id).where(DunningPolicy.name == policy_name))
        if pid is None:
            raise NotFound(f"no dunning policy {policy_name!r}")
        customer.dunning_policy_id = pid
    elif clear_policy:
        customer.dunning_policy_id = None
    if segment is not None:
        if not segment_ok(segment):
            raise ReminderError(f"segment {segment!r}: {SEGMENT_RULE}")
        customer.segment = segment
    elif clear_segment:
        customer.segment = None
    customer.updated_at = utc_now()
    after = {"dunning_policy_id": customer.dunning_policy_id, "segment": customer.segment}
    if after != before:
        audit.record(
            session,
            actor=actor,
            action="customer.dunning_changed",
            entity_type="customer",
            entity_id=customer_id,
            before=before,
            after=after,
        )
    return {"customer_id": customer_id, **after}


# -- preview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    invoice_number: str
    customer_id: str
    policy: str
    step: str
    channel: str
    template: str
    days_past_due: int
    recipient: str | None
    subject: str
    body: str
    html: bool


def preview(
    session: Session, *, invoice_number: str, step: str | None, as_of: date, settings: Settings
) -> Preview:
    """A step's message for one invoice as it would read on `as_of`; writes nothing. Without
    a step: the step due now, else the policy's first."""
    inv = session.scalars(select(Invoice).where(Invoice.number == invoice_number)).one_or_none()
    if inv is None:
        raise NotFound(f"no invoice {invoice_number!r}")
    customer_row = session.get(Customer, inv.customer_id)
    assert customer_row is not None
    customer = customer_info(customer_row)
    policies, default = load_policies(session)
    policy = dunning.choose_policy(customer, policies, default)
    disputed = disputed_minor(session, [inv.id]).get(inv.id, 0)
    state = invoice_state(inv, disputed, bool(active_plan_of_invoices(session, [inv.id])))
    due = effective_due(state.due_date, state.terms, state.issue_date) or inv.issue_date
    dpd = (as_of - due).days
    if step:
        chosen = next((s for s in policy.steps if s.name == step), None)
        if chosen is None:
            names = ", ".join(s.name for s in policy.steps)
            raise ReminderError(f"policy {policy.name!r} has no step {step!r} (steps: {names})")
    else:
        chosen = dunning.latest_due(policy.steps, dpd)[0] or policy.steps[0]
    remind = max(inv.open_minor - disputed, 0)
    d = Decision(customer.id, policy, chosen, dpd, "", inv.currency, remind, invoice=state)
    ctx = build_context(session, [d], customer, as_of=as_of, settings=settings)
    try:
        subject, body = renderer_for(settings).render(chosen, ctx)
    except TemplateError as error:
        raise ReminderError(f"template {chosen.template}: {error}") from None
    return Preview(
        inv.number,
        customer.id,
        policy.name,
        chosen.name,
        chosen.channel,
        chosen.template,
        dpd,
        customer.email,
        subject,
        body,
        chosen.channel == "letter",
    )


# -- the run ----------------------------------------------------------------------------------


Group = tuple[CustomerInfo, str, list[Decision]]


def groups_due(session: Session, *, as_of: date, actor: str) -> tuple[list[Decision], list[Group]]:
    """The decisions due as of `as_of` and their groups (customer, channel, decisions): one
    message each. Stores the default policy first if it is not yet."""
    ensure_default_policy(session, actor=actor)
    book = load_book(session)
    decisions = decide_book(book, as_of)
    groups: dict[tuple[str, str, str], list[Decision]] = defaultdict(list)
    for d in decisions:
        groups[dunning.group_key(d)].append(d)
    return decisions, [(book.customers[cid], channel, group)
                       for (cid, channel, _kind), group in groups.items()]


def ordered(decisions: Sequence[Decision], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's rows in the decisions' order (customer, invoice number)."""
    order = {id(d): n for n, d in enumerate(decisions)}
    return sorted(rows, key=lambda r: order[r.pop("_decision")])


def run(
    session: Session,
    *,
    as_of: date,
    settings: Settings,
    mailer: Mailer | None,
    actor: str,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Decide the reminders due as of `as_of`; unless a dry run, render, record and send or
    queue them, all in the caller's transaction (workflows.dunning.run_reminders commits
    around the sending instead: at most once across crashes). Returns one row per reminder
    (DESIGN.md §6 keys, then status and error)."""
    if dry_run:
        return [decision_json(d) for d in decide(session, as_of)]
    decisions, groups = groups_due(session, as_of=as_of, actor=actor)
    renderer = renderer_for(settings)
    out: list[dict[str, Any]] = []
    try:
        for customer, channel, group in groups:
            claimed = claim(session, group, customer, channel, as_of=as_of, settings=settings,
                            renderer=renderer, actor=actor)
            if claimed is None:
                continue
            if claimed.message is None:
                out.extend(claimed.results)
                continue
            outcome = deliver_now(claimed, mailer, settings=settings, sleep=sleep)
            out.extend(finish(session, claimed, outcome, actor=actor))
    finally:
        if mailer is not None:
            mailer.close()
    return ordered(decisions, out)


def deliver_now(
    claimed: Claimed, mailer: Mailer | None, *, settings: Settings, sleep: Callable[[float], None]
) -> Outcome:
    """Send a claimed group's message, retrying temporary failures (receivables.mailer)."""
    assert claimed.message is not None
    if mailer is None:
        return Outcome("failed", "no mailer", 0)
    return send_with_retry(mailer, claimed.message, attempts=settings.smtp_max_attempts,
                           pause_seconds=settings.smtp_retry_seconds, sleep=sleep)


# -- reading and completing -------------------------------------------------------------------


def list_reminders(
    session: Session,
    *,
    invoice_number: str | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; `after_id` continues below that id."""
    q = select(Reminder, Invoice.number).outerjoin(Invoice, Invoice.id == Reminder.invoice_id)
    if invoice_number is not None:
        q = q.where(Invoice.number == invoice_number)
    if customer_id is not None:
        q = q.where(Reminder.customer_id == customer_id)
    if status is not None:
        q = q.where(Reminder.status == status)
    if channel is not None:
        q = q.where(Reminder.channel == channel)
    if after_id is not None:
        q = q.where(Reminder.id < after_id)
    rows = session.execute(q.order_by(Reminder.id.desc()).limit(limit)).all()
    return [reminder_json(r, n) for r, n in rows]


def get_reminder(session: Session, reminder_id: int) -> dict[str, Any]:
    row = session.execute(
        select(Reminder, Invoice.number)
        .outerjoin(Invoice, Invoice.id == Reminder.invoice_id)
        .where(Reminder.id == reminder_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no reminder #{reminder_id}")
    out = reminder_json(row[0], row[1])
    out["body"] = row[0].body
    return out


def mark_done(session: Session, reminder_id: int, *, actor: str) -> dict[str, Any]:
    """Staff completed a queued task (the call was made, the letter posted, the file handed
    over)."""
    r = session.get(Reminder, reminder_id, with_for_update=True)
    if r is None:
        raise NotFound(f"no reminder #{reminder_id}")
    if r.status != "queued":
        raise Conflict(f"reminder #{reminder_id} is {r.status}, not a queued task")
    r.status = "done"
    number = session.scalar(select(Invoice.number).where(Invoice.id == r.invoice_id))
    entity = ("invoice", number) if number else ("reminder", r.id)
    audit.record(
        session,
        actor=actor,
        action="reminder.done",
        entity_type=entity[0],
        entity_id=entity[1],
        before={"reminder_id": r.id, "status": "queued"},
        after={"reminder_id": r.id, "status": "done", "step": r.step},
    )
    return reminder_json(r, number)
