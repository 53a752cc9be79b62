"""Writes behind the caller (ledger.write_behind): a file stored and a run written in many small
chunks on the helper thread end in exactly the database one chunk makes — applications,
statuses, review items, audit trail and invoice events — on SQLite and PostgreSQL, and so
does a run whose engine decides in a forked child (core.forked); and a write's error
reaches the caller, in order, with nothing after it written."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from ingest import store
from ledger.db import transaction
from ledger.models import AuditEvent, Customer, CustomerAccount, Invoice, InvoiceEvent
from ledger.write_behind import WriteBehind
from reconcile import service
from tests.factories import E, camt
from tests.reconcile.invariants import signature, violations
from workflows.pipeline import match_settled


def _night(rt) -> bytes:  # type: ignore[no-untyped-def]
    """A small book and a file paying it: references, account-only, short-pays, unknown
    payers, a debit, and two payments returned in the same file."""
    rng = random.Random(11)
    invoices = []
    with transaction(rt.engine) as s:
        for c in range(12):
            s.execute(insert(Customer).values(id=f"K{c}", name=f"Kunde {c} Handels AG"))
            s.execute(insert(CustomerAccount).values(customer_id=f"K{c}", account=f"DE{c:020d}", source="imported"))
            for i in range(4):
                cents = rng.randrange(2_000, 90_000)
                s.execute(insert(Invoice).values(number=f"RE-{c}-{i}", customer_id=f"K{c}", currency="EUR",
                                                 amount_minor=cents, open_minor=cents, issue_date=date(2026, 11, 2)))
                invoices.append((f"RE-{c}-{i}", c, cents))
    entries = []
    for n in range(60):
        number, c, cents = rng.choice(invoices)
        amount = f"{cents // 100}.{cents % 100:02d}"
        shape = n % 6
        if shape == 3:
            entries.append(E(amount, ref=f"B{n}", e2e=f"E{n}", name=f"Kunde {c} Handels AG", account=f"DE{c:020d}"))
        elif shape == 4:
            short = cents - 150
            entries.append(E(f"{short // 100}.{short % 100:02d}", ref=f"B{n}", e2e=f"E{n}", text=[number]))
        elif shape == 5:
            entries.append(E("12.34", ref=f"B{n}", e2e=f"E{n}", name="Nobody Known", text=["thanks"]))
        else:
            entries.append(E(amount, ref=f"B{n}", e2e=f"E{n}", text=[f"Rechnung {number}"]))
    entries.append(E("50.00", ref="D1", e2e="D1", direction="DBIT", text=["fees"]))
    for n in (0, 7):
        entries.append(E(entries[n].amount, ref=f"R{n}", e2e=f"E{n}", direction="DBIT", reversal=True))
    return camt("053", entries, stmt_id="NIGHT")


def _outcome(rt) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        audit = sorted(s.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
        events = sorted(s.execute(select(InvoiceEvent.type, InvoiceEvent.invoice_number, InvoiceEvent.payload)).all(),
                        key=repr)
    return {**signature(rt.engine), "audit": audit,
            "events": [(t, n, {k: v for k, v in p.items() if k not in ("event_id", "occurred_at", "at")})
                       for t, n, p in events]}


def _run(rt, data: bytes) -> dict[str, object]:  # type: ignore[no-untyped-def]
    result = rt.ingestor().ingest_stream(io.BytesIO(data), name="night.xml", source="t")
    assert result.status == "parsed", result
    match_settled(rt, actor="t", today=date(2026, 11, 23))
    assert violations(rt.engine) == []
    return _outcome(rt)


def test_many_chunks_written_behind_end_as_one_write(fresh_runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    one = fresh_runtime()
    data = _night(one)
    whole = _run(one, data)
    assert len(whole["applications"]) > 20 and whole["open_reviews"]  # the night has work of every kind

    many = fresh_runtime()
    assert _night(many) == data
    monkeypatch.setattr(store, "CHUNK", 4)
    monkeypatch.setattr(service, "WRITE_CHUNK", 5)
    assert _run(many, data) == whole


def test_a_run_decided_in_a_child_process_ends_as_one_decided_in_process(fresh_runtime, monkeypatch) -> None:
    here = fresh_runtime()
    data = _night(here)
    monkeypatch.setattr(service, "ENGINE_PROCESS_MIN", 10**9)
    in_process = _run(here, data)

    forked = fresh_runtime()
    assert _night(forked) == data
    monkeypatch.setattr(service, "ENGINE_PROCESS_MIN", 0)  # every run's engine in a forked child
    monkeypatch.setattr(service, "WRITE_CHUNK", 7)
    children = []
    real = service.batches_in_child

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        children.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "batches_in_child", counted)
    assert _run(forked, data) == in_process
    assert children  # the child path did run


def test_a_failed_write_reaches_the_caller_and_stops_the_writes_after_it(fresh_runtime) -> None:
    rt = fresh_runtime()
    written: list[int] = []
    with pytest.raises(ZeroDivisionError), transaction(rt.engine) as s:
        with WriteBehind(s) as writer:
            writer.submit(lambda: written.append(1))
            writer.submit(lambda: written.append(len(written) // 0))
            writer.submit(lambda: written.append(3))  # may be refused at once, or skipped
            writer.drain()
    assert written == [1]


def test_the_caller_leaves_only_after_the_writes_behind_it_ran(fresh_runtime) -> None:
    rt = fresh_runtime()
    with transaction(rt.engine) as s:
        with WriteBehind(s) as writer:
            for n in range(3):
                writer.submit(lambda n=n: s.connection().execute(  # type: ignore[misc]
                    insert(Customer).values(id=f"W{n}", name=f"Written {n}")))
        # No drain: leaving the block waits for every write (the transaction commits after).
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(Customer).where(Customer.id.like("W%"))) == 3
