"""What the bank says about remit's direct debits: settled, or returned (issue 15).

Run at the start of every matching run (workflows.pipeline.match), under the match lock and
in the run's transaction, so a collection's link to its invoice wins over ordinary matching
of the same text: the transactions claimed here are never matched again.

- **Settlement.** A booked credit whose end-to-end id is a pending collection's (camt TxDtls),
  of its amount, pays that invoice in full; a booked credit carrying a batch's reference
  (pain.008 PmtInfId, NACHA batch reference) for exactly the batch's total — or the total
  of its collections not returned — pays every collection of the batch still pending — collections already returned stay open and the
  difference is explained in a review item, never applied. Method `direct_debit`, no review.
- **Returns.** A return (camt RtrInf / reversal, NACHA return, BAI2 return) whose original
  reference or end-to-end id is a collection's (or a NACHA trace number): the collection is
  `returned` with the reason; if it had been settled, that application is reversed and the
  invoice reopened. A final reason (FINAL_REASONS: account closed, no mandate, ...)
  deactivates the mandate and opens a review item that says why; any other (R01, AM04, ...)
  keeps it, and the next `remit collect` debits the invoice again.
- **Whole rejects.** A pain.002 reject of a payment information block (its original
  reference a batch_ref) or of a whole message (the pain.008 MsgId, found by its file name)
  returns every collection of it still pending, with the reason, as a return does (a final
  reason deactivates the mandates, said in a review item). One already returned stays as
  it is (a report sent again returns nothing twice); one already settled is not reversed
  on a status report's word: a review item says so. A control sum that is neither the
  batch's total nor what still stands of it returns nothing and goes to review.
- **Either order.** A return that comes first leaves the invoice open; the credit that comes
  after it applies nothing to that invoice. Nothing is applied twice.

Every change goes through one reconcile.postings batch (payments locked first, then the
invoices, each by id) with audit events naming the actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from core.money import from_minor, minor_text
from ledger import audit
from ledger.locks import hold_match_lock
from ledger.models import BankEntry, BankTransaction, Collection, Invoice, Mandate
from ledger.types import utc_now
from receivables.collect import SEPA_FILE_SUFFIX
from reconcile.model import Allocation, ReviewReason
from reconcile.postings import LiveApplication, Postings, live_applications, lock_invoices, lock_payments

# Reasons after which debiting the same mandate again is pointless or forbidden.
FINAL_REASONS = frozenset({
    # NACHA: account closed, no account, invalid account, unauthorized, authorization revoked,
    # not authorized, branch sold, deceased, frozen, non-transaction account, corporate not authorized
    "R02", "R03", "R04", "R05", "R07", "R10", "R12", "R14", "R15", "R16", "R20", "R29",
    # SEPA (ISO external status reasons): wrong or closed or blocked account, forbidden,
    # no valid mandate, deceased, refused by the debtor's bank as not allowed
    "AC01", "AC04", "AC06", "AC13", "AG01", "AG02", "MD01", "MD02", "MD07", "BE05", "SL01",
})
REASON_TEXT = {
    "R01": "insufficient funds", "R02": "account closed", "R03": "no account / unable to locate",
    "R04": "invalid account number", "R07": "authorization revoked", "R08": "payment stopped",
    "R09": "uncollected funds", "R10": "customer advises not authorized", "R16": "account frozen",
    "AC01": "incorrect account number", "AC04": "closed account", "AC06": "blocked account",
    "AM04": "insufficient funds", "MD01": "no mandate", "MD06": "refund requested by the debtor",
    "MD07": "debtor deceased", "MS02": "refused by the debtor", "MS03": "reason not specified",
}
METHOD = "direct_debit"


@dataclass(frozen=True, slots=True)
class _Tx:
    id: int
    amount_minor: int | None
    currency: str | None
    direction: str
    is_return: bool
    e2e: str | None
    original: str | None
    reason: str | None
    keys: frozenset[str]  # every reference the bank gave, to find a batch's


def settle_collections(session: Session, *, actor: str) -> int:
    """Claim what the bank reported about remit's collections; how many transactions."""
    if session.scalar(select(Collection.id).limit(1)) is None:
        return 0
    hold_match_lock(session)
    batch_refs = sorted(set(session.scalars(select(Collection.batch_ref).where(Collection.status == "pending"))))
    txs = _candidates(session, batch_refs)
    wanted = {k for tx in txs for k in (tx.e2e, tx.original) if k}
    known = list(session.scalars(select(Collection).where(
        or_(Collection.end_to_end_id.in_(wanted), Collection.trace.in_(wanted))).order_by(Collection.id)))
    by_e2e = {c.end_to_end_id: c for c in known}
    by_trace = {c.trace: c for c in known if c.trace}  # the latest, should a trace number come round again
    groups = _groups(session, {tx.original for tx in txs if tx.is_return and tx.original} - set(by_e2e) - set(by_trace))
    plans: list[tuple[_Tx, list[Collection], str]] = []
    for tx in txs:
        if tx.is_return:
            found = by_e2e.get(tx.original or "") or by_e2e.get(tx.e2e or "") or by_trace.get(tx.original or "")
            if found is not None:
                plans.append((tx, [found], "return"))
            elif tx.original in groups:  # a whole batch or message rejected (pain.002)
                plans.append((tx, groups[tx.original], "reject"))
        elif tx.direction == "credit":
            one = by_e2e.get(tx.e2e or "")
            # Pending: settle it. Returned: the credit undoes nothing of ours twice (see _settle).
            # Settled already: a second credit is ordinary matching's (a duplicate payment).
            if one is not None and one.status != "settled" and tx.amount_minor == one.amount_minor \
                    and tx.currency in (None, one.currency):
                plans.append((tx, [one], "settle"))
                continue
            batch = _batch_for(session, tx, batch_refs)
            if batch:
                plans.append((tx, batch, "batch"))
    if not plans:
        return 0
    # Payments locked first (the claimed ones, and those whose applications a return undoes), then invoices.
    settled_by = {c.settled_by for _, cs, kind in plans if kind == "return" for c in cs if c.settled_by}
    payments = lock_payments(session, {tx.id for tx, _, _ in plans} | settled_by)
    invoices = lock_invoices(session, {c.invoice_id for _, cs, _ in plans for c in cs})
    apps = live_applications(session, settled_by)
    postings = Postings(session, payments=payments, invoices=invoices, live=apps)
    mandates = {m.id: m for m in session.scalars(select(Mandate).where(
        Mandate.id.in_({c.mandate_id for _, cs, _ in plans for c in cs})).with_for_update())}
    done = 0
    # Returns first: a credit in the same run then finds its collection already returned.
    for tx, collections, kind in sorted(plans, key=lambda p: (p[2] != "return", p[0].id)):
        if payments[tx.id].match_status not in ("unmatched", "review"):
            continue
        if kind == "reject" and payments[tx.id].match_status == "review":
            continue  # decided before and left to a person (settled, or a control sum not ours): not again
        if kind == "return":
            _return(session, postings, tx, collections[0], mandates, apps, actor)
        elif kind == "reject":
            _reject(session, postings, tx, collections, mandates, actor)
        else:
            _settle(session, postings, tx, collections, actor)
        done += 1
    postings.flush()
    return done


