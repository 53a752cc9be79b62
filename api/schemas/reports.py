"""Reports under /api/v1/reports: the cash-application rates (reconcile.cash_metrics, where
every count is defined). Rates are percent as decimal text to 0.1 (half-up), null when
the denominator is 0, always next to the integer counts they come from."""

from __future__ import annotations

from pydantic import Field

from api.schemas import Amount, Day, Shape

RATE = "percent, decimal text to 0.1 (half-up); null when the denominator is 0"


class CashFigures(Shape):
    """Counts of matchable payments (credits, not returns, reversals, ignored or returned
    payments) and of the invoices their live applications settle, with the three rates."""

    payments: int
    auto_applied: int = Field(description="applied in full, every live application automatic")
    manually_applied: int = Field(description="applied in full, at least one application manual")
    partly_applied: int = Field(description="0 < applied < amount")
    unapplied: int = Field(description="nothing applied")
    in_review: int = Field(description="a review item open now")
    straight_through: int = Field(
        description="auto_applied, never reviewed, no application ever reversed"
    )
    invoices_settled: int = Field(description="live applications (one per invoice settled)")
    invoices_settled_auto: int = Field(description="those of method auto")
    envelope_auto_rate: str | None = Field(description="auto_applied / payments; " + RATE)
    line_item_auto_rate: str | None = Field(
        description="invoices_settled_auto / invoices_settled; " + RATE
    )
    straight_through_rate: str | None = Field(description="straight_through / payments; " + RATE)


class CashAmounts(Shape):
    """The cash of one currency (never added across currencies)."""

    currency: str
    payments: int
    received: Amount
    applied: Amount
    auto_applied: Amount = Field(description="the amounts of the auto_applied payments")


class CashDay(CashFigures):
    day: Day = Field(description="value date, else booking date")


class CashAccount(CashFigures):
    account: str | None = Field(description="the bank account credited")


class CashKind(CashFigures):
    kind: str = Field(description="wire | ach | check | lockbox | sepa | card | other")


class CashFormat(CashFigures):
    format: str | None = Field(description="of the file that first reported the payment")


class CashCustomer(CashFigures):
    customer_id: str | None = Field(
        description="the customer of the invoices paid, else of the payer's account; "
        "null when not identified"
    )


class CashApplication(Shape):
    """GET /api/v1/reports/cash-application, and `cash_application` of `remit metrics
    --json`: the payments dated since..until, both included."""

    since: Day
    until: Day
    date: str = Field(description="which date puts a payment in the window")
    totals: CashFigures
    amounts: list[CashAmounts]
    by_day: list[CashDay] = Field(description="days with payments, oldest first")
    by_account: list[CashAccount]
    by_kind: list[CashKind]
    by_format: list[CashFormat]
    by_customer: list[CashCustomer] = Field(
        description="the 100 customers with most payments (then by id)"
    )
    customers_total: int = Field(description="customers (null included) with payments")
