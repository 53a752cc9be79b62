"""Remittance advices (ingest/advice_store.py) linked to their payments and applied per their lines.

An advice waits until the payment it describes is booked: the payment whose end-to-end id or
bank reference is the advice's payment reference (820 TRN02, CSV payment_reference), else the
one credit from the payer (name, word order aside) for the amount on the advice's date — so
it does not matter which of the two arrives first. Every matching run (workflows.pipeline.match:
after a file, `remit match`, the sweep, the rematch after an invoice import) runs
`settle_advices` first, under the match lock and in the run's transaction, so a payment with
an advice is applied per the advice, not guessed at — also one that an earlier run sent to
review, or stored without linking before it crashed. Only waiting advices are looked at: an
advice is linked once, and its payment applied once.

A linked advice is applied only when it adds up exactly: its lines' paid amounts sum to the
payment, each invoice is known, open, in the payment's currency, paid + discount does not
exceed its open amount, and a discount is one the book's terms grant on the payment date
(its early-payment window plus grace days). Otherwise the payment goes to review
(`advice_mismatch`) with the advice's lines as the suggestion and the reason. A payment
already applied (or returned, ignored) is only linked. Every change goes through one
`Postings` batch per payment: payment locked first, then its invoices by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from core.money import from_minor, minor_text
from ledger import audit
from ledger.locks import hold_match_lock
from ledger.models import BankEntry, BankTransaction, RemittanceAdvice
from ledger.repositories import invoices as book
from ledger.types import utc_now
from reconcile.amounts import Item, discount_for
from reconcile.loader import to_open_invoice
from reconcile.model import Allocation, Candidate, MatchSettings, ReviewReason
from reconcile.normalize import name_key
from reconcile.postings import PaymentState, Postings, live_applications, lock_invoices, lock_payments

OPEN_TO_ADVICE = ("unmatched", "review")  # payment states an advice may still apply


@dataclass
class AdviceSummary:
    linked: int = 0
    applied: int = 0
    review: int = 0
    transaction_ids: set[int] = field(default_factory=set)  # the payments linked
    invoice_ids: set[int] = field(default_factory=set)  # invoices that received cash (plan credit)


def _credits() -> Select[Any]:
    return (select(BankTransaction.id, BankTransaction.currency, BankTransaction.counterparty_name,
                   BankEntry.booking_date, BankEntry.value_date)
            .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .where(BankEntry.direction == "credit", BankEntry.status == "booked", BankEntry.reversal.is_(False)))


def _free(session: Session, ids: list[int], taken: set[int]) -> list[int]:
    """Those of these payments no advice is linked to yet."""
    if not ids:
        return ids
    linked = set(session.scalars(select(RemittanceAdvice.transaction_id)
                                 .where(RemittanceAdvice.transaction_id.in_(ids))))
    return [i for i in ids if i not in linked and i not in taken]


def find_payment(session: Session, advice: RemittanceAdvice, taken: set[int]) -> int | None:
    """The booked credit this advice describes, or None (not here yet, or not one payment).
    `taken`: payments linked earlier in this run."""
    ref = advice.payment_reference
    if ref:
        rows = session.execute(_credits().where(
            or_(BankTransaction.end_to_end_id == ref, BankEntry.bank_reference == ref)).order_by(BankTransaction.id)
        ).all()
        ids = _free(session, [r.id for r in rows if advice.currency in (None, r.currency)], taken)
        if len(ids) == 1:
            return ids[0]
        if ids:
            return None  # two payments carry the reference: a person decides
    if not advice.payer:
        return None
    rows = session.execute(_credits().where(
        BankTransaction.amount_minor == advice.amount_minor,
        BankTransaction.match_status.in_(OPEN_TO_ADVICE)).order_by(BankTransaction.id)).all()
    payer = name_key(advice.payer)
    ids = _free(session, [r.id for r in rows if advice.currency in (None, r.currency)
                          and r.counterparty_name and name_key(r.counterparty_name) == payer
                          and (advice.payment_date is None or advice.payment_date in (r.booking_date, r.value_date))],
                taken)
    return ids[0] if len(ids) == 1 else None


def _linkable(session: Session) -> Iterator[tuple[RemittanceAdvice, int]]:
    """Each waiting advice whose payment is here, oldest first, with that payment's id; a
    payment goes to one advice only. Read as the caller goes: what it did with the earlier
    pairs is seen by the later lookups."""
    taken: set[int] = set()
    waiting = session.scalars(select(RemittanceAdvice).where(RemittanceAdvice.status == "waiting")
                              .order_by(RemittanceAdvice.id)).all()
    for advice in waiting:
        transaction_id = find_payment(session, advice, taken)
        if transaction_id is not None:
            taken.add(transaction_id)
            yield advice, transaction_id


def preview(session: Session) -> list[dict[str, Any]]:
    """What settle_advices would do now, read only (`remit match --dry-run`): one object per
    payment still open to an advice that a waiting advice would be linked to — applied per
    its lines if they add up, else sent to review. Locks and writes nothing."""
    out: list[dict[str, Any]] = []
    for advice, transaction_id in _linkable(session):
        status = session.scalar(select(BankTransaction.match_status).where(BankTransaction.id == transaction_id))
        if status not in OPEN_TO_ADVICE:
            continue  # only linked: the payment does not change
        out.append({"transaction_id": transaction_id, "action": "advice",
                    "invoice_numbers": [line["invoice_number"] for line in advice.lines], "score": None,
                    "reason": "remittance_advice",
                    "explanation": f"remittance advice #{advice.id} ({advice.format}, file #{advice.file_id}): "
                                   "applied per its lines if they add up, else review"})
    return out


def settle_advices(session: Session, *, actor: str, settings: MatchSettings | None = None,
                   today: date | None = None, retry: Iterable[str] = ()) -> AdviceSummary:
    """Link every waiting advice whose payment is here, and apply it (or send it to review).
    `retry`: invoice numbers just imported — an advice in review that names one of them is
    tried again while its payment is still in review with nothing applied (a line's invoice
    was not in the book then). Runs in the caller's transaction under the match lock (runs
    queue behind one another, so two never link the same advice); never commits."""
    settings = settings or MatchSettings()
    hold_match_lock(session)
    summary = AdviceSummary()
    if retry:
        _retry(session, set(retry), summary, actor=actor, settings=settings, today=today)
    for advice, transaction_id in _linkable(session):
        summary.linked += 1
        summary.transaction_ids.add(transaction_id)
        status, reason = _settle(session, advice, transaction_id, actor=actor, settings=settings, today=today,
                                 touched=summary.invoice_ids)
        summary.applied += status == "applied"
        summary.review += status == "review"
        session.execute(update(RemittanceAdvice).where(RemittanceAdvice.id == advice.id).values(
            status=status, transaction_id=transaction_id, reason=reason, linked_at=utc_now()))
        audit.record(session, actor=actor, action=f"remittance_advice.{status}", entity_type="remittance_advice",
                     entity_id=advice.id, before={"status": "waiting"},
                     after={"status": status, "transaction_id": transaction_id, "reason": reason})
    return summary


def in_review_by_advice(session: Session) -> set[int]:
    """The payments their advice sent to review: a person decides them, with the advice."""
    return set(session.scalars(select(RemittanceAdvice.transaction_id).where(
        RemittanceAdvice.status == "review", RemittanceAdvice.transaction_id.is_not(None))))


def _retry(session: Session, numbers: set[str], summary: AdviceSummary, *, actor: str,
           settings: MatchSettings, today: date | None) -> None:
    """Advices in review naming one of `numbers`, their payment untouched since: again."""
    in_review = session.execute(
        select(RemittanceAdvice, BankTransaction.match_status, BankTransaction.applied_minor)
        .join(BankTransaction, BankTransaction.id == RemittanceAdvice.transaction_id)
        .where(RemittanceAdvice.status == "review").order_by(RemittanceAdvice.id)).all()
    for advice, match_status, applied in in_review:
        if match_status != "review" or applied or not any(line["invoice_number"] in numbers for line in advice.lines):
            continue  # a reviewer took it up, or nothing it names is new
        transaction_id = advice.transaction_id
        assert transaction_id is not None
        status, reason = _settle(session, advice, transaction_id, actor=actor, settings=settings, today=today,
                                 touched=summary.invoice_ids)
        summary.transaction_ids.add(transaction_id)
        if status == "review" and reason == advice.reason:
            continue  # the same problems: nothing new to record
        summary.applied += status == "applied"
        session.execute(update(RemittanceAdvice).where(RemittanceAdvice.id == advice.id).values(
            status=status, reason=reason))
        audit.record(session, actor=actor, action=f"remittance_advice.{status}", entity_type="remittance_advice",
                     entity_id=advice.id, before={"status": "review", "reason": advice.reason},
                     after={"status": status, "transaction_id": transaction_id, "reason": reason})


def _settle(session: Session, advice: RemittanceAdvice, transaction_id: int, *, actor: str,
            settings: MatchSettings, today: date | None, touched: set[int]) -> tuple[str, str | None]:
    payment = lock_payments(session, [transaction_id])[transaction_id]  # the payment first, then invoices
    if payment.match_status not in OPEN_TO_ADVICE or payment.applied_minor or payment.is_return:
        return "linked", f"payment #{transaction_id} was {payment.match_status} already: not applied again"
    numbers = [line["invoice_number"] for line in advice.lines]
    found = book.ids_by_number(session, numbers)
    postings = Postings(session, payments={payment.id: payment},
                        invoices=lock_invoices(session, found.values()),
                        live=live_applications(session, [payment.id]))
    allocations, problems = _allocations(session, advice, payment, found, postings, settings, today)
    label = f"remittance advice #{advice.id} ({advice.format}, file #{advice.file_id})"
    if not problems:
        postings.apply(transaction_id, allocations, method="auto", actor=actor, confidence=100,
                       reasons=[f"applied per {label}"])
        postings.close_review(transaction_id, status="resolved",
                              resolution=f"applied per {label}", actor=actor)
        postings.flush()
        touched |= postings.touched_invoices
        return "applied", None
    reason = "; ".join(problems)
    customers = {postings.invoices[a.invoice_id].customer_id for a in allocations}
    suggestion = Candidate(customer_id=customers.pop() if len(customers) == 1 else None,
                           allocations=tuple(allocations), score=0,
                           reasons=(f"lines of {label}", reason))
    postings.set_status(transaction_id, "review")
    postings.open_review(transaction_id, reason=ReviewReason.ADVICE_MISMATCH.value,
                         explanation=f"The {label} does not add up: {reason}",
                         candidates=[suggestion] if allocations else [], actor=actor)
    postings.flush()
    return "review", reason


def _allocations(session: Session, advice: RemittanceAdvice, payment: PaymentState, found: dict[str, int],
                 postings: Postings, settings: MatchSettings,
                 today: date | None) -> tuple[list[Allocation], list[str]]:
    """The advice's lines as allocations (those that name a known invoice), and what keeps
    them from being applied as they are."""
    ccy = payment.currency
    own = advice.currency or ccy  # an advice without a currency states the payment's
    problems: list[str] = []
    if advice.currency and advice.currency != ccy:
        problems.append(f"the advice is in {advice.currency}, the payment in {ccy}")
    amount = from_minor(payment.amount_minor or 0, ccy)
    stated = from_minor(advice.amount_minor, own)
    if stated != amount:
        problems.append(f"the advice states a payment of {stated} {own}, the bank paid {amount} {ccy}")
    paid_total = sum((from_minor(line["paid_minor"], own) for line in advice.lines), Decimal(0))
    if paid_total != amount:
        problems.append(f"its lines pay {paid_total} {own}, the payment is {amount} {ccy}")
    paid_on = advice.payment_date or today or utc_now().date()
    snapshots = book.snapshots_by_id(session, found.values())
    allocations: list[Allocation] = []
    seen: set[str] = set()
    for line in advice.lines:
        number = line["invoice_number"]
        paid, discount = from_minor(line["paid_minor"], own), from_minor(line["discount_minor"], own)
        if number in seen:
            problems.append(f"invoice {number} appears twice")
            continue
        seen.add(number)
        if number not in found:
            problems.append(f"invoice {number} is not in the book")
            continue
        inv = postings.invoices[found[number]]
        if paid <= 0 or discount < 0:
            problems.append(f"invoice {number}: paid {paid}, discount {discount} (a credit or nothing paid)")
            continue
        open_amount = from_minor(inv.open_minor, inv.currency)
        if inv.currency != ccy:
            problems.append(f"invoice {number} is in {inv.currency}")
        elif paid + discount > open_amount:
            problems.append(f"invoice {number}: paid {paid} + discount {discount} exceeds its open amount "
                            f"{minor_text(inv.open_minor, inv.currency)}")
        elif discount:
            item = Item(to_open_invoice(snapshots[inv.id]), open_amount)
            offered = discount_for(item, paid_on, settings.discount_grace_days)
            if offered is None or not offered.earned or discount > offered.amount:
                grant = "no discount" if offered is None or not offered.earned else f"at most {offered.amount}"
                problems.append(f"invoice {number}: discount {discount} taken, the book's terms grant {grant} "
                                f"on {paid_on}")
        allocations.append(Allocation(invoice_id=inv.id, invoice_number=number, applied=paid, discount=discount))
    return allocations, problems