def _candidates(session: Session, batch_refs: list[str]) -> list[_Tx]:
    """Booked transactions not matched yet naming a collection (end-to-end id, or as a return's
    original reference its end-to-end id or trace number) or a pending batch's reference."""
    remittance = cast(BankTransaction.remittance, String)
    references = cast(BankTransaction.references, String)
    e2es = select(Collection.end_to_end_id)
    keyed = [BankTransaction.end_to_end_id.in_(e2es), BankTransaction.return_original_reference.in_(e2es),
             BankTransaction.return_original_reference.in_(
                 select(Collection.trace).where(Collection.trace.is_not(None))),
             BankTransaction.return_original_reference.in_(select(Collection.batch_ref)),
             (BankTransaction.return_original_reference + SEPA_FILE_SUFFIX).in_(select(Collection.file_name))]
    for ref in batch_refs:
        keyed += [BankTransaction.end_to_end_id == ref, BankTransaction.instruction_id == ref,
                  BankTransaction.transaction_id == ref, BankEntry.bank_reference == ref,
                  remittance.contains(ref), references.contains(ref)]
    rows = session.execute(
        select(BankTransaction.id, BankTransaction.amount_minor, BankTransaction.currency, BankEntry.currency,
               BankEntry.direction, BankEntry.reversal, BankTransaction.return_reason,
               BankTransaction.return_info, BankTransaction.end_to_end_id, BankTransaction.return_original_reference,
               BankTransaction.instruction_id, BankTransaction.transaction_id, BankEntry.bank_reference,
               BankTransaction.remittance, BankTransaction.references, BankTransaction.match_status)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankEntry.status == "booked", BankTransaction.match_status.in_(("unmatched", "review")), or_(*keyed))
        .order_by(BankTransaction.id)).all()
    out = []
    for (tx_id, amount, ccy, entry_ccy, direction, reversal, reason, info, e2e, original, instr, txid, bank_ref,
         remit, refs, status) in rows:
        is_return = bool(reason or info or reversal)
        if status == "review" and not is_return:
            continue  # a person is looking at it: only a return of ours is taken from review
        keys = frozenset(k for k in (e2e, instr, txid, bank_ref, *(remit or ()), *(refs or ())) if k)
        out.append(_Tx(tx_id, amount, ccy or entry_ccy, direction, is_return, e2e, original,
                       reason or (info or {}).get("reason_code"), keys))
    return out


