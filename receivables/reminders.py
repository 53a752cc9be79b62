"""Reminders in the database: load the book, decide (receivables.dunning), render, record,
send or queue. Never commits: the job, command or request owns the transaction.

A run groups the decisions per customer, channel and kind: one email (or letter, call task,
agency hand-off) lists all of a customer's invoices at their steps; the most severe step picks
the template. Each invoice step still gets its own `reminders` row (the dedupe key), all rows
of a group carrying the one message and its outcome.

Outcomes: email → sent, or failed with the error (no address, refused, server down; retried
on the next run: the dedupe key only blocks sent, queued and done); call, letter, agency →
queued, a task for staff, marked done in the UI/API. Every row is audited on its invoice
(or its payment plan). The row is written before the message goes out, so a second run at the
same time waits on the unique key and fails instead of sending twice; if the transaction
rolls back after sending, the next run sends again (at least once, never silently lost).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core.errors import RemitError
from core.money import format_amount, from_minor, minor_text
from core.settings import Settings
from ledger import audit
from ledger.models import (
    Customer,
    DunningPolicy,
    FeeItem,
    Instalment,
    Invoice,
    PaymentPlan,
    Reminder,
)
from ledger.types import utc_now
from receivables import dunning
from receivables.disputes import disputed_minor
from receivables.due_dates import effective_due
from receivables.dunning import (
    DEFAULT_POLICY_NAME,
    DEFAULT_STEPS,
    CustomerInfo,
    Decision,
    InstalmentState,
    InvoiceState,
    Policy,
    PolicyError,
    Step,
)
from receivables.mailer import Mailer, MailError, build_message
from receivables.plan_service import active_plan_of_invoices

# A segment is stored in customers.segment and dunning_policies.segment (String(32)).
SEGMENT_MAX = Customer.__table__.c.segment.type.length
SEGMENT_RULE = f"lowercase letters, digits, _ and -, at most {SEGMENT_MAX} characters"


def _segment_ok(segment: str) -> bool:
    return bool(dunning.STEP_NAME.match(segment)) and len(segment) <= SEGMENT_MAX


TEMPLATES_DIR = Path(__file__).parent / "templates"
DONE_STATUSES = ("sent", "queued", "done")


class ReminderError(RemitError):
    """A refused reminder or policy operation (the API answers 422)."""

    status_code = 422


class NotFound(ReminderError):
    """No such invoice, customer, policy or reminder (404)."""

    status_code = 404


class Conflict(ReminderError):
    """The operation clashes with the current state (409): a name taken, a policy in use."""

    status_code = 409


# -- templates --------------------------------------------------------------------------------


class Renderer:
    """Jinja2, sandboxed (templates may come from users: REMIT_REMINDER_TEMPLATES_DIR), HTML
    autoescaped; a template is found in the override directory first, then the defaults."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
        loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    @staticmethod
    def file_name(step: Step) -> str:
        # Letters are printable HTML; the rest (email, call and agency notes) plain text.
        return f"{step.template}.html.j2" if step.channel == "letter" else f"{step.template}.txt.j2"

    def exists(self, step: Step) -> bool:
        try:
            self.env.get_template(self.file_name(step))
        except TemplateNotFound:
            return False
        return True

    def render(self, step: Step, context: dict[str, Any]) -> tuple[str, str]:
        """(subject, body); an HTML letter's body is the whole printable document."""
        t = self.env.get_template(self.file_name(step))
        subject = " ".join("".join(t.blocks["subject"](t.new_context(context))).split())
        if step.channel == "letter":
            body = t.render(context)
        else:
            body = "".join(t.blocks["body"](t.new_context(context))).strip() + "\n"
        return subject, body


def renderer_for(settings: Settings) -> Renderer:
    return Renderer(settings.reminder_templates_dir)


# -- policies ---------------------------------------------------------------------------------


def _policy(row: DunningPolicy) -> Policy:
    try:
        steps = dunning.steps_from_json(row.steps)
    except PolicyError:
        steps = ()  # a hand-edited row that no longer parses reminds of nothing
    return Policy(id=row.id, name=row.name, segment=row.segment, steps=steps)


