"""The review queue as a reviewer filters and sorts it: one query for the API's list, the
workbench's queue and its totals (reconcile.views.exceptions reads through here).

Filters are plain column comparisons (amounts per currency exponent, reconcile.amount_filters);
the default order is the oldest item first, paged by review item id (a stable cursor);
the other orders page by offset. Totals are per currency: amounts in different currencies are
never added together. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, Select, case, cast, func, or_, select
from sqlalchemy.orm import Session

from core.errors import Invalid
from core.money import non_default_exponents
from ledger.models import BankEntry, BankTransaction, ReviewItem
from reconcile import queue_kinds
from reconcile.amount_filters import amount_at_least, amount_at_most
from reconcile.view_rows import amount_text, candidate_json, iso

NOBODY = "-"  # the assignee filter's "assigned to nobody"

# sort key -> what the rows are ordered by (then by review item id); "-" reverses.
SORTS = ("age", "-age", "amount", "-amount", "date", "-date", "reason")
DEFAULT_SORT = "age"  # oldest first: review item id order, the keyset cursor's

_T, _E, _R = BankTransaction, BankEntry, ReviewItem
_CURRENCY = func.coalesce(_T.currency, _E.currency)
_DAY = func.coalesce(_E.value_date, _E.booking_date)
_UNAPPLIED = func.coalesce(_T.amount_minor, 0) - _T.applied_minor


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the queue is narrowed to; None (or blank) is no filter."""

    reason: str | None = None
    currency: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    date_from: date | None = None  # value date (else booking date), inclusive
    date_to: date | None = None
    account: str | None = None  # part of the bank account the payment was booked on
    assignee: str | None = None  # exactly; NOBODY: unassigned
    payer: str | None = None  # part of the payer's name or account
    has_unapplied: bool | None = None  # some of the payment is not on an invoice (or all is)
    min_unapplied: Decimal | None = None
    # receivable (the AR queue), other (outgoing debits, notices, our own payments sent back)
    # or all: reconcile.queue_kinds
    kind: str | None = queue_kinds.RECEIVABLE

    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "") for f in fields(self) if f.name != "kind") \
            or self.kind not in (None, queue_kinds.RECEIVABLE)


def _normalized_amount() -> ColumnElement[Any]:
    """Minor units brought to one scale (4 decimals), so JPY and EUR amounts sort together."""
    by_exp: dict[int, list[str]] = {}
    for code, exp in non_default_exponents().items():
        by_exp.setdefault(exp, []).append(code)
    factor = case(
        *((_CURRENCY.in_(codes), 10 ** (4 - exp)) for exp, codes in sorted(by_exp.items())),
        else_=100,
    )
    return cast(_T.amount_minor, Numeric(38, 0)) * factor


def _order(sort: str) -> list[ColumnElement[Any]]:
    if sort not in SORTS:
        raise Invalid(f"unknown sort {sort!r}: one of {', '.join(SORTS)}")
    key = sort.lstrip("-")
    column: ColumnElement[Any] = {
        "age": _R.id,
        "amount": _normalized_amount(),
        "date": _DAY,
        "reason": _R.reason,
    }[key]
    if key == "age":
        return [_R.id.desc() if sort.startswith("-") else _R.id]
    primary = column.desc() if sort.startswith("-") else column.asc()
    return [primary.nulls_last(), _R.id]


def _conditions(f: QueueFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_R.status == "open"]
    if f.reason:
        where.append(_R.reason == f.reason)
    if f.currency:
        where.append(_CURRENCY == f.currency.strip().upper())
    if f.amount_min is not None:
        where.append(amount_at_least(_T.amount_minor, _CURRENCY, f.amount_min))
    if f.amount_max is not None:
        where.append(amount_at_most(_T.amount_minor, _CURRENCY, f.amount_max))
    if f.date_from is not None:
        where.append(_DAY >= f.date_from)
    if f.date_to is not None:
        where.append(_DAY <= f.date_to)
    if f.account and f.account.strip():
        where.append(_E.account.icontains(f.account.strip(), autoescape=True))
    if f.assignee == NOBODY:
        where.append(_R.assignee.is_(None))
    elif f.assignee:
        where.append(_R.assignee == f.assignee)
    if f.payer and f.payer.strip():
        payer = f.payer.strip()
        where.append(or_(_T.counterparty_name.icontains(payer, autoescape=True),
                         _T.counterparty_account.icontains(payer, autoescape=True)))
    where += unapplied_conditions(_T, f.has_unapplied, f.min_unapplied, _CURRENCY)
    if (kind := queue_kinds.clause(f.kind)) is not None:
        where.append(kind)
    return where