def _groups(session: Session, refs: set[str]) -> dict[str, list[Collection]]:
    """The collections of each batch (batch_ref) or pain.008 message (MsgId, by its file) named."""
    if not refs:
        return {}
    files = {f"{r}{SEPA_FILE_SUFFIX}": r for r in refs}
    out: dict[str, list[Collection]] = {}
    for c in session.scalars(select(Collection).where(or_(Collection.batch_ref.in_(refs), Collection.file_name.in_(
            files))).order_by(Collection.id)):
        for ref in {c.batch_ref if c.batch_ref in refs else None, files.get(c.file_name)} - {None}:
            out.setdefault(ref, []).append(c)
    return out


def _batch_for(session: Session, tx: _Tx, batch_refs: list[str]) -> list[Collection]:
    """The batch this credit carries the reference of, when it is for exactly the batch's total."""
    for ref in batch_refs:
        if not any(ref in key for key in tx.keys):
            continue
        batch = list(session.scalars(select(Collection).where(Collection.batch_ref == ref).order_by(Collection.id)))
        standing = sum(c.amount_minor for c in batch if c.status != "returned")
        if tx.amount_minor in (sum(c.amount_minor for c in batch), standing) and tx.currency in (None, batch[0].currency):
            return batch
    return []


def _settle(session: Session, postings: Postings, tx: _Tx, collections: list[Collection], actor: str) -> None:
    pending = [c for c in collections if c.status == "pending"]
    returned = [c for c in collections if c.status == "returned"]
    numbers = _numbers(session, collections)
    applied = []
    for c in pending:
        invoice = postings.invoices[c.invoice_id]
        if invoice.open_minor < c.amount_minor:  # paid otherwise meanwhile: collected, but a person decides
            _mark(session, c, "settled", actor, settled_by=tx.id)
            continue
        postings.apply(tx.id, [Allocation(c.invoice_id, invoice.number, from_minor(c.amount_minor, c.currency))],
                       method=METHOD, actor=actor, confidence=100,
                       reasons=[f"direct debit {c.end_to_end_id} ({c.batch_ref}) settled by the bank"])
        _mark(session, c, "settled", actor, settled_by=tx.id)
        applied.append(c)
    left = [c for c in collections if c not in applied]
    if not applied and pending:
        postings.set_status(tx.id, "review")
        postings.open_review(tx.id, reason=ReviewReason.DUPLICATE_PAYMENT.value, candidates=[], actor=actor,
                             explanation=f"Direct debit(s) of {', '.join(numbers[c.id] for c in pending)} collected, "
                                         "but the invoice(s) were paid otherwise meanwhile: nothing applied — "
                                         "refund the customer or apply the cash by hand.")
    elif not applied:
        postings.set_status(tx.id, "returned")  # it only carries debits already returned
        postings.open_review(tx.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                             explanation=f"Credit for direct debit(s) {', '.join(numbers[c.id] for c in collections)} "
                                         "already returned by the bank: nothing applied.")
    elif (tx.amount_minor or 0) > sum(c.amount_minor for c in applied):
        ccy = collections[0].currency
        gap = (tx.amount_minor or 0) - sum(c.amount_minor for c in applied)
        why = "; ".join(f"{numbers[c.id]} {minor_text(c.amount_minor, ccy)} "
                        f"({'returned ' + (c.return_reason or '') if c in returned else 'not open any more'})"
                        for c in left)
        postings.open_review(tx.id, reason=ReviewReason.OVER_PAYMENT.value, candidates=[], actor=actor,
                             explanation=f"Direct-debit batch {collections[0].batch_ref}: the bank credited the full "
                                         f"batch, {minor_text(gap, ccy)} {ccy} more than the debits that stand — "
                                         f"{why}. The difference is not applied: the bank debits it back.")