def policy_json(row: DunningPolicy) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "segment": row.segment,
        "default": row.name == DEFAULT_POLICY_NAME,
        "steps": list(row.steps),
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def load_policies(session: Session) -> tuple[list[Policy], Policy]:
    """(all policies, the default): the policy named "default", else the built-in steps
    (id None: nothing is written until a real run stores it)."""
    rows = session.scalars(select(DunningPolicy).order_by(DunningPolicy.id)).all()
    policies = [_policy(r) for r in rows]
    default = next((p for p in policies if p.name == DEFAULT_POLICY_NAME), None)
    return policies, default or Policy(None, DEFAULT_POLICY_NAME, None, DEFAULT_STEPS)


def ensure_default_policy(session: Session, *, actor: str) -> None:
    exists = session.scalar(
        select(DunningPolicy.id).where(DunningPolicy.name == DEFAULT_POLICY_NAME)
    )
    if exists is None:
        save_policy(
            session, name=DEFAULT_POLICY_NAME, segment=None, steps=DEFAULT_STEPS, actor=actor
        )


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
    if segment is not None and not _segment_ok(segment):
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
        if not _segment_ok(segment):
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


# -- loading the book -------------------------------------------------------------------------


@dataclass
class Book:
    policies: list[Policy]
    default: Policy
    customers: dict[str, CustomerInfo]
    invoices: list[InvoiceState]
    instalments: list[InstalmentState]
    done: set[str]


def _customer(c: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=c.id, name=c.name, email=c.email, segment=c.segment, policy_id=c.dunning_policy_id
    )


def _invoice_state(inv: Invoice, disputed: int, in_plan: bool) -> InvoiceState:
    return InvoiceState(
        id=inv.id,
        number=inv.number,
        customer_id=inv.customer_id,
        currency=inv.currency,
        amount_minor=inv.amount_minor,
        open_minor=inv.open_minor,
        status=inv.status,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        terms=inv.terms,
        disputed_minor=disputed,
        in_active_plan=in_plan,
    )


def load_book(session: Session, *, customer_id: str | None = None) -> Book:
    policies, default = load_policies(session)
    inv_q = select(Invoice).where(Invoice.status == "open", Invoice.open_minor > 0)
    if customer_id is not None:
        inv_q = inv_q.where(Invoice.customer_id == customer_id)
    invoices = session.scalars(inv_q.order_by(Invoice.id)).all()
    disputed = disputed_minor(session)
    planned = set(active_plan_of_invoices(session))
    ins_q = (
        select(Instalment, PaymentPlan)
        .join(PaymentPlan, PaymentPlan.id == Instalment.plan_id)
        .where(PaymentPlan.status == "active", Instalment.status != "paid")
    )
    if customer_id is not None:
        ins_q = ins_q.where(PaymentPlan.customer_id == customer_id)
    instalments = [
        InstalmentState(
            id=i.id,
            plan_id=p.id,
            plan_reference=p.reference,
            customer_id=p.customer_id,
            currency=p.currency,
            seq=i.seq,
            due_date=i.due_date,
            amount_minor=i.amount_minor,
            paid_minor=i.paid_minor,
            status=i.status,
            plan_status=p.status,
        )
        for i, p in session.execute(ins_q.order_by(Instalment.id))
    ]
    ids = {i.customer_id for i in invoices} | {i.customer_id for i in instalments}
    customers: dict[str, CustomerInfo] = {}
    if ids:
        rows = session.scalars(select(Customer).where(Customer.id.in_(ids)))
        customers = {c.id: _customer(c) for c in rows}
    done = set(
        session.scalars(select(Reminder.dedupe_key).where(Reminder.status.in_(DONE_STATUSES)))
    )
    return Book(
        policies=policies,
        default=default,
        customers=customers,
        invoices=[_invoice_state(i, disputed.get(i.id, 0), i.id in planned) for i in invoices],
        instalments=instalments,
        done=done,
    )


def decide(session: Session, as_of: date, *, customer_id: str | None = None) -> list[Decision]:
    return _decide(load_book(session, customer_id=customer_id), as_of)


def _decide(book: Book, as_of: date) -> list[Decision]:
    return dunning.decide(
        as_of,
        policies=book.policies,
        default=book.default,
        customers=book.customers,
        invoices=book.invoices,
        instalments=book.instalments,
        done=book.done,
    )


