"""Every change to cash, built in memory against locked balances and written in sets.

A `Postings` batch is how money moves in remit: a matching run (thousands of payments, one
flush) and a reviewer's action (one payment) both go through it, so the checks and the rows
written are the same whoever applies the cash:

  - applications (new, or marked reversed — never deleted),
  - the invoices' open, discount and written-off amounts and status,
  - the payments' applied total, match status and version (+1 per flush that touches one),
  - review items (opened, refreshed, closed),
  - one audit event per change and one outbox event per invoice change (ledger/events.py).

The caller locks the rows first — payments, then invoices, each ordered by id
(`lock_payments`, `lock_invoices`) — and the batch checks each change against the running
balances of those locked rows: a change that would break an invariant (applied ≤ payment,
0 ≤ open, one live application per payment and invoice, credits that are booked and not
returned) raises ApplicationError and records nothing. The schema checks them again.
Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, any_, bindparam, cast, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from core.errors import Conflict
from core.money import format_amount, minor_text, to_minor
from ledger import bulk, events, invoice_status
from ledger.models import (
    Application,
    AuditEvent,
    BankEntry,
    BankTransaction,
    Invoice,
    InvoiceEvent,
    ReviewItem,
    column_length,
)
from ledger.types import utc_now
from ledger.write_behind import WriteBehind
from reconcile.model import Allocation, Candidate

CHUNK = 1000  # ids per IN (...) on SQLite; PostgreSQL takes one array
_REASON_MAX = column_length(Application.write_off_reason)


class ApplicationError(Conflict):
    """An application that would break an invariant (over-application, negative open, ...)."""


# -- locked state --------------------------------------------------------------------------


@dataclass(slots=True)
class PaymentState:
    """A locked bank transaction as a change sees it; updated as the batch records changes."""

    id: int
    version: int
    match_status: str
    amount_minor: int | None
    applied_minor: int
    currency: str
    direction: str
    entry_status: str
    is_return: bool
    review_id: int | None  # its open review item
    changed: bool = False


@dataclass(slots=True)
class InvoiceState:
    """A locked invoice with its running balances (same attribute names as the model, so the
    outbox's event rows read it as they read an Invoice)."""

    id: int
    number: str
    customer_id: str
    currency: str
    amount_minor: int
    open_minor: int
    discount_minor: int
    written_off_minor: int
    status: str
    changed: bool = False


@dataclass(frozen=True, slots=True)
class LiveApplication:
    id: int
    transaction_id: int
    invoice_id: int
    applied_minor: int
    discount_minor: int
    write_off_minor: int


def _ids_clause(column: Any, ids: Sequence[int], dialect: str) -> Iterable[Any]:
    """`column IN ids` as one array parameter (PostgreSQL) or chunks (SQLite)."""
    if dialect == "postgresql":
        yield column == any_(bindparam("ids", value=list(ids), type_=postgresql.ARRAY(column.type)))
        return
    for start in range(0, len(ids), CHUNK):
        yield column.in_(ids[start:start + CHUNK])


_RETURN_INFO_SET = func.coalesce(cast(BankTransaction.return_info, String), "null") != "null"
IS_RETURN = or_(BankTransaction.return_reason.is_not(None), _RETURN_INFO_SET, BankEntry.reversal)


def lock_payments(session: Session, ids: Iterable[int]) -> dict[int, PaymentState]:
    """Row-lock these bank transactions (ordered by id) and read their state."""
    wanted = sorted(set(ids))
    found: dict[int, PaymentState] = {}
    if not wanted:
        return found
    dialect = session.get_bind().dialect.name
    for clause in _ids_clause(BankTransaction.id, wanted, dialect):
        rows = session.execute(
            select(BankTransaction.id, BankTransaction.version, BankTransaction.match_status,
                   BankTransaction.amount_minor, BankTransaction.applied_minor,
                   func.coalesce(BankTransaction.currency, BankEntry.currency), BankEntry.direction,
                   BankEntry.status, IS_RETURN)
            .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .where(clause)
            .order_by(BankTransaction.id)
            .with_for_update(of=BankTransaction)
        )
        for r in rows:
            found[r[0]] = PaymentState(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7], bool(r[8]), None)
    for clause in _ids_clause(ReviewItem.transaction_id, wanted, dialect):
        for review_id, tx_id in session.execute(
            select(ReviewItem.id, ReviewItem.transaction_id).where(clause, ReviewItem.status == "open")
        ):
            found[tx_id].review_id = review_id
    return found


