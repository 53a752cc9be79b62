"""Payments received outside the bank files (portal, card, cheque at the counter), recorded
with `POST /api/v1/payments` under an Idempotency-Key (issue 15 B).

**One concept, once.** A recorded payment *is* a payment: it is stored as a BankTransaction of
a synthetic bank file of source `api` (one file, statement and booked credit entry per
payment, `format` `api`), so the matcher, the views, the review queue, returns and the cash
metrics see it exactly like a bank payment, and every cash change goes through
reconcile.postings. `recorded_payments` holds only what is the API's own: the key, the hash
of the canonical body, the customer and reference the caller named, and the bank credit that
later settled it.

**Idempotency** (Stripe's semantics). The key is unique in the database. A replay with the
same key and the same canonical body answers the payment already recorded and applies
nothing; another body under the key is a Conflict (409). Two requests racing on one key:
the second's insert waits on the first's unique key (PostgreSQL) and fails once it commits;
it is rolled back to its savepoint and answers like a replay (workflows.recorded_payments).

**Settlement** (`settle_recorded`, at the start of every matching run, before ordinary
matching). When the same money later reaches the bank (card payout, cheque deposit), a
booked, unmatched credit of the same currency and exactly the same amount, booked (value
date, else booking date) from the day it was received to SETTLE_DAYS after, is the
settlement of a recorded payment not settled yet if

1. it carries the payment's reference (case- and space-insensitively) as its end-to-end id,
   instruction or transaction id, bank reference, or inside a remittance line or structured
   reference (`card ch_123`, the cheque number as the caller recorded it); or else
2. it comes from the payment's customer — a payer account the customer is known to pay from
   (customer_accounts), or the customer's id as the ultimate payer's id — and it is the only
   unsettled recorded payment of that customer, currency and amount in the window (two
   would be a guess: then ordinary matching and a reviewer decide).

The credit is then `ignored` (nothing applied: the recorded payment already applied the
cash), linked (`recorded_payments.settled_by`), explained in its detail, and audited
(`payment.recorded_settled`). Oldest recorded payment first; a credit settles one payment
here — a card payout of a whole day's payments in one credit is reconcile/payouts.py's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, Invalid
from core.money import AmountError, exponent, is_currency, minor_text, to_minor
from ledger import audit
from ledger.locks import hold_match_lock
from ledger.models import (
    BankEntry,
    BankFile,
    BankTransaction,
    Customer,
    CustomerAccount,
    Invoice,
    RecordedPayment,
    StatementRow,
)
from ledger.types import utc_now
from reconcile.postings import Postings, lock_payments

SOURCE = "api"
SETTLE_DAYS = 10  # a card payout or a cheque deposit reaches the bank within this many days
ACTION = "payment.recorded"


@dataclass(frozen=True, slots=True)
class PaymentIn:
    """A recorded payment as the caller sent it (checked against the schema already)."""

    amount: Decimal
    currency: str
    customer_id: str
    invoice_numbers: tuple[str, ...]
    reference: str | None
    received_at: date

    def canonical(self) -> str:
        """The body's canonical form: what a replay must match (amounts by value, not text)."""
        return json.dumps({"amount": format(self.amount.normalize(), "f"), "currency": self.currency,
                           "customer_id": self.customer_id, "invoice_numbers": list(self.invoice_numbers),
                           "reference": self.reference, "received_at": self.received_at.isoformat()},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def replayed(session: Session, key: str, body: PaymentIn) -> int | None:
    """The transaction recorded under `key` for this same body; None when the key is new;
    Conflict (409) when the key was used for another body."""
    found = session.execute(select(RecordedPayment.transaction_id, RecordedPayment.body_sha256)
                            .where(RecordedPayment.idempotency_key == key)).first()
    if found is None:
        return None
    if found.body_sha256 != body.sha256():
        raise Conflict(f"Idempotency-Key {key!r} was used for another payment (a different body): "
                       "nothing recorded; send a new key for a new payment")
    return int(found.transaction_id)


def check(session: Session, body: PaymentIn) -> int:
    """What the schema cannot state, refused (Invalid, 422) before anything is stored: the
    amount in minor units."""
    if not is_currency(body.currency):
        raise Invalid(f"unknown currency {body.currency!r} (ISO 4217)")
    try:
        amount_minor = to_minor(body.amount, body.currency)
    except AmountError:
        raise Invalid(f"amount {format(body.amount, 'f')} has more than {exponent(body.currency)} "
                      f"decimal places for {body.currency}") from None
    if amount_minor <= 0:
        raise Invalid("amount must be more than zero")
    if session.get(Customer, body.customer_id) is None:
        raise Invalid(f"unknown customer {body.customer_id!r}")
    numbers = set(body.invoice_numbers)
    known = dict(session.execute(select(Invoice.number, Invoice.customer_id).where(Invoice.number.in_(numbers))).all())
    unknown = sorted(numbers - known.keys())
    if unknown:
        raise Invalid(f"unknown invoice(s): {', '.join(unknown)}")
    return amount_minor


def store(session: Session, key: str, body: PaymentIn, amount_minor: int, *, actor: str) -> int:
    """The synthetic file, statement, entry and transaction, and the key's row; flushed, so a
    concurrent request with the same key fails here (unique key). The transaction id."""
    digest = hashlib.sha256(f"recorded payment\0{key}".encode()).hexdigest()
    name = f"payment recorded via API (Idempotency-Key {key})"[:512]
    file = BankFile(sha256=digest, name=name, source=SOURCE, size_bytes=0, archive_path="", format=SOURCE,
                    status="parsed", statements=1, entries_new=1, transactions_new=1, processed_at=utc_now())
    session.add(file)
    session.flush()
    statement = StatementRow(file_id=file.id, seq=0, statement_id=f"api:{key}"[:256], currency=body.currency,
                             from_date=body.received_at, to_date=body.received_at)
    session.add(statement)
    session.flush()
    customer = session.get(Customer, body.customer_id)
    reference = body.reference
    entry = BankEntry(file_id=file.id, statement_id=statement.id, account=None, currency=body.currency,
                      amount_minor=amount_minor, direction="credit", status="booked", booking_date=body.received_at,
                      value_date=body.received_at, bank_reference=reference, reversal=False, kind="other",
                      additional_info="recorded via API", content_key=digest)
    session.add(entry)
    session.flush()
    tx = BankTransaction(entry_id=entry.id, seq=0, amount_minor=amount_minor, currency=body.currency,
                         end_to_end_id=None, counterparty_name=customer.name if customer else None,
                         ultimate_name=customer.name if customer else None, ultimate_id=body.customer_id,
                         remittance=[reference] if reference else [], references=[],
                         invoices=[{"number": n, "amount": None} for n in body.invoice_numbers])
    session.add(tx)
    session.flush()
    session.add(RecordedPayment(idempotency_key=key, body_sha256=body.sha256(), transaction_id=tx.id,
                                customer_id=body.customer_id, reference=reference, received_at=body.received_at,
                                actor=actor))
    session.flush()
    audit.record(session, actor=actor, action=ACTION, entity_type="payment", entity_id=tx.id,
                 after={"idempotency_key": key, "amount": minor_text(amount_minor, body.currency),
                        "currency": body.currency, "customer_id": body.customer_id,
                        "invoice_numbers": list(body.invoice_numbers), "reference": reference,
                        "received_at": body.received_at.isoformat()})
    return tx.id


# -- settlement in a bank file ---------------------------------------------------------------


def norm(text: str | None) -> str:
    """A reference as compared: case and spaces ignored."""
    return "".join((text or "").split()).casefold()


@dataclass(frozen=True, slots=True)
class _Open:
    id: int
    transaction_id: int
    customer_id: str
    reference: str
    received_at: date
    amount_minor: int
    currency: str


def settle_recorded(session: Session, *, actor: str) -> int:
    """Claim the bank credits that settle recorded payments (rule in the module doc); how many."""
    if session.scalar(select(RecordedPayment.id).where(RecordedPayment.settled_by.is_(None)).limit(1)) is None:
        return 0
    hold_match_lock(session)
    opened = [_Open(r.id, r.transaction_id, r.customer_id, norm(r.reference), r.received_at, amount, ccy)
              for r, amount, ccy in session.execute(
                  select(RecordedPayment, BankTransaction.amount_minor, BankTransaction.currency)
                  .join(BankTransaction, BankTransaction.id == RecordedPayment.transaction_id)
                  .where(RecordedPayment.settled_by.is_(None)).order_by(RecordedPayment.id))]
    if not opened:
        return 0
    amounts = {o.amount_minor for o in opened}
    day = func.coalesce(BankEntry.value_date, BankEntry.booking_date)
    rows = session.execute(
        select(BankTransaction, BankEntry.bank_reference, BankEntry.currency, day)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankTransaction.id.not_in(select(RecordedPayment.transaction_id)), BankEntry.status == "booked", BankEntry.direction == "credit",
               BankEntry.reversal.is_(False), BankTransaction.return_reason.is_(None),
               BankTransaction.match_status == "unmatched", BankTransaction.amount_minor.in_(amounts))
        .order_by(BankTransaction.id)).all()
    if not rows:
        return 0
    accounts = {a: c for a, c in session.execute(select(CustomerAccount.account, CustomerAccount.customer_id).where(
        CustomerAccount.account.in_({tx.counterparty_account for tx, *_ in rows if tx.counterparty_account})))}
    plans: list[tuple[BankTransaction, _Open, str]] = []
    taken: set[int] = set()
    for tx, bank_ref, entry_ccy, on in rows:
        ccy = tx.currency or entry_ccy
        fits = [o for o in opened if o.id not in taken and o.amount_minor == tx.amount_minor and o.currency == ccy
                and on is not None and o.received_at <= on <= o.received_at + timedelta(days=SETTLE_DAYS)]
        if not fits:
            continue
        texts = [norm(t) for t in (tx.end_to_end_id, tx.instruction_id, tx.transaction_id, bank_ref,
                                   *(tx.remittance or ()), *(tx.references or ())) if t]
        found = next(((o, f"it carries the reference {o.reference!r}") for o in fits
                      if o.reference and any(o.reference in t for t in texts)), None)
        if found is None:
            payer = accounts.get(tx.counterparty_account or "") or tx.ultimate_id
            mine = [o for o in fits if o.customer_id == payer]
            if len(mine) == 1:
                found = (mine[0], f"it comes from customer {payer} for the same amount within {SETTLE_DAYS} days")
        if found is not None:
            taken.add(found[0].id)
            plans.append((tx, found[0], found[1]))
    if not plans:
        return 0
    payments = lock_payments(session, {tx.id for tx, _, _ in plans})
    postings = Postings(session, payments=payments, invoices={}, live=[])
    done = 0
    for tx, recorded, why in plans:
        state = payments.get(tx.id)
        if state is None or state.match_status != "unmatched":
            continue  # moved meanwhile (a reviewer): ordinary matching's next run decides
        postings.set_status(tx.id, "ignored")
        row = session.get(RecordedPayment, recorded.id)
        row.settled_by = tx.id  # type: ignore[union-attr]
        audit.record(session, actor=actor, action="payment.recorded_settled", entity_type="payment",
                     entity_id=tx.id, after={"recorded_payment": recorded.transaction_id, "why": why})
        done += 1
    postings.flush()
    return done


def settles(session: Session, transaction_id: int) -> list[int]:
    """The recorded payments this bank credit is the settlement of (several: a card payout)."""
    return list(session.scalars(select(RecordedPayment.transaction_id)
                                .where(RecordedPayment.settled_by == transaction_id)
                                .order_by(RecordedPayment.transaction_id)))


def settlement_note(recorded_transaction_ids: list[int]) -> str:
    """Why a bank credit applied nothing: it is the settlement of recorded payments."""
    named = ", ".join(f"#{t}" for t in recorded_transaction_ids)
    what = f"payment {named}" if len(recorded_transaction_ids) == 1 else f"payments {named} (a payout)"
    return (f"The bank's settlement of {what}, recorded via the API before the money arrived: nothing "
            "applied again (the recorded payments carry the applications).")


def recorded_json(session: Session, transaction_id: int) -> dict[str, Any] | None:
    """The recorded payment's own facts (key, settlement), for the payment's detail."""
    r = session.scalar(select(RecordedPayment).where(RecordedPayment.transaction_id == transaction_id))
    if r is None:
        return None
    return {"idempotency_key": r.idempotency_key, "customer_id": r.customer_id, "reference": r.reference,
            "received_at": r.received_at.isoformat(), "settled_by": r.settled_by}
