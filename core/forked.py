"""Batches of a pure computation made on the other core: a forked child computes, the parent consumes.

A nightly matching run is one long pure-Python computation (the engine, ~30 s for 100k
payments) followed by writes that keep the parent busy too (recording, the database
driver). Threads share one interpreter lock, so a writer thread beside the engine only
slows it down; a forked child has its own. The child starts with everything the parent
has read (copy-on-write, nothing to send), computes, and sends each batch back through a
pipe as a pickle while the parent writes the previous one.

    for batch in batches_in_child(lambda: compute(), size=5000): ...

    later = started_in_child(lambda: compute_rest(), size=5000)  # the child starts now
    mine = compute_mine()
    rest = later.result()  # waits for the child's items, in order

Rules: `make` must be pure — no database, files, sockets, locks or threads — because the
child shares the parent's open connections and copies only the calling thread; import what
it needs before calling (the import lock may be held by another thread at fork time). The
child leaves with os._exit: no cleanup of the parent's objects runs in it. Where fork is
not available, the batches are computed in the calling process. An error in the child
(or its death) is raised in the parent as ChildFailed, after which nothing more is yielded.
"""

from __future__ import annotations

import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")

_DATA, _ERROR, _END = b"D", b"E", b"Z"
_HEADER = 9  # kind (1 byte) + length (8 bytes)


class ChildFailed(RuntimeError):
    """The forked child raised (its traceback is the message) or died before finishing."""


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def batches_in_child(make: Callable[[], Iterable[T]], *, size: int) -> Iterator[list[T]]:
    """The batches of make()'s items, computed in a forked child (in-process without fork)."""
    if not hasattr(os, "fork"):
        yield from batches(make(), size)
        return
    yield from _received(*_start(make, size))


class Started(Generic[T]):
    """make()'s items, being computed in a forked child since `started_in_child` returned."""

    def __init__(self, make: Callable[[], Iterable[T]], size: int) -> None:
        self._items: list[T] = []
        self._child: tuple[int, int] | None = None
        if hasattr(os, "fork"):
            self._child = _start(make, size)
        else:  # computed now, in this process
            self._items = list(make())

    def result(self) -> list[T]:
        """All the items, in order (waits for the child; raises ChildFailed if it failed)."""
        if self._child is not None:
            child, self._child = self._child, None
            self._items = [item for batch in _received(*child) for item in batch]
        return self._items

    def close(self) -> None:
        """Stop a child whose items nobody will read (after an error here, say)."""
        if self._child is not None:
            (pid, read_end), self._child = self._child, None
            os.close(read_end)
            _stop(pid)


def started_in_child(make: Callable[[], Iterable[T]], *, size: int) -> Started[T]:
    """Start computing make()'s items in a forked child and return at once: the caller goes on
    with its own share of the work, then takes the child's with `.result()`."""
    return Started(make, size)


def _start(make: Callable[[], Iterable[T]], size: int) -> tuple[int, int]:
    """Fork the child that computes make() in batches: (its pid, the pipe's read end)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanups
        os.close(read_end)
        _child(make, size, write_end)
    os.close(write_end)
    return pid, read_end


def _received(pid: int, read_end: int) -> Iterator[list[T]]:
    finished = False
    try:
        with os.fdopen(read_end, "rb", buffering=1 << 20) as pipe:
            while (message := _receive(pipe)) is not None:
                yield message
        finished = True
    finally:
        if not finished:  # the consumer stopped early or the child failed: do not leave it running
            _stop(pid)
        else:
            os.waitpid(pid, 0)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _child(make: Callable[[], Iterable[T]], size: int, fd: int) -> None:
    status = 0
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as pipe:
            try:
                for batch in batches(make(), size):
                    _send(pipe, _DATA, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
                _send(pipe, _END, b"")
            except BaseException:  # noqa: BLE001 — every failure goes to the parent as text
                _send(pipe, _ERROR, traceback.format_exc().encode())
                status = 1
    except BaseException:  # noqa: BLE001 — the parent is gone (broken pipe): nobody to tell
        status = 1
    finally:
        os._exit(status)


def _send(pipe: BinaryIO, kind: bytes, payload: bytes) -> None:
    pipe.write(kind + len(payload).to_bytes(8, "big"))
    pipe.write(payload)
    pipe.flush()  # the parent starts on a batch as soon as it is complete


def _receive(pipe: BinaryIO) -> list[T] | None:  # type: ignore[type-var]
    header = pipe.read(_HEADER)
    if len(header) < _HEADER:
        raise ChildFailed("the child process ended before finishing (killed, or out of memory?)")
    kind, length = header[:1], int.from_bytes(header[1:], "big")
    payload = pipe.read(length)
    if len(payload) < length:
        raise ChildFailed("the child process ended in the middle of a batch (killed, or out of memory?)")
    if kind == _END:
        return None
    if kind == _ERROR:
        raise ChildFailed(payload.decode(errors="replace"))
    return pickle.loads(payload)  # noqa: S301 — our own child's pickles, through our own pipe
