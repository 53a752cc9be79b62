"""Payment plans (receivables.plan_service.plan_json)."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Page, Shape, Timestamp


class PlanSummary(Shape):
    """A payment plan: an instalment schedule over invoices of one customer."""

    id: int
    reference: str = Field(description="quoted on instalment payments")
    customer_id: str
    currency: str
    status: str = Field(description="active | completed | broken | cancelled")
    grace_days: int
    total: Amount
    paid: Amount
    open: Amount = Field(description="what the plan's invoices still have open")
    instalment_count: int
    next_due_date: Day | None = Field(description="null unless active")
    next_due_amount: Amount | None
    invoice_numbers: list[str]
    note: str | None
    created_by: str
    created_at: Timestamp | None
    ended_at: Timestamp | None


class PlanPage(Page[PlanSummary]):
    """Plans by id."""


class Instalment(Shape):
    id: int
    seq: int
    due_date: Day
    amount: Amount
    paid: Amount
    status: str = Field(description="due | paid | missed")
    paid_at: Timestamp | None


class PlanInvoice(Shape):
    id: int
    number: str
    due_date: Day | None
    amount: Amount
    open_amount: Amount


class Plan(PlanSummary):
    """The plan with its instalments and invoices."""

    instalments: list[Instalment]
    invoices: list[PlanInvoice]
