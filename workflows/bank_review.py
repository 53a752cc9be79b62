"""A person's review of the bank's data itself (for the CLI; the API works in its request's
session): statement checks closed, notifications of change applied or rejected. Each call is
one transaction; the decisions are audited by the repositories."""

from __future__ import annotations

from typing import Any

from ledger.repositories import change_proposals, statement_checks
from workflows.runtime import Runtime


def checks(rt: Runtime, *, status: str | None = "open", file_id: int | None = None,
           limit: int = 100) -> list[dict[str, Any]]:
    with rt.unit_of_work() as session:
        return statement_checks.listing(session, status=status, file_id=file_id, limit=limit)


def close_check(rt: Runtime, check_id: int, *, status: str, note: str, actor: str) -> dict[str, Any]:
    with rt.unit_of_work() as session:
        return statement_checks.decide(session, check_id, status=status, note=note, actor=actor)


def changes(rt: Runtime, *, status: str | None = "open", limit: int = 100) -> list[dict[str, Any]]:
    with rt.unit_of_work() as session:
        return change_proposals.listing(session, status=status, limit=limit)


def apply_change(rt: Runtime, proposal_id: int, *, actor: str, customer_id: str | None = None,
                 note: str | None = None) -> dict[str, Any]:
    with rt.unit_of_work() as session:
        return change_proposals.as_json(change_proposals.apply(
            session, proposal_id, actor=actor, customer_id=customer_id, note=note))


def reject_change(rt: Runtime, proposal_id: int, *, actor: str, note: str) -> dict[str, Any]:
    with rt.unit_of_work() as session:
        return change_proposals.as_json(change_proposals.reject(session, proposal_id, actor=actor, note=note))
