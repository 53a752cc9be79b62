"""Batches of a pure computation made on the other core: a forked child computes, the parent consumes.

A nightly matching run is one long pure-Python computation (the engine, ~30 s for 100k
payments) followed by writes that keep the parent busy too (recording, the database
driver). Threads share one interpreter lock, so a writer thread beside the engine only
slows it down; a forked child has its own. The child starts with everything the parent
has read (copy-on-write, nothing to send), computes, and sends each batch back through a
pipe as a pickle while the parent writes the previous one.

    for batch in batches_in_child(lambda: compute(), size=5000): ...

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
from typing import BinaryIO, TypeVar

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
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanups
        os.close(read_end)
        _child(make, size, write_end)
    os.close(write_end)
    finished = False
    try:
        with os.fdopen(read_end, "rb", buffering=1 << 20) as pipe:
            while (message := _receive(pipe)) is not None:
                yield message
        finished = True
    finally:
        if not finished:  # the consumer stopped early or the child failed: do not leave it running
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
