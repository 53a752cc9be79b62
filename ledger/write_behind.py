"""Writes of one transaction run on a helper thread, in order, while the caller prepares the next.

A 100k-payment night spends about a third of its time waiting for PostgreSQL: storing the
file's chunks and writing the run's decisions. With the writes handed to one helper thread
(in submission order, on the caller's own connection and transaction), the server works on
one core while Python parses or records on the other. Nothing changes in what is written or
in which transaction: the caller still commits, after drain().

Rules for the caller: a submitted write touches only the connection and data nothing else
changes meanwhile (build a write's rows before submitting it); the caller uses the session
itself only after drain(). An error of a write is raised, in order, by the next submit() or
by drain(); later writes are then skipped. SQLite (connections tied to their thread, one
in-process writer) runs each write at once, in the caller's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session

Write = Callable[[], None]
_STOP = None


class WriteBehind:
    def __init__(self, session: Session, *, depth: int = 2) -> None:
        self.background = session.get_bind().dialect.name == "postgresql"
        self._queue: queue.Queue[Write | None] = queue.Queue(maxsize=depth)  # bounds memory
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, write: Write) -> None:
        self._raise()
        if not self.background:
            write()
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="remit-write-behind", daemon=True)
            self._thread.start()
        self._queue.put(write)

    def drain(self) -> None:
        """Wait until every submitted write has run; raise the first error."""
        if self._thread is not None:
            self._queue.join()
        self._raise()

    def close(self) -> None:
        """Stop the helper thread once what was submitted has run (errors are kept)."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        # The caller's transaction ends after this: never while a write is still running.
        self.close()
        if kind is None:
            self._raise()
        elif self._error is not None and error is not self._error and isinstance(error, Exception):
            raise self._error from error  # an earlier write failed first: that is the cause

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            write = self._queue.get()
            try:
                if write is _STOP:
                    return
                if self._error is None:
                    write()
            except BaseException as error:  # noqa: BLE001 — handed to the caller's thread
                self._error = error
            finally:
                self._queue.task_done()
