"""A lock held across instances for the length of one SFTP poll (so no file is taken twice).

    with PollLock(engine, "sftp:bank-a") as acquired:
        if not acquired:
            ...  # another instance is polling this connection right now: skip

It never waits: a poll that finds the lock taken is skipped, the next scheduled one runs.

- PostgreSQL: a session-level `pg_try_advisory_lock(key)` on a dedicated connection, held
  until the block ends, then unlocked. If the process dies, the server drops the connection
  and with it the lock.
- SQLite (one host by nature): an exclusive, non-blocking `flock` on a file next to the
  database (`<db>.<hash>.lock`; the temp directory for an in-memory database). `flock`
  locks belong to the open file, so two locks in one process exclude each other too, and
  the kernel releases the lock when the process dies. The file itself is left in place.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection, Engine, text

from ledger.locks import lock_key as _pg_key


def sqlite_lock_path(engine: Engine, key: str) -> Path:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return Path(tempfile.gettempdir()) / f"remit-{digest}.lock"
    db = Path(database)
    return db.with_name(f"{db.name}.{digest}.lock")


class PollLock:
    def __init__(self, engine: Engine, key: str) -> None:
        self.engine = engine
        self.key = key
        self.acquired = False
        self._conn: Connection | None = None
        self._fd: int | None = None

    def __enter__(self) -> bool:
        if self.acquired:
            raise RuntimeError("PollLock is not re-entrant")
        if self.engine.dialect.name == "postgresql":
            self._enter_pg()
        else:
            self._enter_file()
        return self.acquired

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    # -- PostgreSQL -----------------------------------------------------------------------
    def _enter_pg(self) -> None:
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _pg_key(self.key)}).scalar_one()
            conn.commit()  # session-level lock: outlives the transaction, held by the connection
        except BaseException:
            conn.close()
            raise
        if got:
            self._conn, self.acquired = conn, True
        else:
            conn.close()

    # -- SQLite / anything else: a file lock ----------------------------------------------
    def _enter_file(self) -> None:
        path = sqlite_lock_path(self.engine, self.key)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return
        except BaseException:
            os.close(fd)
            raise
        self._fd, self.acquired = fd, True

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _pg_key(self.key)})
                conn.commit()
            except BaseException:
                # Never hand a connection that may still hold the lock back to the pool.
                conn.invalidate()
                raise
            finally:
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        self.acquired = False
