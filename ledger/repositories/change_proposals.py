"""Change proposals (a bank's notifications of change, ingest/changes.py): read, applied to the
customer after a person accepts them, or rejected — each decision audited. Nothing here commits.

Applying: a corrected account replaces the customer's old one (the bank says the old one is
wrong: debiting it again would be returned), or is added when the customer did not have it;
a corrected name is added to the customer's names (the AR system owns the customer's name);
a transaction code, identification or SEC code is recorded on the proposal. The customer's
ACH mandates on the old account (receivables.mandates) follow: their account becomes the
corrected one, and a corrected transaction code sets checking (2x) or savings (3x).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core.accounts import try_normalize_account
from core.errors import Conflict, Invalid, NotFound
from ledger import audit
from ledger.models import ChangeProposal, Customer, CustomerAccount, CustomerAlias, Mandate
from ledger.types import utc_now

STATUSES = ("open", "applied", "rejected")


def listing(session: Session, *, status: str | None = "open", after_id: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    query = select(ChangeProposal).where(ChangeProposal.id > after_id).order_by(ChangeProposal.id).limit(limit)
    if status is not None:
        query = query.where(ChangeProposal.status == status)
    return [as_json(p) for p in session.scalars(query)]


def get(session: Session, proposal_id: int) -> ChangeProposal | None:
    return session.get(ChangeProposal, proposal_id)


def apply(session: Session, proposal_id: int, *, actor: str, customer_id: str | None = None,
          note: str | None = None) -> ChangeProposal:
    """Apply an open proposal to its customer (or to `customer_id` when none was found)."""
    proposal = _open(session, proposal_id)
    customer = customer_id or proposal.customer_id
    if customer is None:
        raise Invalid(f"change proposal #{proposal_id}: no customer has account {proposal.old_account}; "
                      "name the customer to apply it to")
    if session.get(Customer, customer) is None:
        raise NotFound(f"no customer {customer!r}")
    changed: dict[str, Any] = {}
    if proposal.new_account:
        changed["account"] = _replace_account(session, customer, proposal.old_account, proposal.new_account)
    if proposal.new_name:
        known = session.scalar(select(CustomerAlias.id).where(
            CustomerAlias.customer_id == customer, CustomerAlias.alias == proposal.new_name))
        if known is None:
            session.execute(insert(CustomerAlias).values(customer_id=customer, alias=proposal.new_name,
                                                         source="imported", created_at=utc_now()))
        changed["alias_added"] = proposal.new_name
    mandates = _update_mandates(session, customer, proposal, actor=actor)
    if mandates:
        changed["mandates"] = mandates
    resolution = note or "applied"
    _close(session, proposal, status="applied", actor=actor, resolution=resolution, customer=customer)
    audit.record(session, actor=actor, action="customer.changed_by_noc", entity_type="customer",
                 entity_id=customer, before={"account": proposal.old_account},
                 after={**changed, "change_proposal": proposal.id, "change_code": proposal.change_code,
                        **{k: v for k, v in (proposal.detail or {}).items() if k != "problems"}})
    return proposal


def _update_mandates(session: Session, customer: str, proposal: ChangeProposal, *, actor: str) -> list[str]:
    """The customer's ACH mandates on the corrected account take the correction; their ids."""
    code = str((proposal.detail or {}).get("transaction_code") or "")
    account_type = {"2": "checking", "3": "savings"}.get(code[:1]) if len(code) == 2 else None
    if proposal.old_account is None or not (proposal.new_account or account_type):
        return []
    changed = []
    for mandate in session.scalars(select(Mandate).where(Mandate.customer_id == customer, Mandate.scheme == "ach")
                                   .order_by(Mandate.id).with_for_update()):
        if try_normalize_account(mandate.account) != proposal.old_account:
            continue
        before = {"account": mandate.account, "account_type": mandate.account_type}
        mandate.account = proposal.new_account or mandate.account
        mandate.account_type = account_type or mandate.account_type
        mandate.updated_at = utc_now()
        audit.record(session, actor=actor, action="mandate.changed_by_noc", entity_type="mandate",
                     entity_id=mandate.mandate_id, before=before,
                     after={"account": mandate.account, "account_type": mandate.account_type,
                            "change_proposal": proposal.id, "change_code": proposal.change_code})
        changed.append(mandate.mandate_id)
    return changed


def reject(session: Session, proposal_id: int, *, actor: str, note: str) -> ChangeProposal:
    proposal = _open(session, proposal_id)
    _close(session, proposal, status="rejected", actor=actor, resolution=note, customer=proposal.customer_id)
    return proposal


def _open(session: Session, proposal_id: int) -> ChangeProposal:
    proposal = session.scalars(select(ChangeProposal).where(ChangeProposal.id == proposal_id)
                               .with_for_update()).one_or_none()
    if proposal is None:
        raise NotFound(f"no change proposal #{proposal_id}")
    if proposal.status != "open":
        raise Conflict(f"change proposal #{proposal_id} is already {proposal.status}")
    return proposal


def _replace_account(session: Session, customer: str, old: str | None, new: str) -> str:
    owner = session.scalar(select(CustomerAccount.customer_id).where(CustomerAccount.account == new))
    if owner is not None and owner != customer:
        raise Conflict(f"account {new} already belongs to customer {owner}")
    old_row = None if old is None else session.scalar(select(CustomerAccount.id).where(
        CustomerAccount.account == old, CustomerAccount.customer_id == customer))
    if owner == customer:  # already known: the wrong one goes
        if old_row is not None:
            session.execute(delete(CustomerAccount).where(CustomerAccount.id == old_row))
        return "kept"
    if old_row is not None:
        session.execute(update(CustomerAccount).where(CustomerAccount.id == old_row)
                        .values(account=new, source="imported"))
        return "replaced"
    session.execute(insert(CustomerAccount).values(customer_id=customer, account=new, source="imported",
                                                   created_at=utc_now()))
    return "added"


def _close(session: Session, proposal: ChangeProposal, *, status: str, actor: str, resolution: str,
           customer: str | None) -> None:
    before = {"status": proposal.status, "customer_id": proposal.customer_id}
    proposal.status, proposal.actor, proposal.resolution = status, actor, resolution
    proposal.customer_id, proposal.resolved_at = customer, utc_now()
    session.flush()
    audit.record(session, actor=actor, action=f"change_proposal.{status}", entity_type="change_proposal",
                 entity_id=proposal.id, before=before,
                 after={"status": status, "customer_id": customer, "resolution": resolution})


def as_json(p: ChangeProposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "transaction_id": p.transaction_id,
        "customer_id": p.customer_id,
        "change_code": p.change_code,
        "old_account": p.old_account,
        "new_account": p.new_account,
        "new_name": p.new_name,
        "detail": p.detail or {},
        "explanation": p.explanation,
        "status": p.status,
        "resolution": p.resolution,
        "actor": p.actor,
        "created_at": p.created_at.isoformat(),
        "resolved_at": p.resolved_at.isoformat() if p.resolved_at else None,
    }
