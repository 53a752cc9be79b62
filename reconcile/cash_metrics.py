"""Cash-application analytics: how much of the incoming cash remit applied on its own.

Pure read (never writes, never commits), in SQL aggregates: one statement whose facts CTE has
one row per payment of the window (its applications and review items grouped once per
payment, through ix_applications_transaction and ix_review_items_transaction) and whose
UNION ALL branches GROUP BY each breakdown. Nothing here loops over payments in Python.
There is no index on the entry dates (value_date, booking_date): the window is a scan of
bank_entries, whose filter is written as two plain ranges so that such an index would serve.

Definitions (README, "Cash-application analytics"):
- Window: `since`..`until`, default the 30 days ending today (UTC). Dated by the
  payment's **value date** (bank_entries.value_date), else its booking date,
  between `since` and `until`, both included. An entry with neither date is in no window.
- Matchable payment: a bank transaction of a credit entry that is not a return or reversal
  (no return reason, entry not flagged reversal) and whose match status is not `ignored`
  nor `returned` (the bank took the cash back). Debits are never payments.
- Envelope auto (`auto_applied`): a matchable payment with at least one live application,
  all of its live applications of method `auto`, and applied amount == its amount.
  `manually_applied`: applied in full, at least one live application `manual`.
  `partly_applied`: 0 < applied < amount. `unapplied`: nothing applied (in review,
  unmatched, or without an amount of its own). The four add up to `payments`.
  `in_review`: payments with a review item open now (any outcome; usually unapplied).
- Line item: one live application = one invoice settled (in full or in part) by a matchable
  payment of the window. `invoices_settled` counts them, `invoices_settled_auto` those of
  method `auto`, whatever the payment's envelope outcome.
- Straight-through (`straight_through`): envelope auto, no review item ever opened for the
  payment (any status), and none of its applications ever reversed (an undo is a touch).
- Rates: percent as decimal text with one decimal, rounded half-up, null when the
  denominator is 0, always next to the integer counts they come from:
  envelope_auto_rate = auto_applied / payments, line_item_auto_rate = invoices_settled_auto /
  invoices_settled, straight_through_rate = straight_through / payments.
- Breakdowns, each row with the same counts and rates: by_day (days with payments, oldest
  first), by_account (the bank account credited), by_kind (wire, ach, check, lockbox, sepa,
  card, other), by_format (of the file that first reported the entry), by_customer (the
  customer of the invoices the payment was applied to, the smallest id if several; else the
  customer its payer account is known for; null when not identified; the CUSTOMERS_SHOWN
  with most payments, then by id). Amounts per currency (never added across currencies), as
  decimal strings: received (sum of payment amounts), applied (cash applied), auto_applied
  (amounts of envelope-auto payments).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.money import minor_text
from ledger.models import (
    Application,
    BankEntry,
    BankFile,
    BankTransaction,
    CustomerAccount,
    Invoice,
    ReviewItem,
)

CUSTOMERS_SHOWN = 100
DEFAULT_DAYS = 30  # the window when only its end (or nothing) is given
MAX_DAYS = 3660  # a longer window is refused: ten years is already every payment ever
# (breakdown key in the answer, the row's key naming the group)
BREAKDOWNS = (
    ("by_day", "day"),
    ("by_account", "account"),
    ("by_kind", "kind"),
    ("by_format", "format"),
    ("by_customer", "customer_id"),
)
COUNTS = (
    "payments",
    "auto_applied",
    "manually_applied",
    "partly_applied",
    "unapplied",
    "in_review",
    "straight_through",
    "invoices_settled",
    "invoices_settled_auto",
)
_TENTH = Decimal("0.1")


def rate(part: int, whole: int) -> str | None:
    """part / whole in percent, one decimal half-up, as text; None when whole is 0."""
    if not whole:
        return None
    return str((Decimal(100 * part) / Decimal(whole)).quantize(_TENTH, rounding=ROUND_HALF_UP))


def window(since: date | None, until: date | None, *, today: date) -> tuple[date, date]:
    """The window asked for: `until` (default today) and `since` (default the DEFAULT_DAYS
    days ending with `until`), both included. ValueError when it is backwards or too long."""
    last = until or today
    try:
        first = since or last - timedelta(days=DEFAULT_DAYS - 1)
    except OverflowError:  # until in the first days of year 1
        raise ValueError(f"until {last} leaves no {DEFAULT_DAYS} days before it") from None
    if first > last:
        raise ValueError(f"since {first} is after until {last}")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError(f"the window since..until is longer than {MAX_DAYS} days")
    return first, last


def _in_window(since: date, until: date) -> ColumnElement[bool]:
    # Two plain ranges rather than coalesce(): an index on either date column can serve them.
    return or_(
        and_(BankEntry.value_date >= since, BankEntry.value_date <= until),
        and_(
            BankEntry.value_date.is_(None),
            BankEntry.booking_date >= since,
            BankEntry.booking_date <= until,
        ),
    )


def _matchable(since: date, until: date) -> list[ColumnElement[bool]]:
    return [
        BankEntry.direction == "credit",
        BankEntry.reversal.is_(False),
        BankTransaction.return_reason.is_(None),
        BankTransaction.match_status.not_in(("ignored", "returned")),
        _in_window(since, until),
    ]


def _facts(since: date, until: date) -> Any:
    """One row per matchable payment of the window, with its raw figures (a CTE).

    A payment's applications and review items are aggregated once per payment by joins to
    two grouped subqueries restricted to the window's payments (the ids reach them through
    ix_applications_transaction and ix_review_items_transaction), rather than by a
    correlated subquery per figure: one pass over each table's rows of the window."""
    tx = BankTransaction
    ids = (
        select(tx.id)
        .join(BankEntry, BankEntry.id == tx.entry_id)
        .where(*_matchable(since, until))
    )
    live = Application.status == "applied"
    apps = (
        select(
            Application.transaction_id.label("tx_id"),
            func.sum(case((live, 1), else_=0)).label("n_live"),
            func.sum(case((and_(live, Application.method == "auto"), 1), else_=0)).label("n_auto"),
            func.sum(case((Application.status == "reversed", 1), else_=0)).label("n_undone"),
            func.min(case((live, Invoice.customer_id))).label("paid_customer"),
        )
        .join(Invoice, Invoice.id == Application.invoice_id)
        .where(Application.transaction_id.in_(ids))
        .group_by(Application.transaction_id)
        .subquery("apps")
    )
    reviews = (
        select(
            ReviewItem.transaction_id.label("tx_id"),
            func.max(case((ReviewItem.status == "open", 1), else_=0)).label("open_now"),
        )
        .where(ReviewItem.transaction_id.in_(ids))
        .group_by(ReviewItem.transaction_id)
        .subquery("reviews")
    )
    payer_customer = (
        select(CustomerAccount.customer_id)
        .where(CustomerAccount.account == tx.counterparty_account)
        .scalar_subquery()
    )
    return (
        select(
            cast(func.coalesce(BankEntry.value_date, BankEntry.booking_date), String).label("day"),
            BankEntry.account.label("account"),
            BankEntry.kind.label("kind"),
            BankFile.format.label("format"),
            # The payer's known account only when no invoice names the customer.
            func.coalesce(apps.c.paid_customer, payer_customer).label("customer_id"),
            func.coalesce(tx.currency, BankEntry.currency).label("currency"),
            tx.amount_minor.label("amount"),
            tx.applied_minor.label("applied"),
            func.coalesce(reviews.c.open_now, 0).label("review_now"),
            func.coalesce(apps.c.n_live, 0).label("n_live"),
            func.coalesce(apps.c.n_auto, 0).label("n_auto"),
            case((reviews.c.tx_id.is_(None), 0), else_=1).label("reviewed"),
            case((func.coalesce(apps.c.n_undone, 0) > 0, 1), else_=0).label("undone"),
        )
        .select_from(tx)
        .join(BankEntry, BankEntry.id == tx.entry_id)
        .join(BankFile, BankFile.id == BankEntry.file_id)
        .outerjoin(apps, apps.c.tx_id == tx.id)
        .outerjoin(reviews, reviews.c.tx_id == tx.id)
        .where(*_matchable(since, until))
        .cte("facts")
    )


