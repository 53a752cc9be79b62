"""Dunning decisions (pure: no I/O, no clock). Which reminder steps are due as of a date.

A policy is an ordered list of steps relative to the due date (negative offset = before it).
For each open invoice of a customer the policy of the customer applies: the customer's own
override, else the policy of the customer's segment, else the default policy.

Rules (issue 5):
- never for an invoice that is paid or void, fully disputed (open disputes cover its whole
  open amount), or in an active payment plan (its instalments are reminded instead);
- a partly disputed invoice is reminded of the undisputed part only;
- never the same step twice: a step is done once a reminder for its dedupe key was sent,
  queued or completed; a *failed* one is tried again on the next run;
- only the latest step that has become due: an invoice found 40 days late on the first run
  gets the +30 step, not five messages at once. Earlier steps passed over are reported in
  `Decision.skipped` (audited with the reminder), never sent later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.errors import Invalid
from core.money import from_minor
from core.terms import parse_terms
from receivables.due_dates import effective_due

CHANNELS = ("email", "call", "letter", "agency")
# A step without a template of its own uses its channel's.
CHANNEL_TEMPLATES = {"email": "reminder", "call": "call", "letter": "letter", "agency": "agency"}
STEP_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
MAX_OFFSET = 3650  # ten years either side of the due date
MAX_STEPS = 20


class PolicyError(Invalid):
    """A policy or step that cannot work (bad channel, duplicate name, unknown template)."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    offset_days: int
    channel: str
    template: str

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "offset_days": self.offset_days,
            "channel": self.channel,
            "template": self.template,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    id: int | None  # None: the built-in default, not stored yet (a dry run writes nothing)
    name: str
    segment: str | None
    steps: tuple[Step, ...]


DEFAULT_POLICY_NAME = "default"
DEFAULT_STEPS = (
    Step("courtesy", -3, "email", "courtesy"),
    Step("reminder", 1, "email", "reminder"),
    Step("second", 7, "email", "reminder"),
    Step("call", 15, "call", "call"),
    Step("final", 30, "letter", "final_notice"),
    Step("agency", 60, "agency", "agency"),
)
# A payment plan's instalments: a courtesy note before each, a missed-payment note after.
INSTALMENT_STEPS = (
    Step("courtesy", -3, "email", "instalment_courtesy"),
    Step("missed", 1, "email", "instalment_missed"),
)


