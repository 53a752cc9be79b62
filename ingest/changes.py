"""Notifications of change (NACHA COR entries, C01-C14) become change proposals at ingest.

The bank says an account, routing number or name it was sent is wrong and what it should be.
Nothing changes on its word alone: the proposal names the customer whose account the entry
was sent to (found by that account) and what would change, and waits for a person
(ledger.repositories.change_proposals applies or rejects it). Made in the transaction that
stores the file; a reprocessed file proposes nothing twice (one proposal per transaction).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.accounts import try_normalize_account
from ingest.ach.addenda import corrected_data
from ledger import audit
from ledger.models import BankEntry, BankTransaction, ChangeProposal, CustomerAccount, Mandate
from ledger.types import utc_now

# What applying a proposal does, by change code (Nacha Operating Rules, Appendix Five).
EFFECT = {
    "C01": "replace the customer's account number",
    "C02": "replace the customer's routing number",
    "C03": "replace the customer's routing and account numbers",
    "C04": "add the receiver's corrected name to the customer's names",
    "C05": "record the corrected transaction code (checking / savings) for debits",
    "C06": "replace the customer's account number and record the corrected transaction code",
    "C07": "replace the customer's routing and account numbers and record the corrected transaction code",
    "C08": "record the corrected receiving bank (IAT)",
    "C09": "record the corrected individual identification number",
    "C13": "record the addenda format error the bank reports",
    "C14": "record the corrected SEC code",
}


def propose_changes(session: Session, *, file_id: int, actor: str) -> list[int]:
    """A proposal for each new notification of change in the file; their ids."""
    rows = session.execute(
        select(BankTransaction.id, BankTransaction.change_code, BankTransaction.change_info,
               BankTransaction.counterparty_account, BankTransaction.counterparty_name)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankEntry.file_id == file_id, BankTransaction.change_code.is_not(None),
               BankTransaction.id.not_in(select(ChangeProposal.transaction_id)))
        .order_by(BankTransaction.id)
    ).all()
    made: list[int] = []
    for tx_id, code, info, account, name in rows:
        if code not in EFFECT:  # a refused NOC (C61-C69) corrects nothing of ours
            continue
        values = proposal(code, (info or {}).get("corrected_data") or "", account, name)
        customer = None
        if values["old_account"]:
            customer = session.scalar(select(CustomerAccount.customer_id)
                                      .where(CustomerAccount.account == values["old_account"]))
            customer = customer or _mandate_customer(session, values["old_account"])
        proposal_id = session.execute(insert(ChangeProposal).values(
            transaction_id=tx_id, customer_id=customer, change_code=code, status="open",
            created_at=utc_now(), **values).returning(ChangeProposal.id)).scalar_one()
        audit.record(session, actor=actor, action="change_proposal.opened", entity_type="change_proposal",
                     entity_id=proposal_id, after={"transaction_id": tx_id, "customer_id": customer,
                                                   "change_code": code, "new_account": values["new_account"],
                                                   "new_name": values["new_name"]})
        made.append(proposal_id)
    return made


def _mandate_customer(session: Session, account: str) -> str | None:
    """The customer whose ACH mandate debits this (normalized) account: the NOC answers our debit."""
    if not account.startswith("ABA:"):
        return None
    routing = account.split(":")[1]
    for customer, stored in session.execute(select(Mandate.customer_id, Mandate.account).where(
            Mandate.scheme == "ach", Mandate.account.like(f"ABA:{routing}:%")).order_by(Mandate.id)):
        if try_normalize_account(stored) == account:
            return str(customer)
    return None


def proposal(code: str, data: str, account: str | None, name: str | None) -> dict[str, Any]:
    """old_account, new_account, new_name, detail and explanation of one notification."""
    corrected, problems = corrected_data(code, data)
    old = try_normalize_account(account)
    routing, number = _aba_parts(old)
    new_account = None
    if corrected.account or corrected.routing:
        new_routing, new_number = corrected.routing or routing, corrected.account or number
        if new_routing and new_number:
            new_account = try_normalize_account(f"ABA:{new_routing}:{new_number}")
    detail = {k: v for k, v in (("text", corrected.text), ("transaction_code", corrected.transaction_code),
                                ("identification", corrected.identification), ("sec_code", corrected.sec_code),
                                ("problems", problems or None)) if v}
    explanation = (f"{code}: the bank corrects what it was sent for {name or 'the receiver'}"
                   f" ({old or 'no account'}): {EFFECT[code]}"
                   + (f" — {new_account}" if new_account else "")
                   + (f" — name {corrected.name!r}" if corrected.name else "")
                   + (f"; the corrected data has problems: {'; '.join(problems)}" if problems else ""))
    return {"old_account": old, "new_account": new_account, "new_name": corrected.name,
            "detail": detail, "explanation": explanation}


def _aba_parts(account: str | None) -> tuple[str | None, str | None]:
    if account and account.startswith("ABA:"):
        _, routing, number = account.split(":", 2)
        return routing, number
    return None, None
