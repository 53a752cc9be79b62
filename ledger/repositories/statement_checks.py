"""Statement checks (ledger.models.StatementCheck): the reads and the one change, closing a
check with its resolution and an audit event naming who. Nothing here commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound
from ledger import audit
from ledger.models import BankFile, StatementCheck, StatementRow
from ledger.types import utc_now

CLOSED = ("resolved", "dismissed")


def close(session: Session, check_id: int, *, status: str, resolution: str, actor: str) -> bool:
    """Close an open check; False when it is not open (already closed by someone else)."""
    if status not in CLOSED:
        raise ValueError(f"a check is closed as {' or '.join(CLOSED)}, not {status!r}")
    done = session.execute(
        update(StatementCheck).where(StatementCheck.id == check_id, StatementCheck.status == "open")
        .values(status=status, resolution=resolution, actor=actor, resolved_at=utc_now())
    ).rowcount
    if done:
        audit.record(session, actor=actor, action=f"statement_check.{status}", entity_type="statement_check",
                     entity_id=check_id, before={"status": "open"}, after={"status": status, "resolution": resolution})
    return bool(done)


def decide(session: Session, check_id: int, *, status: str, note: str, actor: str) -> dict[str, Any]:
    """A person closes a check (resolved: the cause is found and dealt with; dismissed: not a
    problem); the check as JSON after."""
    check = session.get(StatementCheck, check_id)
    if check is None:
        raise NotFound(f"no statement check #{check_id}")
    if check.status != "open" or not close(session, check_id, status=status, resolution=note, actor=actor):
        raise Conflict(f"statement check #{check_id} is already {check.status}")
    session.refresh(check)
    return listing(session, status=None, file_id=check.file_id, after_id=check_id - 1, limit=1)[0]


def open_of_kind(session: Session, kind: str, account: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(id, detail) of the open checks of a kind (and account)."""
    query = select(StatementCheck.id, StatementCheck.detail).where(
        StatementCheck.kind == kind, StatementCheck.status == "open")
    if account is not None:
        query = query.where(StatementCheck.account == account)
    return [(i, d or {}) for i, d in session.execute(query.order_by(StatementCheck.id))]


def get(session: Session, check_id: int) -> StatementCheck | None:
    return session.get(StatementCheck, check_id)


def listing(session: Session, *, status: str | None = "open", file_id: int | None = None,
            after_id: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Checks in id order with their file's name and statement id, as JSON-ready dicts."""
    query = (select(StatementCheck, BankFile.name, StatementRow.statement_id)
             .join(BankFile, BankFile.id == StatementCheck.file_id)
             .outerjoin(StatementRow, StatementRow.id == StatementCheck.statement_id)
             .where(StatementCheck.id > after_id).order_by(StatementCheck.id).limit(limit))
    if status is not None:
        query = query.where(StatementCheck.status == status)
    if file_id is not None:
        query = query.where(StatementCheck.file_id == file_id)
    return [as_json(check, file_name, statement) for check, file_name, statement in session.execute(query)]


def as_json(check: StatementCheck, file_name: str | None, statement: str | None) -> dict[str, Any]:
    return {
        "id": check.id,
        "file_id": check.file_id,
        "file_name": file_name,
        "statement_id": statement,
        "account": check.account,
        "kind": check.kind,
        "message": check.message,
        "expected": check.expected,
        "found": check.found,
        "currency": check.currency,
        "status": check.status,
        "resolution": check.resolution,
        "actor": check.actor,
        "created_at": check.created_at.isoformat(),
        "resolved_at": check.resolved_at.isoformat() if check.resolved_at else None,
    }