def parse_step(text: str) -> Step:
    """`name:offset:channel[:template]`, e.g. `courtesy:-3:email:courtesy`."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (3, 4):
        raise PolicyError(f"step {text!r}: write name:offset_days:channel[:template]")
    name, offset, channel = parts[:3]
    template = parts[3] if len(parts) == 4 and parts[3] else CHANNEL_TEMPLATES.get(channel, "")
    try:
        days = int(offset)
    except ValueError:
        raise PolicyError(
            f"step {text!r}: offset {offset!r} is not a whole number of days"
        ) from None
    return make_step(name, days, channel, template)


def make_step(name: object, offset_days: object, channel: object, template: object) -> Step:
    if not isinstance(name, str) or not STEP_NAME.match(name):
        raise PolicyError(f"step name {name!r}: lowercase letters, digits, _ and -")
    if isinstance(offset_days, bool) or not isinstance(offset_days, int):
        raise PolicyError(f"step {name}: offset_days must be a whole number")
    if abs(offset_days) > MAX_OFFSET:
        raise PolicyError(f"step {name}: offset_days beyond ±{MAX_OFFSET}")
    if channel not in CHANNELS:
        raise PolicyError(f"step {name}: channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if not isinstance(template, str) or not STEP_NAME.match(template):
        raise PolicyError(f"step {name}: template {template!r} is not a template name")
    return Step(name, offset_days, str(channel), template)


def normalise_steps(steps: Iterable[Step]) -> tuple[Step, ...]:
    """Steps ordered by offset; refuses none, duplicates of a name or of an offset."""
    ordered = tuple(sorted(steps, key=lambda s: s.offset_days))
    if not ordered:
        raise PolicyError("a policy needs at least one step")
    if len(ordered) > MAX_STEPS:
        raise PolicyError(f"at most {MAX_STEPS} steps")
    names = [s.name for s in ordered]
    if len(set(names)) != len(names):
        raise PolicyError("two steps share a name")
    offsets = [s.offset_days for s in ordered]
    # Two steps on one day would make "the latest due step" ambiguous.
    if len(set(offsets)) != len(offsets):
        raise PolicyError("two steps share an offset")
    return ordered


def steps_from_json(raw: Sequence[Mapping[str, object]]) -> tuple[Step, ...]:
    return normalise_steps(
        make_step(
            r.get("name"),
            r.get("offset_days"),
            r.get("channel"),
            r.get("template") or r.get("name"),
        )
        for r in raw
    )


# -- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    id: str
    name: str
    email: str | None = None
    segment: str | None = None
    policy_id: int | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceState:
    id: int
    number: str
    customer_id: str
    currency: str
    amount_minor: int
    open_minor: int
    status: str
    issue_date: date
    due_date: date | None
    terms: str | None = None
    disputed_minor: int = 0  # sum of the invoice's open disputes
    in_active_plan: bool = False


@dataclass(frozen=True, slots=True)
class InstalmentState:
    id: int
    plan_id: int
    plan_reference: str
    customer_id: str
    currency: str
    seq: int
    due_date: date
    amount_minor: int
    paid_minor: int
    status: str  # due | paid | missed
    plan_status: str  # active | completed | broken | cancelled


@dataclass(frozen=True, slots=True)
class Decision:
    customer_id: str
    policy: Policy
    step: Step
    days_past_due: int
    dedupe_key: str
    currency: str
    remind_minor: int  # what the reminder asks for: undisputed open, or instalment unpaid
    invoice: InvoiceState | None = None
    instalment: InstalmentState | None = None
    skipped: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> str:
        return "invoice" if self.invoice is not None else "instalment"


# -- decisions --------------------------------------------------------------------------------


def choose_policy(customer: CustomerInfo, policies: Sequence[Policy], default: Policy) -> Policy:
    """Override, else segment, else default."""
    if customer.policy_id is not None:
        for p in policies:
            if p.id == customer.policy_id:
                return p
    if customer.segment:
        for p in policies:
            if p.segment == customer.segment:
                return p
    return default


def invoice_key(invoice_id: int, policy: Policy, step: Step) -> str:
    pid = policy.id if policy.id is not None else DEFAULT_POLICY_NAME
    return f"invoice:{invoice_id}:policy:{pid}:step:{step.name}"


def instalment_key(instalment_id: int, step: Step) -> str:
    return f"instalment:{instalment_id}:step:{step.name}"


def latest_due(steps: Sequence[Step], days_past_due: int) -> tuple[Step | None, tuple[Step, ...]]:
    """(the latest step due at this many days past due, the earlier ones)."""
    due = [s for s in steps if s.offset_days <= days_past_due]
    if not due:
        return None, ()
    return due[-1], tuple(due[:-1])


def decide(
    as_of: date,
    *,
    policies: Sequence[Policy],
    default: Policy,
    customers: Mapping[str, CustomerInfo],
    invoices: Iterable[InvoiceState],
    instalments: Iterable[InstalmentState] = (),
    done: frozenset[str] | set[str] = frozenset(),
) -> list[Decision]:
    """The reminders due as of `as_of`, ordered by customer, then invoice number / instalment.

    `done`: dedupe keys of reminders already sent, queued or completed (not failed ones).
    """
    out: list[Decision] = []
    for inv in invoices:
        if inv.status != "open" or inv.open_minor <= 0 or inv.in_active_plan:
            continue
        remind = inv.open_minor - max(inv.disputed_minor, 0)
        if remind <= 0:
            continue  # the whole open amount is in dispute: held
        customer = customers.get(inv.customer_id)
        due = effective_due(inv.due_date, inv.terms, inv.issue_date)
        if customer is None or due is None:
            continue
        policy = choose_policy(customer, policies, default)
        dpd = (as_of - due).days
        step, earlier = latest_due(policy.steps, dpd)
        if step is None:
            continue
        key = invoice_key(inv.id, policy, step)
        if key in done:
            continue
        skipped = tuple(s.name for s in earlier if invoice_key(inv.id, policy, s) not in done)
        out.append(
            Decision(
                customer.id,
                policy,
                step,
                dpd,
                key,
                inv.currency,
                remind,
                invoice=inv,
                skipped=skipped,
            )
        )
    for ins in instalments:
        if ins.plan_status != "active" or ins.status == "paid":
            continue
        unpaid = ins.amount_minor - ins.paid_minor
        customer = customers.get(ins.customer_id)
        if unpaid <= 0 or customer is None:
            continue
        dpd = (as_of - ins.due_date).days
        step, earlier = latest_due(INSTALMENT_STEPS, dpd)
        if step is None or instalment_key(ins.id, step) in done:
            continue
        skipped = tuple(s.name for s in earlier if instalment_key(ins.id, s) not in done)
        policy = choose_policy(customer, policies, default)
        out.append(
            Decision(
                customer.id,
                policy,
                step,
                dpd,
                instalment_key(ins.id, step),
                ins.currency,
                unpaid,
                instalment=ins,
                skipped=skipped,
            )
        )
    out.sort(key=_order)
    return out


def _order(d: Decision) -> tuple[str, int, str, int]:
    if d.invoice is not None:
        return (d.customer_id, 0, d.invoice.number, 0)
    assert d.instalment is not None
    return (d.customer_id, 1, d.instalment.plan_reference, d.instalment.seq)


def group_key(d: Decision) -> tuple[str, str, str]:
    """One message per customer, channel and kind per run: a customer with five overdue
    invoices gets one email listing them, each at its own step."""
    return (d.customer_id, d.step.channel, d.kind)


def lead(decisions: Sequence[Decision]) -> Decision:
    """The decision whose step sets a group's template: the furthest along (most severe)."""
    return max(decisions, key=lambda d: (d.step.offset_days, d.days_past_due))