# -- rendering context ------------------------------------------------------------------------



def _fees(session: Session, invoice_ids: Sequence[int]) -> dict[int, list[FeeItem]]:
    # Every fee not waived: one the AR system has acknowledged (exported) is still owed.
    out: dict[int, list[FeeItem]] = defaultdict(list)
    if invoice_ids:
        rows = session.scalars(
            select(FeeItem)
            .where(FeeItem.invoice_id.in_(invoice_ids), FeeItem.status != "void")
            .order_by(FeeItem.period_end, FeeItem.id)
        )
        for f in rows:
            out[f.invoice_id].append(f)
    return out


def build_context(
    session: Session,
    decisions: Sequence[Decision],
    customer: CustomerInfo,
    *,
    as_of: date,
    settings: Settings,
) -> dict[str, Any]:
    """What templates see: the customer, the items (invoices or instalments) with amounts as
    decimal text, totals per currency, the discount still open, late fees, how to pay."""
    inv_ds = [d for d in decisions if d.invoice is not None]
    fees = _fees(session, [d.invoice.id for d in inv_ds if d.invoice is not None])
    totals: dict[str, int] = defaultdict(int)
    items = []
    for d in inv_ds:
        inv = d.invoice
        assert inv is not None
        fee_rows = fees.get(inv.id, [])
        fee_total = sum(f.amount_minor for f in fee_rows)
        totals[inv.currency] += d.remind_minor + fee_total
        offer = dunning.discount_offer(inv, as_of)
        disputed = min(inv.disputed_minor, inv.open_minor)
        items.append(
            {
                "number": inv.number,
                "currency": inv.currency,
                "amount": minor_text(inv.amount_minor, inv.currency),
                "open_amount": minor_text(inv.open_minor, inv.currency),
                "remind_amount": minor_text(d.remind_minor, inv.currency),
                "disputed_amount": minor_text(disputed, inv.currency) if disputed > 0 else None,
                "issue_date": inv.issue_date.isoformat(),
                "due_date": (effective_due(inv.due_date, inv.terms, inv.issue_date) or inv.issue_date).isoformat(),
                "days_past_due": d.days_past_due,
                "step": d.step.name,
                "discount": {
                    "amount": format_amount(offer.amount),
                    "pay": format_amount(offer.pay),
                    "last_day": offer.last_day.isoformat(),
                }
                if offer
                else None,
                "fees": [
                    {
                        "kind": f.kind,
                        "amount": minor_text(f.amount_minor, f.currency),
                        "period_end": f.period_end.isoformat(),
                    }
                    for f in fee_rows
                ],
                "fees_total": minor_text(fee_total, inv.currency) if fee_rows else None,
            }
        )
    instalments = []
    for d in decisions:
        ins = d.instalment
        if ins is None:
            continue
        totals[ins.currency] += d.remind_minor
        instalments.append(
            {
                "plan_reference": ins.plan_reference,
                "seq": ins.seq,
                "currency": ins.currency,
                "due_date": ins.due_date.isoformat(),
                "days_past_due": d.days_past_due,
                "amount": minor_text(ins.amount_minor, ins.currency),
                "unpaid": minor_text(d.remind_minor, ins.currency),
                "step": d.step.name,
            }
        )
    return {
        "customer": {"id": customer.id, "name": customer.name, "email": customer.email},
        "as_of": as_of.isoformat(),
        "items": items,
        "instalments": instalments,
        "totals": [{"currency": c, "amount": minor_text(m, c)} for c, m in sorted(totals.items())],
        "payment_instructions": settings.payment_instructions,
        "sender": settings.smtp_from.split("<")[0].strip() or settings.smtp_from,
    }


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
    customer = _customer(customer_row)
    policies, default = load_policies(session)
    policy = dunning.choose_policy(customer, policies, default)
    disputed = disputed_minor(session, [inv.id]).get(inv.id, 0)
    state = _invoice_state(inv, disputed, bool(active_plan_of_invoices(session, [inv.id])))
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


