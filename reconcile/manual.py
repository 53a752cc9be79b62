"""What a reviewer does to a payment: apply it by hand, write off, dismiss, unapply, assign.

A manual application also teaches remit who paid: the payer's account and name are learned
for the invoices' customer, so the next payment from them is identified without help.
Never commits: the command or request owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from core.accounts import try_normalize_account
from core.money import D
from ledger import audit
from ledger.models import Application, column_length
from ledger.repositories import invoices as book
from ledger.repositories import payments, review_items
from reconcile import apply
from reconcile.model import Allocation, ReviewReason
from reconcile.normalize import name_key as alias_key
from reconcile.postings import Postings, live_applications, lock_invoices


@dataclass(frozen=True, slots=True)
class ManualLine:
    invoice_number: str
    applied: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    write_off: Decimal = Decimal(0)
    write_off_reason: str | None = None


def _postings(session: Session, transaction_id: int, expected_version: int | None,
              invoice_ids: Sequence[int] = ()) -> Postings:
    """The payment locked and checked against the version the reviewer saw, then its invoices."""
    payment = apply.check_version(session, transaction_id, expected_version)
    return Postings(session, payments={payment.id: payment}, invoices=lock_invoices(session, invoice_ids),
                    live=live_applications(session, [payment.id]))


def manual_apply(
    session: Session,
    *,
    transaction_id: int,
    lines: Sequence[ManualLine],
    actor: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> apply.Applied:
    numbers = [line.invoice_number for line in lines]
    found = book.ids_by_number(session, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        apply.check_version(session, transaction_id, expected_version)  # a stale version says so first
        raise apply.ApplicationError(f"unknown invoice(s): {', '.join(missing)}")
    postings = _postings(session, transaction_id, expected_version, [found[n] for n in numbers])
    allocations = [
        Allocation(
            invoice_id=found[line.invoice_number],
            invoice_number=line.invoice_number,
            applied=line.applied,
            discount=line.discount,
            write_off=line.write_off,
            write_off_reason=line.write_off_reason or ("manual" if line.write_off else None),
        )
        for line in lines
    ]
    reasons = [f"applied by {actor}"] + ([note] if note else [])
    applied = postings.apply(transaction_id, allocations, method="manual", actor=actor, reasons=reasons)
    postings.close_review(transaction_id, status="resolved", resolution=f"applied to {', '.join(applied)}",
                          actor=actor)
    postings.flush()
    customers = {postings.invoices[found[n]].customer_id for n in numbers}
    if len(customers) == 1:
        learn_payer(session, transaction_id=transaction_id, customer_id=customers.pop(), actor=actor)
    return apply.Applied(tuple(postings.application_ids.get(transaction_id, ())), tuple(applied))


def learn_payer(session: Session, *, transaction_id: int, customer_id: str, actor: str) -> list[str]:
    """Remember the payer's account and name for this customer (never steals an account)."""
    payer = payments.counterparty(session, transaction_id)
    customer_name = book.customer_names(session, [customer_id]).get(customer_id)
    if payer is None or customer_name is None:
        return []
    learned = []
    account = try_normalize_account(payer.account)
    if account and account not in book.account_owners(session, [account]):
        book.add_learned_account(session, customer_id, account)
        learned.append(f"account {account}")
    name = (payer.name or "").strip()
    if name and alias_key(name) != alias_key(customer_name):
        known = book.aliases_by_customer(session, [customer_id]).get(customer_id, set())
        if alias_key(name) not in {alias_key(a) for a in known}:
            book.add_learned_alias(session, customer_id, name)
            learned.append(f"name {name!r}")
    if learned:
        audit.record(session, actor=actor, action="customer.learned", entity_type="customer", entity_id=customer_id,
                     after={"learned": learned, "from_transaction": transaction_id})
    return learned


