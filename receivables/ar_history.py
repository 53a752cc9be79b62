"""Reads the ledger into receivables.analytics inputs and builds the AR metrics reports that
`remit metrics`, /api/v1/ar-metrics and the dashboard show. Pure reads: never writes or commits.

History, not today's balances: an invoice's open amount at a date is rebuilt from its amount
and its applications, each dated by the payment's value date (bank_entries.value_date, else
its booking date, else the day the application was made) and undone from the day it was
reversed (reversed_at). What the AR system settled outside remit (an open amount imported
lower than amount - our applications) is dated at the invoice's import day, an adjustment
made here (a dispute credited or written off) at its audit event, so AR today always equals
the sum of today's open amounts. Void invoices are left out.

Currencies are never added up: every figure is per currency. The top level of a report is the
requested currency, else the book's main currency (the one with the most AR at the as-of date;
then most sales, then alphabetical); "by_currency" holds every currency's figures.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from core.money import AmountError, D, minor_text, to_minor
from ledger.models import (
    Application,
    AuditEvent,
    BankEntry,
    BankFile,
    BankTransaction,
    Customer,
    Invoice,
    ReviewItem,
)
from receivables import analytics as A
from receivables.due_dates import effective_due

Metric = Literal["dso", "cei", "match_rate", "review_backlog"]
METRICS: tuple[str, ...] = ("dso", "cei", "match_rate", "review_backlog")
ADJUSTED_ACTION = "invoice.adjusted"
MAX_BUCKETS = 400  # a trend longer than this is a mistake (422), not a long wait
# Dates a report can be about: far enough from date.min/max that period and countback
# arithmetic never overflows (the API answers 422 outside them, the CLI exits 2).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)


def _adjusted_minor(after: Any, currency: str | None) -> int | None:
    """The amount an `invoice.adjusted` audit event took off, in minor units (None: unreadable)."""
    if currency is None or not isinstance(after, dict):
        return None
    try:
        return to_minor(D(str(after.get("write_off"))), currency)
    except (AmountError, ValueError, ArithmeticError):
        return None


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.astimezone(UTC).date()


def load_books(
    session: Session, *, customer: str | None = None, currency: str | None = None
) -> dict[str, A.Book]:
    """One analytics.Book per currency of the (customer's) invoice book."""
    where = [Invoice.status != "void"]
    if customer is not None:
        where.append(Invoice.customer_id == customer)
    if currency is not None:
        where.append(Invoice.currency == currency)
    invoices: dict[str, list[A.InvoiceFact]] = defaultdict(list)
    currency_of: dict[int, str] = {}
    residual: dict[int, tuple[int, date]] = {}
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.customer_id,
            Invoice.currency,
            Invoice.amount_minor,
            Invoice.open_minor,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.terms,
            Invoice.created_at,
            Invoice.number,
        ).where(*where)
    ).all()
    id_of: dict[str, int] = {}
    for id_, cust, ccy, amount, open_, issue, due, terms, created, number in rows:
        id_of[number] = id_
        invoices[ccy].append(
            A.InvoiceFact(id_, cust, amount, issue, effective_due(due, terms, issue) or issue)  # due on receipt
        )
        currency_of[id_] = ccy
        residual[id_] = (amount - open_, max(issue, _day(created) or issue))

    settlements: dict[str, list[A.Settlement]] = defaultdict(list)
    apps = session.execute(
        select(
            Application.invoice_id,
            Application.applied_minor + Application.discount_minor + Application.write_off_minor,
            Application.status,
            Application.created_at,
            Application.reversed_at,
            BankEntry.value_date,
            BankEntry.booking_date,
        )
        .join(Invoice, Invoice.id == Application.invoice_id)
        .join(BankTransaction, BankTransaction.id == Application.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(*where)
    ).all()
    for invoice_id, settled, status, created, reversed_at, value_date, booking_date in apps:
        on = value_date or booking_date or _day(created)
        if on is None:  # created_at is NOT NULL: never, but no guess either
            continue
        reversed_on = _day(reversed_at) if status == "reversed" else None
        if status == "reversed" and reversed_on is None:
            reversed_on = on  # reversed without a timestamp: it never counted
        settlements[currency_of[invoice_id]].append(
            A.Settlement(invoice_id, int(settled), on, reversed_on)
        )
        if status == "applied":
            left, when = residual[invoice_id]
            residual[invoice_id] = (left - int(settled), when)
    # Adjustments made in remit without an application (a dispute resolved as credit or
    # write-off: receivables.disputes.adjust_invoice) are dated by their audit event.
    adjusted = session.execute(
        select(AuditEvent.entity_id, AuditEvent.at, AuditEvent.after).where(
            AuditEvent.action == ADJUSTED_ACTION, AuditEvent.entity_type == "invoice"
        )
    ).all()
    for number, at, after in adjusted:
        invoice_id = id_of.get(number)
        minor = _adjusted_minor(after, currency_of.get(invoice_id or 0))
        if invoice_id is None or minor is None or at is None:
            continue
        left, when = residual[invoice_id]
        residual[invoice_id] = (left - minor, when)
        settlements[currency_of[invoice_id]].append(
            A.Settlement(invoice_id, minor, _day(at) or when)
        )
    for invoice_id, (left, when) in residual.items():
        if left:  # settled (or reopened, if negative) outside remit
            settlements[currency_of[invoice_id]].append(A.Settlement(invoice_id, left, when))
    return {ccy: A.Book(invoices[ccy], settlements[ccy]) for ccy in sorted(invoices)}


def main_currency(books: dict[str, A.Book], as_of: date, period_days: int) -> str | None:
    if not books:
        return None
    start = as_of - timedelta(days=period_days - 1)
    return min(books, key=lambda c: (-books[c].ar_at(as_of), -books[c].sales(start, as_of), c))


# -- reports ---------------------------------------------------------------------------------



def figures_json(f: A.Figures, currency: str | None) -> dict[str, Any]:
    return {
        "currency": currency,
        "ar_total": minor_text(f.end_ar, currency),
        "begin_ar": minor_text(f.begin_ar, currency),
        "current_ar": minor_text(f.current_ar, currency),
        "sales": minor_text(f.sales, currency),
        "dso": A.days(f.dso),
        "dso_countback": A.days(f.dso_countback),
        "best_possible_dso": A.days(f.best_possible_dso),
        "add": A.days(f.add),
        "cei": A.percent(f.cei),
        "turnover": A.ratio(f.turnover),
        "average_collection_period": A.days(f.average_collection_period),
        "aging": {b: minor_text(f.aging[b], currency) for b in A.BUCKETS},
    }


def metrics_report(
    session: Session,
    *,
    as_of: date,
    period_days: int = 90,
    customer: str | None = None,
    currency: str | None = None,
    books: dict[str, A.Book] | None = None,
) -> dict[str, Any]:
    """DESIGN.md §6 `remit metrics --json`, plus currency, customer and by_currency.
    `books`: already loaded with the same customer and currency (load_books)."""
    if books is None:
        books = load_books(session, customer=customer, currency=currency)
    main = currency or main_currency(books, as_of, period_days)
    by_currency = {c: figures_json(b.figures(as_of, period_days), c) for c, b in books.items()}
    top = by_currency.get(main) if main else None
    if top is None:  # nothing in that currency (or an empty book): zeros and nulls
        top = figures_json(A.Book([], []).figures(as_of, period_days), main)
    return {
        "as_of": as_of.isoformat(),
        "period_days": period_days,
        "customer": customer,
        **top,
        "by_currency": by_currency,
    }


def aging_report(
    session: Session,
    *,
    as_of: date,
    currency: str | None = None,
    customer: str | None = None,
    books: dict[str, A.Book] | None = None,
) -> dict[str, Any]:
    """Aging totals of one currency and one row per customer with AR, largest AR first."""
    if books is None:
        books = load_books(session, customer=customer, currency=currency)
    main = currency or main_currency(books, as_of, 90)
    book = books.get(main) if main else None
    per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(A.BUCKETS, 0))
    if book is not None:
        for invoice in book.open_by(as_of):
            open_ = book.open_at(invoice, as_of)
            if open_:
                bucket = A.aging_bucket((as_of - invoice.due_date).days)
                per[invoice.customer_id][bucket] += open_
    names = (
        dict(
            session.execute(
                select(Customer.id, Customer.name).where(Customer.id.in_(list(per)))
            ).all()
        )
        if per
        else {}
    )
    ordered = sorted(per.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    totals = dict.fromkeys(A.BUCKETS, 0)
    rows = []
    for position, (cust, amounts) in enumerate(ordered, start=1):
        for b in A.BUCKETS:
            totals[b] += amounts[b]
        rows.append(
            {
                "position": position,
                "customer_id": cust,
                "customer_name": names.get(cust),
                "total": minor_text(sum(amounts.values()), main),
                **{b: minor_text(amounts[b], main) for b in A.BUCKETS},
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "currency": main,
        "currencies": sorted(books),
        "total": minor_text(sum(totals.values()), main),
        "buckets": [{"bucket": b, "amount": minor_text(totals[b], main)} for b in A.BUCKETS],
        "customers": rows,
    }


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def _payments(session: Session, first: date, last: date) -> list[tuple[date, bool]]:
    """Credit payments dated first..last (value, booking, else file-received date): auto?"""
    auto = exists().where(
        Application.transaction_id == BankTransaction.id,
        Application.status == "applied",
        Application.method == "auto",
    )
    on = func.coalesce(BankEntry.value_date, BankEntry.booking_date)
    rows = session.execute(
        select(BankEntry.value_date, BankEntry.booking_date, BankFile.received_at, auto)
        .select_from(BankTransaction)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .join(BankFile, BankFile.id == BankEntry.file_id)
        .where(
            BankEntry.direction == "credit",
            BankEntry.reversal.is_(False),
            BankTransaction.return_reason.is_(None),
            # Undated entries are filtered in Python (their file's day).
            (on.is_(None)) | and_(on >= first, on <= last),
        )
    ).all()
    out = []
    for value_date, booking_date, received_at, is_auto in rows:
        day = value_date or booking_date or _day(received_at)
        if day is not None and first <= day <= last:
            out.append((day, bool(is_auto)))
    return out


def trend(
    session: Session,
    *,
    metric: str,
    first: date,
    last: date,
    step: A.Step,
    currency: str | None = None,
    customer: str | None = None,
    books: dict[str, A.Book] | None = None,
) -> dict[str, Any]:
    """One point per calendar bucket (day/week/month) of first..last.

    dso/cei: the bucket is the period (as of its last day, over its days). match_rate: credit
    payments dated in the bucket and the share auto-applied. review_backlog: review items open
    at the end of the bucket's last day.
    """
    # Estimated before the calendar is built: a century of days is refused, not computed.
    per = {"day": 1, "week": 7, "month": 28}[step]
    if (last - first).days // per > MAX_BUCKETS + 1:
        raise ValueError(f"at most {MAX_BUCKETS} points: use a longer step or a shorter range")
    spans = A.buckets(first, last, step)
    if len(spans) > MAX_BUCKETS:
        raise ValueError(f"at most {MAX_BUCKETS} points: use a longer step or a shorter range")
    points: list[dict[str, Any]] = []
    out: dict[str, Any] = {
        "metric": metric,
        "step": step,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "currency": None,
        "points": points,
    }
    if metric in ("dso", "cei"):
        if books is None:
            books = load_books(session, customer=customer, currency=currency)
        main = currency or main_currency(books, last, 90)
        out["currency"] = main
        book = books.get(main) if main else None
        for start, end in spans:
            f = (book or A.Book([], [])).figures(end, (end - start).days + 1)
            value = A.days(f.dso) if metric == "dso" else A.percent(f.cei)
            points.append(
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "value": value,
                    "ar": minor_text(f.end_ar, main),
                    "sales": minor_text(f.sales, main),
                }
            )
    elif metric == "match_rate":
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        starts = [s for s, _ in spans]
        for day, is_auto in _payments(session, first, last):
            c = counts[bisect_right(starts, day) - 1]
            c[0] += 1
            c[1] += int(is_auto)
        for i, (start, end) in enumerate(spans):
            payments, auto = counts.get(i, (0, 0))
            points.append(
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "value": A.percent(A.match_rate(payments, auto)),
                    "payments": payments,
                    "auto_applied": auto,
                }
            )
    elif metric == "review_backlog":
        rows = session.execute(
            select(ReviewItem.created_at, ReviewItem.resolved_at, ReviewItem.status).where(
                ReviewItem.created_at < _end_of(last)
            )
        ).all()
        # Closed without a timestamp: counted as closed when it was opened.
        items = [(c, None if st == "open" else (r or c)) for c, r, st in rows]
        for start, end in spans:
            open_ = A.review_backlog(items, _end_of(end))
            points.append(
                {"start": start.isoformat(), "end": end.isoformat(), "value": open_, "open": open_}
            )
    else:
        raise ValueError(f"unknown metric {metric!r}: one of {', '.join(METRICS)}")
    return out


