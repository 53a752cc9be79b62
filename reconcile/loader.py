"""Database rows → the matcher's immutable inputs (reconcile.model), as plain values. Reads only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.accounts import try_normalize_account
from core.money import D, from_minor
from core.records import Direction, InvoiceRef, Kind
from core.terms import parse_terms
from ledger.models import (
    BankEntry,
    BankTransaction,
    Instalment,
    Invoice,
    PaymentPlan,
    PaymentPlanInvoice,
)
from ledger.repositories import invoices as invoice_repo
from reconcile.history import paid_oldest_first
from reconcile.model import ActivePlan, Customer, OpenInvoice, Payment, PlanInstalment
from reconcile.postings import IS_RETURN

# Paid invoices stay visible this long, so a second payment of one is caught as a duplicate.
CLOSED_LOOKBACK_DAYS = 180


def load_customers(session: Session, *, today: date | None = None) -> list[Customer]:
    """Customers with their accounts on file and, added to each customer it paid for, every
    account that paid for several: the index then sees it shared and lets names decide. With
    `today`, also each customer's habit of paying oldest first (reconcile.history)."""
    habits = paid_oldest_first(session, today=today) if today is not None else {}
    shared: dict[str, set[str]] = {}
    for raw, customer_id in invoice_repo.accounts_paying_for_several(session):
        account = try_normalize_account(raw)
        if account:
            shared.setdefault(customer_id, set()).add(account)
    return [
        Customer(id=k.id, name=k.name, aliases=k.aliases, parent_id=k.parent_id,
                 accounts=k.accounts + tuple(sorted(shared.get(k.id, set()) - set(k.accounts))),
                 paid_oldest_first=habits.get(k.id, 0))
        for k in invoice_repo.customers_with_accounts_and_aliases(session)
    ]


@lru_cache(maxsize=256)
def _zero(currency: str) -> Decimal:
    return from_minor(0, currency)


@lru_cache(maxsize=4096)
def _terms(text: str | None):  # type: ignore[no-untyped-def]
    # A book of 500k invoices has a handful of distinct terms: parse each once.
    terms, _ = parse_terms(text)
    return terms if terms.text else None


def to_open_invoice(row: invoice_repo.InvoiceSnapshot) -> OpenInvoice:
    # Half a million of these per nightly run: untouched invoices share one Decimal for
    # amount and open amount, and most have no discount taken.
    amount = from_minor(row.amount_minor, row.currency)
    return OpenInvoice(
        id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        currency=row.currency,
        amount=amount,
        open_amount=amount if row.open_minor == row.amount_minor else from_minor(row.open_minor, row.currency),
        issue_date=row.issue_date,
        due_date=row.due_date,
        terms=_terms(row.terms),
        po_number=row.po_number,
        discount_taken=_zero(row.currency) if not row.discount_minor else from_minor(row.discount_minor, row.currency),
    )


def load_book(session: Session, *, today: date, also: Iterable[int] = ()) -> dict[int, invoice_repo.InvoiceSnapshot]:
    """Open invoices, those paid recently (to recognise duplicate payments), and the invoices
    `also` names (a return reopens them), by id."""
    as_of = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    book = {r.id: r for r in invoice_repo.matchable_invoices(session, CLOSED_LOOKBACK_DAYS, as_of=as_of)}
    missing = sorted(set(also) - set(book))
    if not missing:
        return book  # in id order already
    columns = [getattr(Invoice, name) for name in invoice_repo.InvoiceSnapshot._fields]
    for start in range(0, len(missing), 1000):
        for row in session.execute(select(*columns).where(Invoice.id.in_(missing[start:start + 1000]))):
            book[row[0]] = invoice_repo.InvoiceSnapshot(*row)
    return dict(sorted(book.items()))


