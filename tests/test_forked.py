"""core.forked: batches computed in a forked child arrive in order and complete; the child's
error, or its death, is raised in the parent; a consumer that stops early leaves no child."""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal

import pytest

from core import forked
from core.forked import ChildFailed, batches, batches_in_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def test_batches_arrive_in_order_and_whole() -> None:
    parent = os.getpid()
    seen_pids: set[int] = set()

    def compute():  # type: ignore[no-untyped-def]
        for n in range(23):
            yield (os.getpid(), Decimal(n) / 4)

    got = list(batches_in_child(compute, size=5))
    assert [len(b) for b in got] == [5, 5, 5, 5, 3]
    assert [v for b in got for _, v in b] == [Decimal(n) / 4 for n in range(23)]
    seen_pids |= {pid for b in got for pid, _ in b}
    assert seen_pids and parent not in seen_pids  # computed elsewhere
    assert list(batches_in_child(lambda: iter(()), size=5)) == []
    assert list(batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_an_error_in_the_child_is_raised_in_the_parent_with_its_traceback() -> None:
    def compute():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("invoice 42 has no currency")

    received = []
    with pytest.raises(ChildFailed, match="invoice 42 has no currency"):
        for batch in batches_in_child(compute, size=1):
            received.extend(batch)
    assert received == [1]


def test_a_child_that_dies_is_reported_not_mistaken_for_the_end() -> None:
    def compute():  # type: ignore[no-untyped-def]
        yield 1
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
        yield 2

    with pytest.raises(ChildFailed, match="ended before finishing"):
        list(batches_in_child(compute, size=1))


def test_a_consumer_that_stops_early_leaves_no_child_behind() -> None:
    def compute():  # type: ignore[no-untyped-def]
        yield os.getpid()
        while True:  # would run forever
            time.sleep(0.01)
            yield 0

    stream = batches_in_child(compute, size=1)
    (child,) = next(stream)
    stream.close()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # killed and reaped


def test_without_fork_the_batches_are_computed_here(monkeypatch) -> None:
    monkeypatch.delattr(forked.os, "fork")
    assert list(batches_in_child(lambda: (os.getpid() for _ in range(3)), size=2)) == [[os.getpid()] * 2, [os.getpid()]]


def test_started_in_child_runs_beside_the_caller_and_returns_in_order() -> None:
    parent = os.getpid()
    read_end, write_end = os.pipe()

    def compute():  # type: ignore[no-untyped-def]
        os.write(write_end, b"started")  # proves the child runs before anyone asks for its result
        for n in range(7):
            yield (os.getpid(), Decimal(n) / 8)

    later = forked.started_in_child(compute, size=3)
    assert os.read(read_end, 7) == b"started"  # the caller was free meanwhile
    got = later.result()
    assert [v for _, v in got] == [Decimal(n) / 8 for n in range(7)]
    assert {pid for pid, _ in got} - {parent}  # computed elsewhere
    assert later.result() == got  # asked again: the same items, no second child
    os.close(read_end)
    os.close(write_end)


def test_started_in_child_raises_the_childs_error_and_close_stops_an_unread_child() -> None:
    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("payment 7 has no amount")

    with pytest.raises(ChildFailed, match="payment 7 has no amount"):
        forked.started_in_child(failing, size=1).result()

    read_end, write_end = os.pipe()

    def forever():  # type: ignore[no-untyped-def]
        os.write(write_end, str(os.getpid()).encode().ljust(16))
        while True:
            time.sleep(0.01)
            yield 0

    later = forked.started_in_child(forever, size=1)
    child = int(os.read(read_end, 16))
    later.close()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # killed and reaped
    os.close(read_end)
    os.close(write_end)


def test_started_in_child_without_fork_computes_here(monkeypatch) -> None:
    monkeypatch.delattr(forked.os, "fork")
    assert forked.started_in_child(lambda: (os.getpid() for _ in range(3)), size=2).result() == [os.getpid()] * 3
