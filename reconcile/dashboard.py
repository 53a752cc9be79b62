"""The workbench dashboard's read model: today's files, auto-match rates, cash applied, queue.

Pure read (never writes, never commits). "Today" is a UTC calendar day, the same clock the
timestamps are stored in. Every figure is one aggregate query, so the page stays fast with a
large book and a long queue: nothing here loads rows per payment or per review item.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from core.money import minor_text
from ledger.models import Application, BankEntry, BankFile, BankTransaction, ReviewItem
from reconcile import queue_kinds

FILES_SHOWN = 100  # today's files listed on the page (the count covers all of them)


def day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) in UTC of `days` calendar days ending with `day`."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    return end - timedelta(days=days), end


def dashboard(session: Session, *, today: date) -> dict[str, Any]:
    start, end = day_bounds(today)
    return {
        "today": today.isoformat(),
        "files": _files(session, start, end),
        "files_total": session.scalar(
            select(func.count())
            .select_from(BankFile)
            .where(_between(BankFile.received_at, start, end))
        )
        or 0,
        "auto_match": {
            "today": _auto_match(session, start, end),
            "last_7_days": _auto_match(session, *day_bounds(today, 7)),
        },
        "applied_today": _applied(session, start, end),
        "open_exceptions": _open_exceptions(session),
    }


def _between(column: Any, start: datetime, end: datetime) -> Any:
    return and_(column >= start, column < end)


def _files(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(BankFile)
        .where(_between(BankFile.received_at, start, end))
        .order_by(BankFile.received_at.desc(), BankFile.id.desc())
        .limit(FILES_SHOWN)
    ).all()
    return [
        {
            "id": f.id,
            "name": f.name,
            "format": f.format,
            "status": f.status,
            "source": f.source,
            "received_at": f.received_at.isoformat(),
            "transactions": f.transactions_new,
            "error": f.error,
            "warnings": len(f.warnings or []),
        }
        for f in rows
    ]


def _auto_match(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Credit payments received in the window, and how many the matcher applied on its own.

    Received in the window = first reported by a file received in it (bank_entries.file_id is
    indexed; the files table is small), so the query never scans the whole history. A payment
    counts as auto-applied while it has a live automatic application: one a reviewer undid was
    not a good match. Returns and reversals are not payments and are left out of both counts.
    """
    files = select(BankFile.id).where(_between(BankFile.received_at, start, end))
    # status = 'applied' lets both backends use the partial unique index on live applications.
    auto = exists().where(
        Application.transaction_id == BankTransaction.id,
        Application.status == "applied",
        Application.method == "auto",
    )
    payments, auto_applied = session.execute(
        select(func.count(), func.count().filter(auto))
        .select_from(BankTransaction)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(
            BankEntry.file_id.in_(files),
            BankEntry.direction == "credit",
            BankEntry.reversal.is_(False),
            BankTransaction.return_reason.is_(None),
        )
    ).one()
    rate = None
    if payments:
        # One decimal, exact: Decimal division, not float.
        rate = format(Decimal(100 * auto_applied) / Decimal(payments), ".1f")
    return {"payments": payments, "auto_applied": auto_applied, "rate": rate}


def _applied(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Cash applied today (live applications, auto and manual) per currency, as strings."""
    rows = session.execute(
        select(Application.currency, func.sum(Application.applied_minor), func.count())
        .where(Application.status == "applied", _between(Application.created_at, start, end))
        .group_by(Application.currency)
        .order_by(Application.currency)
    ).all()
    return [
        {
            "currency": currency,
            "amount": minor_text(int(total or 0), currency),
            "applications": count,
        }
        for currency, total, count in rows
    ]


def _open_exceptions(session: Session) -> dict[str, Any]:
    """The AR queue by reason; `other`: open items that are not receivables work (outgoing
    debits, notices, our own payments sent back: reconcile.queue_kinds), counted apart."""
    receivable = queue_kinds.is_receivable()
    rows = session.execute(
        select(ReviewItem.reason, receivable, func.count())
        .join(BankTransaction, BankTransaction.id == ReviewItem.transaction_id)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(ReviewItem.status == "open")
        .group_by(ReviewItem.reason, receivable)
    ).all()
    counts: dict[str, int] = {}
    other = 0
    for reason, is_ar, count in rows:
        if is_ar:
            counts[reason] = counts.get(reason, 0) + count
        else:
            other += count
    by_reason = [{"reason": r, "count": n} for r, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {"total": sum(counts.values()), "by_reason": by_reason, "other": other}