def accept_suggestion(
    session: Session, *, transaction_id: int, rank: int, actor: str, expected_version: int | None = None
) -> apply.Applied:
    """Apply the open review item's suggestion number `rank` (1 = best) exactly as suggested."""
    apply.check_version(session, transaction_id, expected_version)
    item = review_items.open_item(session, transaction_id)
    if item is None:
        raise apply.ApplicationError(f"transaction #{transaction_id} has no open review item")
    if not 1 <= rank <= len(item.candidates):
        raise apply.ApplicationError(
            f"transaction #{transaction_id} has {len(item.candidates)} suggestion(s); there is no number {rank}"
        )
    candidate = item.candidates[rank - 1]
    if not candidate.get("allocations"):
        raise apply.ApplicationError(f"suggestion {rank} names invoices but no amounts: apply it with amounts")
    lines = [
        ManualLine(a["invoice_number"], D(a["applied"]), D(a["discount"]), D(a["write_off"]), a["write_off_reason"])
        for a in candidate["allocations"]
    ]
    note = f"accepted suggestion {rank} (score {candidate['score']}: {'; '.join(candidate['reasons'])})"
    return manual_apply(session, transaction_id=transaction_id, lines=lines, actor=actor, note=note)


def dismiss(
    session: Session, *, transaction_id: int, actor: str, reason: str, expected_version: int | None = None
) -> None:
    """Not receivables after all (a refund, an internal transfer): out of the queue, audited.
    A payment with cash applied (an over-payment flagged for a look) stays applied, and a
    return stays returned: dismissing only closes the item."""
    postings = _postings(session, transaction_id, expected_version)
    if not postings.close_review(transaction_id, status="dismissed", resolution=reason, actor=actor):
        raise apply.ApplicationError(f"transaction #{transaction_id} has no open review item")
    payment = postings.payment(transaction_id)
    if payment.match_status != "returned" and not payment.applied_minor:
        postings.set_status(transaction_id, "ignored")
    postings.flush()


def unapply(
    session: Session, *, transaction_id: int, actor: str, reason: str, expected_version: int | None = None
) -> list[str]:
    """Take a payment's cash back off its invoices; the payment goes to review, not re-matching."""
    longest = column_length(Application.reversal_reason)
    if len(reason) > longest:
        raise apply.ApplicationError(f"the reason is kept with each reversed application: at most {longest} "
                                     f"characters, not {len(reason)}")
    payment = apply.check_version(session, transaction_id, expected_version)
    apps = live_applications(session, [transaction_id])
    if not apps:
        raise apply.ApplicationError(f"transaction #{transaction_id} has no live applications")
    postings = Postings(session, payments={payment.id: payment},
                        invoices=lock_invoices(session, [a.invoice_id for a in apps]), live=apps)
    reopened = postings.reverse(transaction_id, apps, actor=actor, reason=reason)
    postings.set_status(transaction_id, "review")
    postings.open_review(transaction_id, reason=ReviewReason.MANUAL_UNAPPLY.value,
                         explanation=f"Unapplied by {actor}: {reason}", candidates=[], actor=actor)
    postings.flush()
    return reopened


def assign(
    session: Session, *, transaction_id: int, assignee: str | None, actor: str,
    expected_version: int | None = None,
) -> int:
    """Give the payment's open review item to `assignee` (None: nobody); audited.

    Bumps the payment's version like any other change to its review state, so two people
    taking the same item at once cannot both believe they have it. Returns the review item id.
    """
    apply.check_version(session, transaction_id, expected_version)
    item = review_items.open_item(session, transaction_id)
    if item is None:
        raise apply.ApplicationError(f"transaction #{transaction_id} has no open review item")
    assignee = (assignee or "").strip() or None
    if item.assignee == assignee:
        return item.id  # nothing changes: no event, no new version
    before = item.assignee
    review_items.set_assignee(session, item.id, assignee)
    payments.bump_version(session, transaction_id)
    audit.record(session, actor=actor, action="review_item.assigned", entity_type="review_item",
                 entity_id=item.id, before={"assignee": before},
                 after={"assignee": assignee, "transaction_id": transaction_id})
    session.flush()
    return item.id