# Rows of each table behind a chart, for CSV (amounts as plain decimal text).
def aging_csv_rows(report: dict[str, Any]) -> list[list[str]]:
    rows = [["customer_id", "customer_name", "currency", "total", *A.BUCKETS]]
    for r in report["customers"]:
        rows.append(
            [r["customer_id"], r["customer_name"] or "", report["currency"] or "", r["total"]]
            + [r[b] for b in A.BUCKETS]
        )
    return rows


def aging_bucket_csv_rows(report: dict[str, Any]) -> list[list[str]]:
    return [["bucket", "currency", "amount"]] + [
        [b["bucket"], report["currency"] or "", b["amount"]] for b in report["buckets"]
    ]


def trend_csv_rows(report: dict[str, Any]) -> list[list[str]]:
    points = report["points"]
    extra = [k for k in (points[0] if points else {}) if k not in ("start", "end", "value")]
    rows = [["start", "end", report["metric"], *extra]]
    for p in points:
        rows.append(
            [p["start"], p["end"], "" if p["value"] is None else str(p["value"])]
            + [str(p[k]) for k in extra]
        )
    return rows


def metrics_csv_rows(report: dict[str, Any]) -> list[list[str]]:
    keys = (
        "ar_total",
        "begin_ar",
        "current_ar",
        "sales",
        "dso",
        "dso_countback",
        "best_possible_dso",
        "add",
        "cei",
        "turnover",
        "average_collection_period",
    )
    rows = [["as_of", "period_days", "currency", *keys, *A.BUCKETS]]
    for ccy, f in report["by_currency"].items():
        rows.append(
            [report["as_of"], str(report["period_days"]), ccy]
            + ["" if f[k] is None else f[k] for k in keys]
            + [f["aging"][b] for b in A.BUCKETS]
        )
    return rows


def today() -> date:
    return datetime.now(UTC).date()
