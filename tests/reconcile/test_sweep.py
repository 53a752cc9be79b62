"""The sweep: what a crash left behind is taken up without anyone asking (SQLite and PostgreSQL).

A file registered but never processed (its run died before the processing committed) is
processed again from the archive once it has waited long enough; payments stored but never
matched are matched; a file another run is processing right now is left alone.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from ledger.db import transaction
from ledger.models import BankFile, BankTransaction, Customer, Invoice
from ledger.types import utc_now
from tests.factories import E, camt
from workflows.pipeline import STRANDED_AFTER, sweep


def _book(rt) -> None:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Acme Manufacturing Inc"))
        s.execute(insert(Invoice).values(number="INV-1", customer_id="C1", currency="EUR", amount_minor=10000,
                                         open_minor=10000, issue_date=date(2026, 11, 1)))


def _registered_only(rt, data: bytes, name: str, age: timedelta) -> int:  # type: ignore[no-untyped-def]
    """What a run killed after registering a file leaves: the archived bytes and a `received` row."""
    archived = rt.archive.store(io.BytesIO(data), max_bytes=len(data))
    with transaction(rt.engine) as s:
        return s.execute(insert(BankFile).values(
            sha256=archived.sha256, name=name, source="cli", size_bytes=archived.size,
            archive_path=str(archived.path), status="received", warnings=[], received_at=utc_now() - age,
        ).returning(BankFile.id)).scalar_one()


def test_a_file_left_received_by_a_crash_is_processed_and_matched(rt) -> None:
    _book(rt)
    data = camt("053", [E("100.00", ref="P1", e2e="E1", name="Acme Manufacturing Inc", text=["INV-1"])])
    stale = _registered_only(rt, data, "night.xml", STRANDED_AFTER + timedelta(minutes=1))
    fresh = _registered_only(rt, camt("053", [E("5.00", ref="P2")], stmt_id="F"), "now.xml", timedelta(seconds=5))
    result = sweep(rt)
    assert [(f.file, f.status) for f in result.files] == [("night.xml", "parsed")]
    assert result.match is not None and result.match.applied == 1
    with transaction(rt.engine) as s:
        assert s.get(BankFile, stale).status == "parsed"
        assert s.get(BankFile, fresh).status == "received"  # maybe another run is processing it now
        assert s.scalars(select(Invoice.status)).one() == "paid"


def test_payments_stored_but_never_matched_are_matched(rt) -> None:
    _book(rt)
    data = camt("053", [E("100.00", ref="P1", e2e="E1", name="Acme Manufacturing Inc", text=["INV-1"])])
    # A run that stored the file and died before matching: ingested, never matched.
    assert rt.ingestor().ingest_stream(io.BytesIO(data), name="a.xml", source="test").status == "parsed"
    with transaction(rt.engine) as s:
        assert s.scalars(select(BankTransaction.match_status)).one() == "unmatched"
    result = sweep(rt)
    assert result.files == [] and result.match is not None and result.match.applied == 1
    with transaction(rt.engine) as s:
        assert s.scalars(select(BankTransaction.match_status)).one() == "applied"
    assert sweep(rt).match is None  # nothing waiting: no run at all


def test_nothing_waiting_costs_no_run(rt) -> None:
    with transaction(rt.engine) as s:
        s.execute(update(BankFile).values(status="parsed"))
    result = sweep(rt)
    assert result.files == [] and result.match is None