# -- personalisation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscountOffer:
    amount: Decimal  # the discount
    pay: Decimal  # what settles the invoice if paid by `last_day`
    last_day: date


def discount_offer(invoice: InvoiceState, as_of: date) -> DiscountOffer | None:
    """The early-payment discount still open as of `as_of`, on an invoice nothing was paid on
    yet (after a part payment the discount is the AR team's call, not the reminder's).

    The window offered is the contractual one: matching's rule (core.terms.last_discount_day)
    without the grace days matching grants, so `last_day` is the terms' deadline."""
    if invoice.open_minor != invoice.amount_minor or invoice.amount_minor <= 0:
        return None
    terms, _ = parse_terms(invoice.terms)
    try:
        # grace_days=0: grace days are the AR team's tolerance for bank float, not a promise
        # to make to a customer.
        last_day = terms.discount_last_day(invoice.issue_date, grace_days=0)
    except OverflowError:
        return None
    if last_day is None or as_of > last_day:
        return None
    amount = from_minor(invoice.amount_minor, invoice.currency)
    discount = terms.discount_amount(amount, invoice.currency)
    if discount <= 0:
        return None
    return DiscountOffer(amount=discount, pay=amount - discount, last_day=last_day)


# -- segments from payment behaviour ----------------------------------------------------------

SLOW_PAYER = "slow_payer"
LARGE = "large"
COMPUTED_SEGMENTS = (SLOW_PAYER, LARGE)


def classify(
    late_days: Sequence[int],
    open_by_currency: Mapping[str, Decimal],
    *,
    slow_after_days: int,
    large_open: Decimal,
) -> str | None:
    """The computed segment of a customer: "slow_payer" when its recent paid invoices were
    paid more than `slow_after_days` late on average (early counts as 0, not as credit),
    else "large" when its open balance in any one currency reaches `large_open`, else None.
    Slow payment wins: it is what dunning should react to."""
    if late_days:
        average = Decimal(sum(max(d, 0) for d in late_days)) / len(late_days)
        if average > slow_after_days:
            return SLOW_PAYER
    if any(amount >= large_open for amount in open_by_currency.values()):
        return LARGE
    return None
