"""Queries on the file registry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.models import BankFile


def get_by_sha256(session: Session, sha256: str) -> BankFile | None:
    return session.scalars(select(BankFile).where(BankFile.sha256 == sha256)).one_or_none()


def get(session: Session, file_id: int) -> BankFile | None:
    return session.get(BankFile, file_id)


def list_files(
    session: Session, *, status: str | None = None, limit: int = 100, before_id: int | None = None
) -> Sequence[BankFile]:
    """Newest first; `before_id` pages on (the last id of the previous page: a stable cursor)."""
    query = select(BankFile).order_by(BankFile.id.desc()).limit(limit)
    if status:
        query = query.where(BankFile.status == status)
    if before_id is not None:
        query = query.where(BankFile.id < before_id)
    return session.scalars(query).all()


def claim_for_processing(session: Session, file_id: int) -> bool:
    """Take the right to process a received file; False if another run already did.

    The UPDATE row-locks the file until the caller's transaction ends, so a concurrent run
    waits and then sees the new status instead of processing the file a second time.
    """
    result = session.execute(
        update(BankFile)
        .where(BankFile.id == file_id, BankFile.status == "received")
        .values(status="parsed")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def stranded(session: Session, *, received_before: datetime) -> Sequence[BankFile]:
    """Files registered but never processed (their run died before its processing committed)."""
    return session.scalars(
        select(BankFile).where(BankFile.status == "received", BankFile.received_at < received_before)
        .order_by(BankFile.id)
    ).all()
