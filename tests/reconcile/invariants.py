"""The money invariants, read back from a database after concurrent or crashed work.

`violations(engine)` lists what is wrong (empty when everything holds); `signature(engine)`
is what cash went where, independent of ids and actors (to compare two runs of one input).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, func, select

from ledger.db import transaction
from ledger.models import Application, BankEntry, BankTransaction, Invoice, ReviewItem

# Reasons the matcher gives an applied payment on purpose (reconcile.drafts.flag): the cash
# is applied and a person looks at the rest. Any other open item beside live cash
# contradicts the application ("already applied", "invoices already paid", ...).
FLAGGED_APPLY = {"over_payment", "partial_payment", "discount_expired"}


def violations(engine: Engine) -> list[str]:
    found: list[str] = []
    with transaction(engine) as s:
        live: dict[int, int] = defaultdict(int)
        settled: dict[int, int] = defaultdict(int)
        pairs: set[tuple[int, int]] = set()
        for a in s.scalars(select(Application).where(Application.status == "applied")):
            live[a.transaction_id] += a.applied_minor
            settled[a.invoice_id] += a.applied_minor + a.discount_minor + a.write_off_minor
            if (a.transaction_id, a.invoice_id) in pairs:
                found.append(f"two live applications of payment #{a.transaction_id} to invoice #{a.invoice_id}")
            pairs.add((a.transaction_id, a.invoice_id))
        items = dict(s.execute(select(ReviewItem.transaction_id, ReviewItem.reason)
                               .where(ReviewItem.status == "open")).all())
        for tx in s.scalars(select(BankTransaction)):
            if tx.applied_minor != live[tx.id]:
                found.append(f"payment #{tx.id}: applied_minor {tx.applied_minor} but live applications {live[tx.id]}")
            if tx.amount_minor is not None and live[tx.id] > tx.amount_minor:
                found.append(f"payment #{tx.id}: {live[tx.id]} applied of {tx.amount_minor}")
            if live[tx.id] and tx.match_status != "applied":
                found.append(f"payment #{tx.id} has live cash but is {tx.match_status}")
            if tx.match_status == "applied" and not live[tx.id]:
                found.append(f"payment #{tx.id} is applied without live cash")
            if live[tx.id] and tx.id in items and items[tx.id] not in FLAGGED_APPLY:
                found.append(f"payment #{tx.id} is applied and in review for {items[tx.id]!r}")
            if tx.match_status == "review" and tx.id not in items:
                found.append(f"payment #{tx.id} is in review without an open review item")
        for inv in s.scalars(select(Invoice)):
            if inv.open_minor < 0 or inv.amount_minor - inv.open_minor != settled[inv.id]:
                found.append(f"invoice {inv.number}: amount {inv.amount_minor}, open {inv.open_minor}, "
                             f"settled by live applications {settled[inv.id]}")
        unmatched = s.scalar(
            select(func.count()).select_from(BankTransaction)
            .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
            .where(BankTransaction.match_status == "unmatched", BankEntry.status == "booked"))
        if unmatched:
            found.append(f"{unmatched} booked payments were never matched")
    return found


def signature(engine: Engine) -> dict[str, object]:
    """Cash applied, per (bank reference, invoice), and where every payment ended."""
    with transaction(engine) as s:
        apps = sorted(
            (ref or "", e2e or "", number, a.applied_minor, a.discount_minor, a.write_off_minor)
            for a, ref, e2e, number in s.execute(
                select(Application, BankEntry.bank_reference, BankTransaction.end_to_end_id, Invoice.number)
                .join(BankTransaction, BankTransaction.id == Application.transaction_id)
                .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
                .join(Invoice, Invoice.id == Application.invoice_id)
                .where(Application.status == "applied"))
        )
        statuses = sorted(
            (ref or "", e2e or "", seq, status) for ref, e2e, seq, status in s.execute(
                select(BankEntry.bank_reference, BankTransaction.end_to_end_id, BankTransaction.seq,
                       BankTransaction.match_status)
                .join(BankEntry, BankEntry.id == BankTransaction.entry_id))
        )
        reviews = sorted(
            (ref or "", reason) for ref, reason in s.execute(
                select(BankEntry.bank_reference, ReviewItem.reason)
                .join(BankTransaction, BankTransaction.id == ReviewItem.transaction_id)
                .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
                .where(ReviewItem.status == "open"))
        )
    return {"applications": apps, "statuses": statuses, "open_reviews": reviews}