def _return(session: Session, postings: Postings, tx: _Tx, c: Collection, mandates: dict[int, Mandate],
            apps: list[LiveApplication], actor: str) -> None:
    code = (tx.reason or "unknown").upper()
    number = _numbers(session, [c])[c.id]
    what = f"invoice {number} stays open"
    if c.status == "settled" and c.settled_by:
        mine = [a for a in apps if a.transaction_id == c.settled_by and a.invoice_id == c.invoice_id]
        postings.reverse(c.settled_by, mine, actor=actor, reason=f"direct debit returned: {code} (transaction #{tx.id})")
        what = f"the application to {number} is reversed and the invoice reopened"
        if postings.payments[c.settled_by].applied_minor == 0:
            postings.set_status(c.settled_by, "returned")
    elif c.status == "returned":  # told twice (a reject, then a return): nothing more to undo
        postings.set_status(tx.id, "returned")
        audit.record(session, actor=actor, action="collection.returned_again", entity_type="collection",
                     entity_id=c.end_to_end_id, after={"return_reason": code, "transaction_id": tx.id})
        return
    _mark(session, c, "returned", actor, returned_by=tx.id, reason=code)
    postings.set_status(tx.id, "returned")
    mandate = mandates[c.mandate_id]
    text = REASON_TEXT.get(code, "")
    label = f"{code}{' ' + text if text else ''}"
    if code in FINAL_REASONS:
        if mandate.status == "active":
            before = {"status": mandate.status, "status_reason": mandate.status_reason}
            mandate.status, mandate.status_reason, mandate.updated_at = "inactive", f"returned {label}", utc_now()
            audit.record(session, actor=actor, action="mandate.deactivated", entity_type="mandate",
                         entity_id=mandate.mandate_id, before=before,
                         after={"status": "inactive", "status_reason": mandate.status_reason, "transaction_id": tx.id})
        postings.open_review(tx.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                             explanation=f"Direct debit {c.end_to_end_id} of {number} returned ({label}): {what}. "
                                         f"A final reason: mandate {mandate.mandate_id} is deactivated, so "
                                         "`remit collect` no longer debits this customer — arrange another way to pay "
                                         "or a new mandate.")
    # Not final (R01, AM04, ...): the mandate stands; the next `remit collect` debits the invoice again.


