"""Dunning policies and reminders (receivables.reminders, receivables.reminder_delivery)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp

CHANNELS = "email | call | letter | agency"


class DunningStep(Shape):
    name: str
    offset_days: int = Field(description="days relative to the due date; negative = before")
    channel: str = Field(description=CHANNELS)
    template: str


class DunningPolicy(Shape):
    id: int
    name: str
    segment: str | None = Field(description="the customer segment it serves")
    default: bool = Field(description='the policy named "default"')
    steps: list[DunningStep]
    updated_at: Timestamp | None


class DunningPolicyPage(Page[DunningPolicy]):
    """Policies by id."""


class CustomerDunning(Shape):
    """A customer's dunning settings after the change."""

    customer_id: str
    dunning_policy_id: int | None = Field(description="the override; null: by segment")
    segment: str | None


class Reminder(Shape):
    """A reminder on record: an e-mail (sending, sent, failed, undeliverable, unknown), or a
    queued (then done) task."""

    reminder_id: int
    invoice_number: str | None = Field(description="null for a plan instalment's reminder")
    customer_id: str
    instalment_id: int | None
    step: str
    channel: str = Field(description=CHANNELS)
    days_past_due: int
    as_of: Day
    status: str = Field(
        description="sending (claimed, being sent) | sent | failed (temporary: the next run "
        "tries again) | undeliverable (no address, or refused for good: tried again once the "
        "address changes) | unknown (a run stopped mid-send: perhaps delivered, never resent "
        "by itself) | queued | done"
    )
    error: str | None = Field(description="why it failed, is undeliverable or unknown")
    recipient: str | None
    subject: str
    message_id: str | None = Field(description="the e-mail's Message-ID (every attempt the same)")
    attempts: int = Field(description="SMTP attempts over all runs")
    created_at: Timestamp | None
    sent_at: Timestamp | None


class ReminderPage(Page[Reminder]):
    """Newest first."""


class ReminderDetail(Reminder):
    body: str = Field(description="the message as sent (or the task as queued)")


class ReminderPreview(Shape):
    """The message a step would send for one invoice; nothing is written."""

    invoice_number: str
    customer_id: str
    policy: str
    step: str
    channel: str = Field(description=CHANNELS)
    template: str
    days_past_due: int
    recipient: str | None
    subject: str
    body: str
    content_type: str = Field(description="text/plain | text/html")


class ReminderRun(Shape):
    """One reminder a run decided (DESIGN.md §6 keys first); a dry run stops at
    `skipped_steps`."""

    invoice_number: str | None = Field(description="null for a plan instalment's reminder")
    customer_id: str
    step: str
    channel: str = Field(description=CHANNELS)
    days_past_due: int
    policy: str
    amount: Amount
    currency: str
    skipped_steps: list[str] = Field(description="earlier steps this one supersedes")
    plan_reference: str | None = Field(None, description="a plan instalment's reminder only")
    instalment_seq: int | None = Field(None, description="a plan instalment's reminder only")
    status: str | None = Field(
        None, description="sent | queued | failed | undeliverable | unknown (not in a dry run)"
    )
    error: str | None = Field(None, description="why it failed (not in a dry run)")
    reminder_id: int | None = Field(None, description="not in a dry run")
