"""Files remit sends to a bank (issue 15): kept byte for byte, then pushed by SFTP.

`remit collect` stores each pain.008 / NACHA file it writes here, in the transaction that
records its collections, so a file never exists without its debits nor debits without
their file. A row with a `connection` is queued for that SFTP connection's `upload_dir`
(workflows/sftp_send.py); without one the file is only kept (and written to `--out`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base
from ledger.types import UTCDateTime, utc_now

OUTGOING_FORMATS = ("pain.008", "nacha")
OUTGOING_STATUSES = ("pending", "sent", "failed")


class OutgoingFile(Base):
    """One file for the bank: pending (to send, or kept only without a connection), sent, or
    failed (needs a person: e.g. a different file of that name is already on the server)."""

    __tablename__ = "outgoing_files"
    __table_args__ = (
        CheckConstraint("format IN ('pain.008', 'nacha')", name="format"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        CheckConstraint("size >= 0", name="size_positive"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        Index("ix_outgoing_files_status_connection", "status", "connection"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the bytes, exactly as written to --out
    size: Mapped[int] = mapped_column(BigInteger)
    connection: Mapped[str | None] = mapped_column(String(128))  # SFTP connection name; None: kept only
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Committed just before the remote rename (`<name>.part` -> `<name>`): after a crash, a
    # row with it set and neither name on the server was delivered and taken by the bank,
    # so it is never uploaded again.
    renaming_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