def unapplied_conditions(
    t: type[BankTransaction], has_unapplied: bool | None, min_unapplied: Decimal | None,
    currency: ColumnElement[Any],
) -> list[ColumnElement[bool]]:
    """The payment list's and the queue's unapplied filters: `has_unapplied` true, some of the
    payment is on no invoice (false: all of it is applied); `min_unapplied`: at least this much
    is not applied, in the payment's currency."""
    unapplied = func.coalesce(t.amount_minor, 0) - t.applied_minor
    where: list[ColumnElement[bool]] = []
    if has_unapplied is not None:
        where.append(unapplied > 0 if has_unapplied else unapplied <= 0)
    if min_unapplied is not None:
        where.append(amount_at_least(unapplied, currency, min_unapplied))
    return where


def _base(columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(_R)
        .join(_T, _T.id == _R.transaction_id)
        .join(_E, _E.id == _T.entry_id)
    )


def items(
    session: Session,
    f: QueueFilter = QueueFilter(),
    *,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
    after_id: int | None = None,
    offset: int = 0,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Open review items with their payments, filtered and sorted. `after_id` (the last
    review id seen) pages the default order; `offset` pages any order.

    age_days: whole days since the item was opened, as of `today` (UTC today by default).
    """
    today = today or datetime.now(UTC).date()
    query = _base((_R, _T, _E)).where(*_conditions(f)).order_by(*_order(sort))
    if after_id is not None:
        query = query.where(_R.id < after_id if sort == "-age" else _R.id > after_id)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_row(r, tx, entry, today) for r, tx, entry in session.execute(query).all()]


def _row(r: ReviewItem, tx: BankTransaction, entry: BankEntry, today: date) -> dict[str, Any]:
    currency = tx.currency or entry.currency
    unapplied = None if tx.amount_minor is None else tx.amount_minor - tx.applied_minor
    kind, kind_note = queue_kinds.kind_of((r, tx, entry))
    return {
        "review_id": r.id,
        "transaction_id": tx.id,
        "bank_reference": entry.bank_reference,
        "end_to_end_id": tx.end_to_end_id,
        "amount": amount_text(tx.amount_minor, currency),
        "unapplied_amount": amount_text(unapplied, currency),
        "currency": currency,
        "payer": tx.counterparty_name,
        "payer_account": tx.counterparty_account,
        "account": entry.account,
        "file_id": entry.file_id,
        "value_date": iso(entry.value_date or entry.booking_date),
        "remittance": tx.remittance,
        "reason": r.reason,
        "explanation": r.explanation,
        "candidates": [candidate_json(c) for c in r.candidates],
        "created_at": r.created_at.isoformat(),
        "assignee": r.assignee,
        "age_days": max(0, (today - r.created_at.date()).days),
        "version": tx.version,
        "kind": kind,
        "kind_note": kind_note,
    }


def totals(session: Session, f: QueueFilter = QueueFilter()) -> list[dict[str, Any]]:
    """Per currency (alphabetical): how many items the filter holds, their amount and the part
    not applied. Over every page of the filter, not the page shown."""
    query = (
        _base((_CURRENCY, func.count(_R.id), func.sum(_T.amount_minor), func.sum(_UNAPPLIED)))
        .where(*_conditions(f))
        .group_by(_CURRENCY)
        .order_by(_CURRENCY)
    )
    return [
        {
            "currency": currency,
            "count": int(count),
            "amount": amount_text(int(amount or 0), currency),
            "unapplied_amount": amount_text(int(unapplied or 0), currency),
        }
        for currency, count, amount, unapplied in session.execute(query).all()
    ]


def assignees(session: Session) -> list[str]:
    """Everyone open items are assigned to now (for the filter's choices)."""
    return list(session.scalars(
        select(_R.assignee).where(_R.status == "open", _R.assignee.is_not(None))
        .distinct().order_by(_R.assignee)
    ))


def currencies(session: Session) -> list[str]:
    """The currencies of open items (for the filter's choices)."""
    return [c for c in session.scalars(
        _base((_CURRENCY,)).where(_R.status == "open").distinct().order_by(_CURRENCY)
    ) if c]
