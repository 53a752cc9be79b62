"""Locks that serialize work across processes on one database.

A matching run holds the match lock for its whole transaction: runs queue one behind the
other, so each sees what the previous one committed (its applications, the invoices it
settled) and none decides on a payment another is deciding. Reviewers' actions do not take
it: they lock the one payment and its invoices (rows, ordered by id) and the run checks those
rows again, under lock, before it writes (reconcile/postings.py).

- PostgreSQL: `pg_advisory_xact_lock` — waits, and is released by commit or rollback (or by
  the server when the process dies).
- SQLite: nothing to take. Every write transaction begins IMMEDIATE (ledger/db.py), which
  holds the database's single write lock from the first statement: one writer at a time.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock id for `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


MATCH_RUN = lock_key("remit:match-run")


def hold_match_lock(session: Session) -> None:
    """Wait for and hold the match lock until the session's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MATCH_RUN})
