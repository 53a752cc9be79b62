"""Outgoing files (ledger/models/outgoing.py): stored, listed, and their sending recorded.
Every status change is audited (entity `outgoing_file`, the file's name). Never commits."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, defer

from core.errors import Conflict, NotFound
from ledger import audit
from ledger.models import OutgoingFile
from ledger.types import utc_now


def store(session: Session, *, name: str, format: str, data: bytes, connection: str | None,
          actor: str) -> OutgoingFile:
    """Keep `data` as the file `name` (pending; queued for `connection` when given)."""
    row = OutgoingFile(name=name, format=format, sha256=hashlib.sha256(data).hexdigest(), content=data,
                       size=len(data), connection=connection, status="pending", attempts=0, actor=actor,
                       created_at=utc_now())
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="outgoing_file.stored", entity_type="outgoing_file",
                 entity_id=name, after={"format": format, "sha256": row.sha256, "size": row.size,
                                        "connection": connection, "status": "pending"})
    return row


def queued(session: Session, connection: str) -> list[int]:
    """The pending files for `connection`, oldest first."""
    return list(session.scalars(select(OutgoingFile.id).where(
        OutgoingFile.status == "pending", OutgoingFile.connection == connection).order_by(OutgoingFile.id)))


def listing(session: Session, statuses: list[str] | None = None) -> list[OutgoingFile]:
    query = select(OutgoingFile).options(defer(OutgoingFile.content)).order_by(OutgoingFile.id)  # not the bytes
    if statuses:
        query = query.where(OutgoingFile.status.in_(statuses))
    return list(session.scalars(query))


def as_json(row: OutgoingFile) -> dict[str, Any]:
    return {"name": row.name, "format": row.format, "sha256": row.sha256, "size": row.size,
            "connection": row.connection, "status": row.status, "attempts": row.attempts,
            "last_error": row.last_error, "created_at": row.created_at.isoformat(),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None, "actor": row.actor}


def queue(session: Session, name: str, connection: str, *, actor: str) -> OutgoingFile:
    """A person queues a kept or failed file for `connection` (after checking the server,
    for a failed one): pending again, its attempts kept. Audited. Conflict for a sent file,
    NotFound for no such file."""
    row = session.scalars(select(OutgoingFile).where(OutgoingFile.name == name).with_for_update()).one_or_none()
    if row is None:
        raise NotFound(f"no outgoing file {name!r}")
    if row.status == "sent":
        raise Conflict(f"{name} was sent already ({row.sent_at:%Y-%m-%d %H:%M} UTC): not queued again")
    before = {"status": row.status, "connection": row.connection, "last_error": row.last_error}
    row.status, row.connection, row.last_error, row.renaming_since = "pending", connection, None, None
    session.flush()
    audit.record(session, actor=actor, action="outgoing_file.queued", entity_type="outgoing_file",
                 entity_id=name, before=before, after={"status": "pending", "connection": connection})
    return row


def attempt_failed(session: Session, ids: list[int], error: str, *, keep_renaming: bool = False) -> None:
    """One more attempt that did not deliver; the files stay pending for the next send.
    `keep_renaming`: the rename may have happened (the line dropped during it)."""
    if not ids:
        return
    values: dict[str, Any] = {"attempts": OutgoingFile.attempts + 1, "last_error": error}
    if not keep_renaming:
        values["renaming_since"] = None
    session.execute(update(OutgoingFile).where(OutgoingFile.id.in_(ids), OutgoingFile.status == "pending")
                    .values(**values))


def renaming(session: Session, row_id: int) -> None:
    """Recorded (and committed by the caller) just before the remote rename."""
    session.execute(update(OutgoingFile).where(OutgoingFile.id == row_id).values(renaming_since=utc_now()))


def finish(session: Session, row_id: int, status: str, *, actor: str, note: str | None = None) -> None:
    """pending -> sent | failed, with one more attempt, audited. `note`: how it was sent
    (e.g. found already on the server), or why it failed."""
    row = session.get(OutgoingFile, row_id, with_for_update=True)
    if row is None or row.status != "pending":
        return
    row.status, row.attempts, row.renaming_since = status, row.attempts + 1, None
    row.last_error = note if status == "failed" else None  # a sent file's note is in its audit event
    if status == "sent":
        row.sent_at = utc_now()
    session.flush()
    audit.record(session, actor=actor, action=f"outgoing_file.{status}", entity_type="outgoing_file",
                 entity_id=row.name, before={"status": "pending"},
                 after={"status": status, "connection": row.connection, "attempts": row.attempts, "note": note})