def lock_invoices(session: Session, ids: Iterable[int], *, skip_locked: bool = False) -> dict[int, InvoiceState]:
    """Row-lock these invoices (ordered by id: every writer takes them in the same order).
    skip_locked: leave out those another transaction holds instead of waiting for them."""
    wanted = sorted(set(ids))
    found: dict[int, InvoiceState] = {}
    dialect = session.get_bind().dialect.name
    for clause in _ids_clause(Invoice.id, wanted, dialect) if wanted else ():
        for r in session.execute(
            select(Invoice.id, Invoice.number, Invoice.customer_id, Invoice.currency, Invoice.amount_minor,
                   Invoice.open_minor, Invoice.discount_minor, Invoice.written_off_minor, Invoice.status)
            .where(clause).order_by(Invoice.id).with_for_update(skip_locked=skip_locked)
        ):
            found[r[0]] = InvoiceState(*r)
    return found


def live_applications(session: Session, transaction_ids: Iterable[int]) -> list[LiveApplication]:
    """The live applications of these payments, by id (locked by their payments' row locks:
    every change to a payment's applications changes the payment too)."""
    wanted = sorted(set(transaction_ids))
    found: list[LiveApplication] = []
    dialect = session.get_bind().dialect.name
    for clause in _ids_clause(Application.transaction_id, wanted, dialect) if wanted else ():
        found.extend(LiveApplication(*r) for r in session.execute(
            select(Application.id, Application.transaction_id, Application.invoice_id,
                   Application.applied_minor, Application.discount_minor, Application.write_off_minor)
            .where(clause, Application.status == "applied")
        ))
    return sorted(found, key=lambda a: a.id)


# -- the batch -----------------------------------------------------------------------------


@dataclass(slots=True)
class _NewReview:
    row: dict[str, Any]
    audit: list[dict[str, Any]] = field(default_factory=list)