def load_plans(session: Session) -> list[ActivePlan]:
    """Active payment plans with their invoices and instalments (three queries, not per plan)."""
    plans = session.scalars(select(PaymentPlan).where(PaymentPlan.status == "active")
                            .order_by(PaymentPlan.id)).all()
    if not plans:
        return []
    ids = [p.id for p in plans]
    invoices: dict[int, list[int]] = {i: [] for i in ids}
    for plan_id, invoice_id in session.execute(
        select(PaymentPlanInvoice.plan_id, PaymentPlanInvoice.invoice_id)
        .where(PaymentPlanInvoice.plan_id.in_(ids)).order_by(PaymentPlanInvoice.invoice_id)
    ):
        invoices[plan_id].append(invoice_id)
    instalments: dict[int, list[PlanInstalment]] = {i: [] for i in ids}
    currency = {p.id: p.currency for p in plans}
    for inst in session.scalars(select(Instalment).where(Instalment.plan_id.in_(ids))
                                .order_by(Instalment.plan_id, Instalment.seq)):
        instalments[inst.plan_id].append(PlanInstalment(
            inst.seq, inst.due_date, from_minor(inst.amount_minor, currency[inst.plan_id])))
    return [ActivePlan(p.id, p.reference, p.customer_id, p.currency, tuple(invoices[p.id]),
                       tuple(instalments[p.id])) for p in plans]


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A stored bank transaction with its entry, as a matching run reads it (plain values)."""

    id: int
    version: int
    match_status: str
    amount_minor: int | None
    applied_minor: int
    currency: str
    direction: str
    entry_status: str
    booking_date: date | None
    value_date: date | None
    kind: str
    bank_reference: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    remittance: list[str] | None
    references: list[str] | None
    invoices: list[dict[str, Any]] | None
    end_to_end_id: str | None
    bank_transaction_id: str | None  # the bank's TxId (ACH trace): returns name it
    return_reason: str | None
    return_original_reference: str | None
    ultimate_name: str | None  # camt UltmtDbtr: the party the payer pays for
    ultimate_id: str | None
    return_info: dict[str, Any] | None  # core.contract.return_info_json: dishonored/contested codes
    is_return: bool  # undoes an earlier payment (a return or a reversal) rather than paying

    @property
    def seen(self) -> tuple[str, int]:
        """What a change to the payment moves: compared under lock before a run writes."""
        return self.match_status, self.version


_PAYMENT_COLUMNS = (
    BankTransaction.id, BankTransaction.version, BankTransaction.match_status, BankTransaction.amount_minor,
    BankTransaction.applied_minor, func.coalesce(BankTransaction.currency, BankEntry.currency),
    BankEntry.direction, BankEntry.status, BankEntry.booking_date, BankEntry.value_date, BankEntry.kind,
    BankEntry.bank_reference, BankTransaction.counterparty_name, BankTransaction.counterparty_account,
    BankTransaction.remittance, BankTransaction.references, BankTransaction.invoices,
    BankTransaction.end_to_end_id, BankTransaction.transaction_id, BankTransaction.return_reason,
    BankTransaction.return_original_reference, BankTransaction.ultimate_name, BankTransaction.ultimate_id,
    BankTransaction.return_info, IS_RETURN,
)


def _payment_rows(session: Session, *where: Any) -> list[PaymentRow]:
    query = (select(*_PAYMENT_COLUMNS).join(BankEntry, BankEntry.id == BankTransaction.entry_id)
             .where(BankEntry.status == "booked", *where).order_by(BankTransaction.id))
    return [PaymentRow(*row[:-1], bool(row[-1])) for row in session.execute(query)]


def load_payments(session: Session, statuses: Sequence[str],
                  transaction_ids: Sequence[int] | None = None) -> list[PaymentRow]:
    """Booked transactions in these match statuses (optionally only these ids), by id."""
    where = [BankTransaction.match_status.in_(statuses)]
    if transaction_ids is not None:
        where.append(BankTransaction.id.in_(transaction_ids))
    return _payment_rows(session, *where)


def unresolved_returns(session: Session) -> list[PaymentRow]:
    """Returns whose original was not known when they came (in review, or dismissed by a
    reviewer meanwhile): tried again on every run, so an original that arrives after its
    return is never applied."""
    return _payment_rows(session, BankTransaction.match_status.in_(("review", "ignored")), IS_RETURN)


def originals_by_reference(session: Session, references: Iterable[str]) -> dict[str, list[PaymentRow]]:
    """Booked payments (not returns) whose bank transaction id or end-to-end id is one of these."""
    refs = sorted(set(references))
    found: dict[str, list[PaymentRow]] = {}
    for start in range(0, len(refs), 500):
        batch = refs[start:start + 500]
        for row in _payment_rows(
            session,
            or_(BankTransaction.transaction_id.in_(batch), BankTransaction.end_to_end_id.in_(batch)),
            BankTransaction.return_reason.is_(None), BankEntry.reversal.is_(False),
        ):
            for ref in {row.bank_transaction_id, row.end_to_end_id} & set(batch):
                found.setdefault(ref, []).append(row)
    return found


def to_payment(row: PaymentRow) -> Payment | None:
    """The matcher's view of a stored transaction; None when it has no amount of its own."""
    if row.amount_minor is None:
        return None
    return Payment(
        id=row.id,
        amount=from_minor(row.amount_minor, row.currency),
        currency=row.currency,
        value_date=row.value_date or row.booking_date or date.min,
        direction=Direction(row.direction),
        kind=Kind(row.kind),
        payer_name=row.counterparty_name,
        payer_account=try_normalize_account(row.counterparty_account),
        remittance=tuple(row.remittance or ()),
        references=tuple(row.references or ()),
        invoices=tuple(
            InvoiceRef(i["number"], None if i.get("amount") is None else D(i["amount"])) for i in row.invoices or ()
        ),
        end_to_end_id=row.end_to_end_id,
        bank_reference=row.bank_reference,
        ultimate_payer=row.ultimate_name,
        ultimate_payer_id=row.ultimate_id,
    )