def _reject(session: Session, postings: Postings, tx: _Tx, collections: list[Collection],
            mandates: dict[int, Mandate], actor: str) -> None:
    """A whole payment information block or message rejected (pain.002): return what is pending.

    What is settled already is not reversed on a status report's word: a reject after the
    bank's credit contradicts it, so a person looks (review item) while the cash stays applied.
    What is returned already stays so: a report sent again returns nothing twice."""
    code = (tx.reason or "unknown").upper()
    text = REASON_TEXT.get(code, "")
    label = f"{code}{' ' + text if text else ''}"
    ref = tx.original or ""
    what = f"payment information {ref}" if collections[0].batch_ref == ref else f"pain.008 message {ref}"
    ccy = collections[0].currency
    numbers = _numbers(session, collections)
    total = sum(c.amount_minor for c in collections)
    standing = sum(c.amount_minor for c in collections if c.status != "returned")
    if tx.currency not in (None, ccy) or tx.amount_minor not in (None, total, standing):
        # The bank's control sum is not what remit sent there: it may mean another file.
        postings.set_status(tx.id, "review")
        postings.open_review(tx.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                             explanation=f"The bank rejected {what} ({label}) for "
                                         f"{minor_text(tx.amount_minor or 0, tx.currency or ccy)} "
                                         f"{tx.currency or ccy}, "
                                         f"but remit's debits there total {minor_text(total, ccy)} {ccy}: nothing "
                                         "returned — check with the bank which debits it refused.")
        return
    pending = [c for c in collections if c.status == "pending"]
    settled = [c for c in collections if c.status == "settled"]
    for c in pending:
        _mark(session, c, "returned", actor, returned_by=tx.id, reason=code)
    deactivated = []
    if code in FINAL_REASONS:
        for mandate in sorted({mandates[c.mandate_id] for c in pending}, key=lambda m: m.id):
            if mandate.status != "active":
                continue
            before = {"status": mandate.status, "status_reason": mandate.status_reason}
            mandate.status, mandate.status_reason, mandate.updated_at = "inactive", f"rejected {label}", utc_now()
            audit.record(session, actor=actor, action="mandate.deactivated", entity_type="mandate",
                         entity_id=mandate.mandate_id, before=before,
                         after={"status": "inactive", "status_reason": mandate.status_reason, "transaction_id": tx.id})
            deactivated.append(mandate.mandate_id)
    audit.record(session, actor=actor, action="collection.batch_rejected", entity_type="collection_batch",
                 entity_id=ref, after={"reason": code, "transaction_id": tx.id,
                                       "returned": [c.end_to_end_id for c in pending],
                                       "settled_not_reversed": [c.end_to_end_id for c in settled],
                                       "returned_before": [c.end_to_end_id for c in collections
                                                           if c not in pending and c not in settled]})
    postings.set_status(tx.id, "review" if settled else "returned")
    if not settled and code not in FINAL_REASONS:
        return  # not final: the mandates stand; the next `remit collect` debits the invoices again
    said = []
    if pending:
        said.append(f"Direct debits of {', '.join(numbers[c.id] for c in pending)} returned: the invoices stay open.")
    if deactivated:
        said.append(f"A final reason: mandate(s) {', '.join(deactivated)} deactivated, so `remit collect` no longer "
                    "debits these customers — arrange another way to pay or a new mandate.")
    if settled:
        said.append(f"{', '.join(numbers[c.id] for c in settled)} already settled by the bank's credit: the reject "
                    "does not reverse them — check with the bank whether it took the money back, then unapply by hand.")
    if not said:
        return  # returned before, final reason: said then
    postings.open_review(tx.id, reason=ReviewReason.RETURNED_PAYMENT.value, candidates=[], actor=actor,
                         explanation=f"The bank rejected {what} as a whole ({label}). " + " ".join(said))


def _mark(session: Session, c: Collection, status: str, actor: str, *, settled_by: int | None = None,
          returned_by: int | None = None, reason: str | None = None) -> None:
    before = {"status": c.status, "return_reason": c.return_reason}
    c.status, c.updated_at = status, utc_now()
    if settled_by is not None:
        c.settled_by = settled_by
    if returned_by is not None:
        c.returned_by, c.return_reason = returned_by, reason
        c.return_detail = REASON_TEXT.get(reason or "")
    session.flush()
    audit.record(session, actor=actor, action=f"collection.{status}", entity_type="collection",
                 entity_id=c.end_to_end_id, before=before,
                 after={"status": status, "return_reason": c.return_reason, "transaction_id": settled_by or returned_by})


def _numbers(session: Session, collections: list[Collection]) -> dict[int, str]:
    ids = {c.invoice_id for c in collections}
    names = dict(session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(ids))).all())
    return {c.id: names[c.invoice_id] for c in collections}
