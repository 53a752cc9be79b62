"""The cash headline, per currency (never summed across currencies): what came in from
customers and where it went. Pure read, aggregate queries only.

For each currency of the booked bank entries:
- received: customer payments (booked credits that are not a return or reversal), count and
  amount, including those the bank later took back;
- applied_auto / applied_manual: payments with live applications, all automatic / at least one
  by hand, and the cash applied (discounts and write-offs are not cash, shown apart);
- on_account: what applied payments left unapplied (over-payments);
- in_review: payments not applied, waiting in the AR queue (their amount);
- returned: payments the bank took back (returns and reversals undid them);
- unmatched: payments no run has looked at yet;
- not_receivable: bookings that are no receivables work, for treasury (outgoing debits, our own
  payments sent back: reconcile.queue_kinds); a customer's payment returned counts under returned.
received = applied_auto + applied_manual (cash) + on_account + in_review + returned + unmatched.
`auto_rate`: applied_auto / (received - returned) payments, percent with one decimal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.orm import Session

from core.money import minor_text
from ledger.models import Application, BankEntry, BankTransaction
from reconcile import queue_kinds
from reconcile.postings import IS_RETURN


def _apps() -> Any:
    """Per payment: live applications, how many by hand, cash applied, discount, write-off."""
    live = Application.status == "applied"
    return (
        select(
            Application.transaction_id.label("tx"),
            func.count().label("n"),
            func.sum(case((Application.method != "auto", 1), else_=0)).label("manual"),
            func.sum(Application.applied_minor).label("applied"),
            func.sum(Application.discount_minor).label("discount"),
            func.sum(Application.write_off_minor).label("write_off"),
        )
        .where(live)
        .group_by(Application.transaction_id)
        .subquery()
    )


def headline(session: Session) -> list[dict[str, Any]]:
    """One row per currency, ordered by currency; amounts as decimal strings."""
    t, e = BankTransaction, BankEntry
    a = _apps()
    ccy = func.coalesce(t.currency, e.currency).label("currency")
    amount = func.coalesce(t.amount_minor, 0)
    payment = and_(e.direction == "credit", not_(IS_RETURN))
    applied = and_(func.coalesce(a.c.n, 0) > 0, t.match_status != "returned")
    auto = and_(applied, func.coalesce(a.c.manual, 0) == 0)
    manual = and_(applied, a.c.manual > 0)

    def n(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    def total(cond: Any, value: Any = amount) -> Any:
        return func.sum(case((cond, value), else_=0))

    rows = session.execute(
        select(
            ccy,
            n(payment), total(payment),
            n(and_(payment, auto)), total(and_(payment, auto), a.c.applied),
            n(and_(payment, manual)), total(and_(payment, manual), a.c.applied),
            total(and_(payment, applied), a.c.discount), total(and_(payment, applied), a.c.write_off),
            total(and_(payment, applied), amount - func.coalesce(a.c.applied, 0)),
            n(and_(payment, t.match_status == "review", not_(applied))),
            total(and_(payment, t.match_status == "review", not_(applied)), amount - t.applied_minor),
            n(and_(payment, t.match_status == "returned")), total(and_(payment, t.match_status == "returned")),
            n(and_(payment, t.match_status.in_(("unmatched", "ignored")), not_(applied))),
            total(and_(payment, t.match_status.in_(("unmatched", "ignored")), not_(applied))),
            n(not_(queue_kinds.is_receivable())), total(not_(queue_kinds.is_receivable())),
        )
        .select_from(t)
        .join(e, e.id == t.entry_id)
        .outerjoin(a, a.c.tx == t.id)
        .where(e.status == "booked")
        .group_by(ccy)
        .order_by(ccy)
    ).all()
    out = []
    for row in rows:
        currency = row[0]
        v = [int(x or 0) for x in row[1:]]
        money = lambda minor: minor_text(minor, currency)  # noqa: E731
        out.append({
            "currency": currency,
            "received": {"payments": v[0], "amount": money(v[1])},
            "applied_auto": {"payments": v[2], "amount": money(v[3])},
            "applied_manual": {"payments": v[4], "amount": money(v[5])},
            "discounts": money(v[6]),
            "written_off": money(v[7]),
            "on_account": money(v[8]),
            "in_review": {"payments": v[9], "amount": money(v[10])},
            "returned": {"payments": v[11], "amount": money(v[12])},
            "unmatched": {"payments": v[13], "amount": money(v[14])},
            "not_receivable": {"bookings": v[15], "amount": money(v[16])},
            "auto_rate": _rate(v[2], v[0] - v[11]),
        })
    return out


def _rate(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    return format((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")