def decision_json(d: Decision) -> dict[str, Any]:
    """DESIGN.md §6 (`remit reminders run --dry-run --json`), plus what says which instalment.
    An instalment reminder has no single invoice: invoice_number is null."""
    out: dict[str, Any] = {
        "invoice_number": d.invoice.number if d.invoice else None,
        "customer_id": d.customer_id,
        "step": d.step.name,
        "channel": d.step.channel,
        "days_past_due": d.days_past_due,
        "policy": d.policy.name,
        "amount": minor_text(d.remind_minor, d.currency),
        "currency": d.currency,
        "skipped_steps": list(d.skipped),
    }
    if d.instalment is not None:
        out["plan_reference"] = d.instalment.plan_reference
        out["instalment_seq"] = d.instalment.seq
    return out


def run(
    session: Session,
    *,
    as_of: date,
    settings: Settings,
    mailer: Mailer | None,
    actor: str,
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Decide the reminders due as of `as_of`; unless a dry run, render, record and send or
    queue them. Returns one row per reminder (DESIGN.md §6 keys, then status and error)."""
    if dry_run:
        return [decision_json(d) for d in decide(session, as_of)]
    ensure_default_policy(session, actor=actor)
    book = load_book(session)
    decisions = _decide(book, as_of)
    groups: dict[tuple[str, str, str], list[Decision]] = defaultdict(list)
    for d in decisions:
        groups[dunning.group_key(d)].append(d)
    renderer = renderer_for(settings)
    out: list[dict[str, Any]] = []
    try:
        for (customer_id, channel, _kind), group in groups.items():
            customer = book.customers[customer_id]
            out.extend(
                _deliver(
                    session,
                    group,
                    customer,
                    channel,
                    as_of=as_of,
                    settings=settings,
                    renderer=renderer,
                    mailer=mailer,
                    actor=actor,
                )
            )
    finally:
        if mailer is not None:
            mailer.close()
    order = {id(d): n for n, d in enumerate(decisions)}
    return sorted(out, key=lambda r: order[r.pop("_decision")])


def _deliver(
    session: Session,
    group: list[Decision],
    customer: CustomerInfo,
    channel: str,
    *,
    as_of: date,
    settings: Settings,
    renderer: Renderer,
    mailer: Mailer | None,
    actor: str,
) -> list[dict[str, Any]]:
    lead = dunning.lead(group)
    error: str | None = None
    subject = body = ""
    try:
        ctx = build_context(session, group, customer, as_of=as_of, settings=settings)
        subject, body = renderer.render(lead.step, ctx)
    except TemplateError as exc:
        error = f"template {renderer.file_name(lead.step)}: {exc}"
    recipient = customer.email if channel == "email" else None
    rows = [
        _claim(session, d, recipient=recipient, subject=subject, body=body, as_of=as_of)
        for d in group
    ]
    status, sent_at = "queued", None
    if error is None and channel == "email":
        try:
            if not customer.email:
                raise MailError(f"customer {customer.id} has no email address")
            if mailer is None:
                raise MailError("no mailer")
            mailer.send(
                build_message(
                    sender=settings.smtp_from, to=customer.email, subject=subject, text=body
                )
            )
            status, sent_at = "sent", utc_now()
        except MailError as exc:
            error = str(exc)
    if error is not None:
        status = "failed"
    result = []
    for d, rid in zip(group, rows, strict=True):
        session.execute(
            update(Reminder)
            .where(Reminder.id == rid)
            .values(status=status, error=error, sent_at=sent_at)
        )
        row = {
            **decision_json(d),
            "status": status,
            "error": error,
            "reminder_id": rid,
            "_decision": id(d),
        }
        if d.invoice is not None:
            entity_type, entity_id = "invoice", d.invoice.number
        else:
            assert d.instalment is not None
            entity_type, entity_id = "payment_plan", d.instalment.plan_id
        audit.record(
            session,
            actor=actor,
            action=f"reminder.{status}",
            entity_type=entity_type,
            entity_id=entity_id,
            after={
                "reminder_id": rid,
                "step": d.step.name,
                "channel": d.step.channel,
                "days_past_due": d.days_past_due,
                "status": status,
                "error": error,
                "recipient": recipient,
                "subject": subject,
                "amount": row["amount"],
                "skipped_steps": list(d.skipped),
            },
        )
        result.append(row)
    return result


def _claim(
    session: Session, d: Decision, *, recipient: str | None, subject: str, body: str, as_of: date
) -> int:
    """The reminder row for a decision, written before anything is sent: a new row, or the
    failed one of an earlier run being retried."""
    assert d.policy.id is not None
    values = {
        "invoice_id": d.invoice.id if d.invoice else None,
        "instalment_id": d.instalment.id if d.instalment else None,
        "customer_id": d.customer_id,
        "policy_id": d.policy.id,
        "step": d.step.name,
        "channel": d.step.channel,
        "days_past_due": d.days_past_due,
        "as_of": as_of,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "status": "failed",
        "error": "in progress",
        "created_at": utc_now(),
    }
    existing = session.scalars(
        select(Reminder.id).where(Reminder.dedupe_key == d.dedupe_key).with_for_update()
    ).one_or_none()
    if existing is not None:
        session.execute(update(Reminder).where(Reminder.id == existing).values(**values))
        return existing
    rid = session.execute(
        insert(Reminder).values(dedupe_key=d.dedupe_key, **values).returning(Reminder.id)
    ).scalar_one()
    return int(rid)


# -- reading and completing -------------------------------------------------------------------


def reminder_json(r: Reminder, invoice_number: str | None) -> dict[str, Any]:
    return {
        "reminder_id": r.id,
        "invoice_number": invoice_number,
        "customer_id": r.customer_id,
        "instalment_id": r.instalment_id,
        "step": r.step,
        "channel": r.channel,
        "days_past_due": r.days_past_due,
        "as_of": r.as_of.isoformat(),
        "status": r.status,
        "error": r.error,
        "recipient": r.recipient,
        "subject": r.subject,
        "created_at": r.created_at.isoformat() if r.created_at else None,
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
    }


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


# -- computed segments ------------------------------------------------------------------------


def assign_segments(
    session: Session, *, settings: Settings, actor: str, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Set each customer's computed segment (dunning.classify) from its payment history: the
    last `segment_history` paid invoices (paid = the latest value date of the cash applied)
    and its open balance. Segments set by hand (anything but the computed ones) are left
    alone. Returns the changes; audited."""
    from ledger.models import Application, BankEntry, BankTransaction

    paid_on = func.max(func.coalesce(BankEntry.value_date, BankEntry.booking_date))
    rows = session.execute(
        select(Invoice.customer_id, Invoice.due_date, paid_on)
        .join(Application, Application.invoice_id == Invoice.id)
        .join(BankTransaction, BankTransaction.id == Application.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(
            Invoice.status == "paid", Application.status == "applied", Invoice.due_date.is_not(None)
        )
        .group_by(Invoice.id, Invoice.customer_id, Invoice.due_date)
    ).all()
    history: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for customer_id, due, paid in rows:
        if paid is not None:
            history[customer_id].append((paid, (paid - due).days))
    open_rows = session.execute(
        select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.open_minor))
        .where(Invoice.status == "open")
        .group_by(Invoice.customer_id, Invoice.currency)
    ).all()
    open_by: dict[str, dict[str, Any]] = defaultdict(dict)
    for customer_id, currency, minor in open_rows:
        open_by[customer_id][currency] = from_minor(int(minor or 0), currency)
    changes = []
    for c in session.scalars(select(Customer).order_by(Customer.id)):
        if c.segment is not None and c.segment not in dunning.COMPUTED_SEGMENTS:
            continue
        recent = sorted(history.get(c.id, []), reverse=True)[: settings.segment_history]
        segment = dunning.classify(
            [late for _, late in recent],
            open_by.get(c.id, {}),
            slow_after_days=settings.segment_slow_days,
            large_open=settings.segment_large_open,
        )
        if segment == c.segment:
            continue
        changes.append({"customer_id": c.id, "before": c.segment, "after": segment})
        if not dry_run:
            audit.record(
                session,
                actor=actor,
                action="customer.segment_computed",
                entity_type="customer",
                entity_id=c.id,
                before={"segment": c.segment},
                after={"segment": segment},
            )
            c.segment = segment
            c.updated_at = utc_now()
    return changes