def _aggregates(f: Any) -> list[Any]:
    full = and_(f.c.n_live > 0, f.c.amount.is_not(None), f.c.applied == f.c.amount)
    auto = and_(full, f.c.n_auto == f.c.n_live)

    def count(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def total(col: Any) -> Any:
        return func.coalesce(func.sum(col), 0)

    return [
        func.count().label("payments"),
        count(auto).label("auto_applied"),
        count(and_(full, f.c.n_auto < f.c.n_live)).label("manually_applied"),
        count(and_(f.c.applied > 0, ~full)).label("partly_applied"),
        count(f.c.applied == 0).label("unapplied"),
        total(f.c.review_now).label("in_review"),
        count(and_(auto, f.c.reviewed == 0, f.c.undone == 0)).label("straight_through"),
        total(f.c.n_live).label("invoices_settled"),
        total(f.c.n_auto).label("invoices_settled_auto"),
        total(f.c.amount).label("received_minor"),
        total(f.c.applied).label("applied_minor"),
        total(case((auto, f.c.amount), else_=0)).label("auto_minor"),
    ]


def _figures(counts: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {k: int(counts.get(k) or 0) for k in COUNTS}
    out["envelope_auto_rate"] = rate(out["auto_applied"], out["payments"])
    out["line_item_auto_rate"] = rate(out["invoices_settled_auto"], out["invoices_settled"])
    out["straight_through_rate"] = rate(out["straight_through"], out["payments"])
    return out


def cash_application(session: Session, *, since: date, until: date) -> dict[str, Any]:
    """The cash-application figures of the payments dated since..until (module docstring)."""
    f = _facts(since, until)
    aggs = _aggregates(f)
    groups: list[tuple[str, Any]] = [("total", literal(None, String)), ("currency", f.c.currency)]
    groups += [(name, getattr(f.c, key)) for name, key in BREAKDOWNS]
    branches = []
    for name, key in groups:
        branch = select(literal(name).label("breakdown"), cast(key, String).label("key"), *aggs)
        branches.append(branch if name == "total" else branch.group_by(key))
    rows = session.execute(union_all(*branches)).mappings().all()
    out: dict[str, Any] = {"since": since.isoformat(), "until": until.isoformat(),
                           "date": "value_date, else booking_date", "totals": None,
                           "amounts": []}
    out.update({name: [] for name, _ in BREAKDOWNS})
    keys = dict(BREAKDOWNS)
    for row in rows:
        name = row["breakdown"]
        if name == "total":
            out["totals"] = _figures(row)
        elif name == "currency":
            ccy = row["key"]
            out["amounts"].append({
                "currency": ccy,
                "payments": int(row["payments"]),
                "received": minor_text(int(row["received_minor"]), ccy),
                "applied": minor_text(int(row["applied_minor"]), ccy),
                "auto_applied": minor_text(int(row["auto_minor"]), ccy),
            })
        else:
            out[name].append({keys[name]: row["key"], **_figures(row)})
    out["amounts"].sort(key=lambda a: a["currency"] or "")
    for name in ("by_day", "by_account", "by_kind", "by_format"):
        out[name].sort(key=lambda r, k=keys[name]: (r[k] is None, r[k] or ""))
    # Most payments first: the busiest customers are the ones a buyer asks about.
    customers = sorted(
        out["by_customer"],
        key=lambda r: (-r["payments"], r["customer_id"] is None, r["customer_id"] or ""),
    )
    out["by_customer"] = customers[:CUSTOMERS_SHOWN]
    out["customers_total"] = len(customers)
    return out