class Postings:
    """Changes to locked payments and invoices, checked as they are recorded, written by flush()."""

    def __init__(self, session: Session, *, payments: dict[int, PaymentState],
                 invoices: dict[int, InvoiceState], live: Iterable[LiveApplication] = ()) -> None:
        self.session = session
        self._conn = session.connection()
        self.payments = payments
        self.invoices = invoices
        self.now: datetime = utc_now()
        self._live = {(a.transaction_id, a.invoice_id) for a in live}
        self._new_apps: list[dict[str, Any]] = []
        self._reversed: list[dict[str, Any]] = []
        self._review_updates: dict[int, dict[str, Any]] = {}  # review id -> columns
        self._new_reviews: dict[int, _NewReview] = {}  # payment id -> its new item
        self._audit: list[dict[str, Any]] = []  # in order; entity_id may be a ref resolved at flush
        self._events: list[dict[str, Any]] = []
        self.application_ids: dict[int, list[int]] = {}  # payment id -> new application ids (after flush)
        self.touched_invoices: set[int] = set()  # invoices that received cash (for plan credit)

    # -- recording ---------------------------------------------------------------------------
    def payment(self, transaction_id: int) -> PaymentState:
        found = self.payments.get(transaction_id)
        if found is None:
            raise ApplicationError(f"no bank transaction #{transaction_id}")
        return found

    def apply(self, transaction_id: int, allocations: Sequence[Allocation], *, method: str, actor: str,
              confidence: int | None = None, reasons: Sequence[str] = ()) -> list[str]:
        """Apply cash from one payment to invoices; the invoice numbers. ApplicationError, and
        nothing recorded, if any invariant would break."""
        p = self.payment(transaction_id)
        _check_payment(p)
        if not allocations:
            raise ApplicationError("nothing to apply")
        if len({a.invoice_id for a in allocations}) != len(allocations):
            raise ApplicationError("an invoice appears twice in one application")
        ccy = p.currency
        planned: list[tuple[InvoiceState, int, int, int, Allocation]] = []
        total = 0
        for a in allocations:
            inv = self.invoices.get(a.invoice_id)
            if inv is None:
                raise ApplicationError(f"no invoice #{a.invoice_id} ({a.invoice_number})")
            if inv.currency != ccy:
                raise ApplicationError(f"invoice {inv.number} is in {inv.currency}, the payment in {ccy}")
            if (p.id, inv.id) in self._live:
                raise ApplicationError(f"payment #{p.id} is already applied to {inv.number}")
            if a.write_off_reason is not None and len(a.write_off_reason) > _REASON_MAX:
                raise ApplicationError(f"{inv.number}: a write-off reason has at most {_REASON_MAX} characters")
            applied, discount, write_off = (to_minor(x, ccy) for x in (a.applied, a.discount, a.write_off))
            if min(applied, discount, write_off) < 0 or applied + discount + write_off == 0:
                raise ApplicationError(f"amounts for {inv.number} must be positive")
            settled = applied + discount + write_off
            if settled > inv.open_minor:
                raise ApplicationError(f"{inv.number}: settling {minor_text(settled, ccy)} exceeds its open "
                                       f"amount {minor_text(inv.open_minor, ccy)}")
            total += applied
            planned.append((inv, applied, discount, write_off, a))
        if p.applied_minor + total > (p.amount_minor or 0):
            raise ApplicationError(
                f"payment #{p.id}: applying {minor_text(total, ccy)} would exceed its amount "
                f"{minor_text(p.amount_minor or 0, ccy)} ({minor_text(p.applied_minor, ccy)} already applied)")
        for inv, applied, discount, write_off, a in planned:
            before, prior = _invoice_json(inv), events.snapshot(inv)  # type: ignore[arg-type]
            inv.open_minor -= applied + discount + write_off
            inv.discount_minor += discount
            inv.written_off_minor += write_off
            inv.status = invoice_status.after_change(inv.status, inv.open_minor)
            inv.changed = True
            self.touched_invoices.add(inv.id)
            self._event(inv, prior, events.APPLICATION_CREATED, actor, p.id, None)
            ref = ("application", len(self._new_apps))
            self._new_apps.append({
                "transaction_id": p.id, "invoice_id": inv.id, "currency": ccy, "applied_minor": applied,
                "discount_minor": discount, "write_off_minor": write_off,
                "write_off_reason": a.write_off_reason, "method": method, "confidence": confidence,
                "reasons": list(reasons), "actor": actor, "status": "applied", "created_at": self.now,
                "reversed_at": None, "reversed_by": None, "reversal_reason": None,
            })
            self._live.add((p.id, inv.id))
            self._record(actor, "application.created", "application", ref, before={"invoice": before}, after={
                "invoice": _invoice_json(inv), "transaction_id": p.id, "applied": minor_text(applied, ccy),
                "discount": minor_text(discount, ccy), "write_off": minor_text(write_off, ccy),
                "write_off_reason": a.write_off_reason, "method": method, "confidence": confidence,
                "reasons": list(reasons)})
        p.applied_minor += total
        p.match_status = "applied"
        p.changed = True
        return [inv.number for inv, *_ in planned]

    def reverse(self, transaction_id: int, applications: Sequence[LiveApplication], *, actor: str,
                reason: str) -> list[str]:
        """Reverse these live applications of one payment; reopen their invoices (discount too).
        The invoice numbers reopened."""
        p = self.payment(transaction_id)
        reopened = []
        for app in applications:
            inv = self.invoices[app.invoice_id]
            before, prior = _invoice_json(inv), events.snapshot(inv)  # type: ignore[arg-type]
            inv.open_minor += app.applied_minor + app.discount_minor + app.write_off_minor
            inv.discount_minor -= app.discount_minor
            inv.written_off_minor -= app.write_off_minor
            inv.status = "open"
            inv.changed = True
            self._event(inv, prior, events.APPLICATION_REVERSED, actor, p.id, reason)
            self._reversed.append({"id": app.id, "status": "reversed", "reversed_at": self.now,
                                   "reversed_by": actor, "reversal_reason": reason})
            self._live.discard((p.id, inv.id))
            p.applied_minor -= app.applied_minor
            reopened.append(inv.number)
            self._record(actor, "application.reversed", "application", app.id,
                         before={"invoice": before, "status": "applied"},
                         after={"invoice": _invoice_json(inv), "status": "reversed", "reason": reason})
        if applications:
            p.changed = True
        return reopened

    def set_status(self, transaction_id: int, status: str) -> None:
        p = self.payment(transaction_id)
        p.match_status = status
        p.changed = True

    def open_review(self, transaction_id: int, *, reason: str, explanation: str,
                    candidates: Sequence[Candidate], actor: str) -> None:
        """Open the payment's review item, or refresh the one it has."""
        p = self.payment(transaction_id)
        payload = [candidate_json(c) for c in candidates]
        p.changed = True
        if transaction_id in self._new_reviews:
            self._new_reviews[transaction_id].row.update(reason=reason, explanation=explanation, candidates=payload)
        elif p.review_id is not None:
            self._review_updates.setdefault(p.review_id, {}).update(
                reason=reason, explanation=explanation, candidates=payload)
        else:
            item = _NewReview({"transaction_id": p.id, "reason": reason, "explanation": explanation,
                               "candidates": payload, "status": "open", "resolution": None, "assignee": None,
                               "actor": None, "created_at": self.now, "resolved_at": None})
            self._new_reviews[transaction_id] = item
            self._record(actor, "review_item.opened", "review_item", ("review", transaction_id),
                         after={"transaction_id": p.id, "reason": reason})

    def close_review(self, transaction_id: int, *, status: str, resolution: str, actor: str) -> bool:
        """Resolve or dismiss the payment's open review item; False when it has none."""
        p = self.payment(transaction_id)
        closing = {"status": status, "resolution": resolution, "actor": actor, "resolved_at": self.now}
        if transaction_id in self._new_reviews:
            self._new_reviews[transaction_id].row.update(closing)
            ref: object = ("review", transaction_id)
        elif p.review_id is not None:
            self._review_updates.setdefault(p.review_id, {}).update(closing)
            ref, p.review_id = p.review_id, None
        else:
            return False
        p.changed = True
        self._record(actor, f"review_item.{status}", "review_item", ref, before={"status": "open"},
                     after={"status": status, "resolution": resolution})
        return True

    # -- writing -----------------------------------------------------------------------------
    def flush(self, writer: WriteBehind | None = None) -> None:
        """Write everything recorded, in set statements, in the caller's transaction. With a
        writer the statements run behind the caller (who then records the next payments while
        the server writes): call it between payments, and writer.drain() before using the
        session or application_ids. The new states of the payments and invoices changed since
        the last flush are written too: a run's chunks are written while the engine decides the
        next, so nothing is left for the end of the run (a row two chunks change is updated
        twice, which is rare and cheap)."""
        if writer is None:
            self.session.flush()  # ORM changes the caller made first, as the statements below assume
            self._take()()
            self.expire()
        else:  # the caller flushed its ORM changes before writing behind: the session is not touched
            writer.submit(self._take())

    def expire(self) -> None:
        """ORM objects of rows written here are stale now: reload them on next access."""
        _expire(self.session, self)

    def _take(self) -> Callable[[], None]:
        """The statements of what is recorded so far, as one write; its rows are built here
        (the states they come from change again as recording goes on)."""
        conn = self._conn
        reversed_rows, review_updates = self._reversed, _by_shape(self._review_updates)
        new_apps, new_reviews, audit, invoice_events = self._new_apps, self._new_reviews, self._audit, self._events
        invoice_rows = [
            {"id": i.id, "open_minor": i.open_minor, "discount_minor": i.discount_minor,
             "written_off_minor": i.written_off_minor, "status": i.status, "updated_at": self.now}
            for i in self.invoices.values() if i.changed]
        payment_rows = [
            {"id": p.id, "applied_minor": p.applied_minor, "match_status": p.match_status, "version": p.version + 1}
            for p in self.payments.values() if p.changed]
        for p in self.payments.values():
            if p.changed:
                p.version += 1
                p.changed = False
        for i in self.invoices.values():
            i.changed = False
        self._new_apps, self._reversed, self._audit, self._events = [], [], [], []
        self._review_updates, self._new_reviews = {}, {}

        def write() -> None:
            # What ends first (reversed applications, closed items), so that the partial unique
            # indexes (one live application per payment and invoice, one open item per payment)
            # hold for what starts after.
            bulk.update_rows(conn, Application.__table__, reversed_rows)
            for columns in review_updates:
                bulk.update_rows(conn, ReviewItem.__table__, columns)
            app_ids = bulk.insert_with_ids(conn, Application.__table__, new_apps) if new_apps else []
            for row, app_id in zip(new_apps, app_ids, strict=True):
                self.application_ids.setdefault(row["transaction_id"], []).append(app_id)
            review_rows = [item.row for item in new_reviews.values()]
            review_ids = dict(zip(new_reviews, bulk.insert_with_ids(conn, ReviewItem.__table__, review_rows)
                                  if review_rows else [], strict=True))
            bulk.update_rows(conn, Invoice.__table__, invoice_rows)
            bulk.update_rows(conn, BankTransaction.__table__, payment_rows)
            audit_rows = []
            for row in audit:
                ref = row["entity_id"]
                if isinstance(ref, tuple):
                    kind, key = ref
                    row = {**row, "entity_id": str(app_ids[key] if kind == "application" else review_ids[key])}
                audit_rows.append(row)
            bulk.insert_rows(conn, AuditEvent.__table__, audit_rows)
            bulk.insert_rows(conn, InvoiceEvent.__table__, invoice_events)

        return write

    # -- helpers -----------------------------------------------------------------------------
    def _record(self, actor: str, action: str, entity_type: str, entity_id: object, *,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        self._audit.append({"at": self.now, "actor": actor, "action": action, "entity_type": entity_type,
                            "entity_id": entity_id if isinstance(entity_id, tuple) else str(entity_id),
                            "before": before, "after": after})

    def _event(self, inv: InvoiceState, prior: events.InvoiceState, cause: str, actor: str,
               transaction_id: int, reason: str | None) -> None:
        row = events.event_row(inv, before=prior, cause=cause, actor=actor,  # type: ignore[arg-type]
                               transaction_id=transaction_id, reason=reason, at=self.now)
        if row is not None:
            self._events.append(row)


def _check_payment(p: PaymentState) -> None:
    if p.amount_minor is None:
        raise ApplicationError(f"transaction #{p.id} has no amount of its own")
    if p.is_return:
        raise ApplicationError(f"transaction #{p.id} is a return or reversal of an earlier payment: "
                               "it settles nothing")
    if p.match_status == "returned":
        raise ApplicationError(f"payment #{p.id} was returned by the bank: a returned payment is final "
                               "and cannot be applied")
    if p.direction != "credit":
        raise ApplicationError(f"payment #{p.id} is a debit (money out): only credits settle invoices")
    if p.entry_status != "booked":
        raise ApplicationError(
            f"payment #{p.id} is {p.entry_status}, not booked: cash is applied once the bank books it")


def _by_shape(updates: dict[int, dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Review item updates grouped by the columns they set (one statement per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item_id, columns in updates.items():
        groups.setdefault(tuple(sorted(columns)), []).append({"id": item_id, **columns})
    return list(groups.values())


def _expire(session: Session, postings: Postings) -> None:
    """ORM objects of rows written here are stale now: reload them on next access."""
    touched = {BankTransaction: set(postings.payments), Invoice: set(postings.invoices)}
    for obj in list(session.identity_map.values()):
        ids = touched.get(type(obj))
        if ids is None and isinstance(obj, (Application, ReviewItem)):
            session.expire(obj)
        elif ids is not None and getattr(obj, "id", None) in ids:
            session.expire(obj)


def candidate_json(c: Candidate) -> dict[str, Any]:
    return {
        "customer_id": c.customer_id,
        "invoice_numbers": list(c.invoice_numbers),
        "score": c.score,
        "reasons": list(c.reasons),
        "unapplied": format_amount(c.unapplied),
        "allocations": [
            {
                "invoice_id": a.invoice_id,
                "invoice_number": a.invoice_number,
                "applied": format_amount(a.applied),
                "discount": format_amount(a.discount),
                "write_off": format_amount(a.write_off),
                "write_off_reason": a.write_off_reason,
            }
            for a in c.allocations
        ],
    }


def _invoice_json(invoice: InvoiceState) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "open": minor_text(invoice.open_minor, invoice.currency),
        "discount": minor_text(invoice.discount_minor, invoice.currency),
        "written_off": minor_text(invoice.written_off_minor, invoice.currency),
        "status": invoice.status,
    }

