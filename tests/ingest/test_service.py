"""Ingestion end to end against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ingest.service import session_counts
from ledger.db import transaction
from ledger.models import AuditEvent, BankEntry, BankEntrySighting, BankFile, BankTransaction
from tests.factories import E, camt


def _ingest(rt, data: bytes, name: str = "file.xml"):  # type: ignore[no-untyped-def]
    return rt.ingestor().ingest_stream(io.BytesIO(data), name=name, source="test")


def _counts(rt) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as session:
        return session_counts(session)


class TestRegistry:
    def test_file_is_archived_byte_for_byte_and_registered(self, rt) -> None:
        data = camt("053", [E("100.00", ref="R1"), E("25.50", ref="R2")])
        result = _ingest(rt, data, "stmt.xml")
        assert result.status == "parsed" and result.format == "camt.053"
        assert (result.entries_new, result.transactions) == (2, 2)
        sha = hashlib.sha256(data).hexdigest()
        assert result.sha256 == sha
        assert rt.archive.path_for(sha).read_bytes() == data
        with transaction(rt.engine) as s:
            f = s.scalars(select(BankFile)).one()
            assert (f.sha256, f.name, f.source, f.status, f.size_bytes) == (sha, "stmt.xml", "test", "parsed", len(data))
            amounts = sorted(s.scalars(select(BankEntry.amount_minor)))
            assert amounts == [2550, 10000]

    def test_same_bytes_twice_is_a_duplicate_not_an_error(self, rt) -> None:
        data = camt("053", [E("100.00", ref="R1")])
        first = _ingest(rt, data, "a.xml")
        second = _ingest(rt, data, "renamed.xml")
        assert second.status == "duplicate" and second.duplicate_of == first.file_id
        assert (second.error, second.duplicate_of_status) == (None, "parsed")
        assert _counts(rt) == {"files": 1, "statements": 1, "entries": 1, "transactions": 1}


class TestStoredOnce:
    def test_camt054_then_camt053_same_bank_reference(self, rt) -> None:
        intraday = camt("054", [E("500.00", ref="BANKREF-1", status="PDNG")], stmt_id="N1")
        evening = camt("053", [E("500.00", ref="BANKREF-1"), E("75.00", ref="BANKREF-2")], stmt_id="S1")
        r1 = _ingest(rt, intraday, "intraday.xml")
        r2 = _ingest(rt, evening, "evening.xml")
        assert (r1.entries_new, r2.entries_new, r2.entries_duplicate) == (1, 1, 1)
        assert r2.entries_upgraded == 1
        with transaction(rt.engine) as s:
            entries = s.scalars(select(BankEntry).order_by(BankEntry.id)).all()
            assert [(e.amount_minor, e.status) for e in entries] == [(50000, "booked"), (7500, "booked")]
            assert s.scalar(select(text("count(*)")).select_from(BankTransaction)) == 2
            sightings = s.execute(select(BankEntrySighting.file_id, BankEntrySighting.status)
                                  .where(BankEntrySighting.entry_id == entries[0].id)
                                  .order_by(BankEntrySighting.file_id)).all()
            assert [tuple(x) for x in sightings] == [(r1.file_id, "pending"), (r2.file_id, "booked")]
            actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "bank_entry")).all()
            assert actions == ["bank_entry.status_changed"]

    def test_same_end_to_end_amount_and_date_with_different_bank_references(self, rt) -> None:
        _ingest(rt, camt("054", [E("42.00", ref="NTF-9", e2e="E2E-77")]), "n.xml")
        r2 = _ingest(rt, camt("053", [E("42.00", ref="STM-1", e2e="E2E-77")]), "s.xml")
        assert (r2.entries_new, r2.entries_duplicate) == (0, 1)
        # a different amount with the same end-to-end id is a different booking
        r3 = _ingest(rt, camt("053", [E("43.00", ref="STM-2", e2e="E2E-77")], stmt_id="S2"), "s2.xml")
        assert r3.entries_new == 1

    def test_identical_twins_in_one_file_are_two_bookings_and_stay_two(self, rt) -> None:
        twins = [E("10.00", name="Same", text=["rent"]), E("10.00", name="Same", text=["rent"])]
        r1 = _ingest(rt, camt("053", twins), "a.xml")
        assert r1.entries_new == 2
        # the same content re-exported (different bytes) is recognised, twins included
        r2 = _ingest(rt, camt("053", twins, stmt_id="S-again"), "b.xml")
        assert (r2.entries_new, r2.entries_duplicate) == (0, 2)

    @pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2, 1, 0)])
    def test_any_order_of_overlapping_files_stores_each_booking_once(self, rt, order) -> None:
        files = [
            camt("054", [E("1.00", ref="A")], stmt_id="n1"),
            camt("054", [E("2.00", ref="B"), E("3.00", ref="C", status="PDNG")], stmt_id="n2"),
            camt("053", [E("1.00", ref="A"), E("2.00", ref="B"), E("3.00", ref="C"), E("4.00", ref="D")]),
        ]
        for i in order:
            _ingest(rt, files[i], f"f{i}.xml")
        with transaction(rt.engine) as s:
            rows = s.execute(select(BankEntry.bank_reference, BankEntry.amount_minor, BankEntry.status)
                             .order_by(BankEntry.bank_reference)).all()
        expected = [("A", 100, "booked"), ("B", 200, "booked"), ("C", 300, "booked"), ("D", 400, "booked")]
        if 2 not in order:
            expected = expected[:3]
        assert [tuple(r) for r in rows] == expected


class TestRejection:
    def test_bad_file_is_kept_and_rejected_with_location(self, rt) -> None:
        data = camt("053", [E("100.00", ref="R1"), E("12.3X", ref="R2"), E("5.00", ref="R3")])
        result = _ingest(rt, data, "bad.xml")
        assert result.status == "rejected"
        assert "bad.xml" in result.error and "12.3X" in result.error and "line" in result.error
        # nothing of the file is stored, but the file itself is kept and registered
        assert _counts(rt) == {"files": 1, "statements": 0, "entries": 0, "transactions": 0}
        assert rt.archive.path_for(result.sha256).read_bytes() == data
        with transaction(rt.engine) as s:
            f = s.scalars(select(BankFile)).one()
            assert (f.status, f.error) == ("rejected", result.error)

    def test_resending_a_rejected_file_says_the_first_copy_was_rejected(self, rt) -> None:
        data = camt("053", [E("1.00", ref="A"), E("x", ref="B")])
        first = _ingest(rt, data, "bad.xml")
        again = _ingest(rt, data, "bad-again.xml")
        assert (again.status, again.duplicate_of, again.duplicate_of_status) == ("duplicate", first.file_id, "rejected")
        assert _counts(rt)["entries"] == 0

    def test_unrecognised_content_is_rejected(self, rt) -> None:
        result = _ingest(rt, b"\x00\x01\x02binary junk\xff" * 10, "junk.bin")
        assert result.status == "rejected" and "junk.bin" in result.error
        assert "not a recognised bank file" in result.error

    def test_sub_cent_amount_is_rejected_not_rounded(self, rt) -> None:
        result = _ingest(rt, camt("053", [E("10.005", ref="R1")]), "subcent.xml")
        assert result.status == "rejected"
        assert "10.005" in result.error and "decimal places" in result.error
        assert _counts(rt)["entries"] == 0


class TestAudit:
    def test_each_file_writes_its_events(self, rt) -> None:
        _ingest(rt, camt("053", [E("1.00", ref="A")]), "a.xml")
        _ingest(rt, b"junk", "b.bin")
        with transaction(rt.engine) as s:
            actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["bank_file.received", "bank_file.parsed", "bank_file.received", "bank_file.rejected"]

    def test_audit_log_is_append_only_in_the_database(self, rt) -> None:
        _ingest(rt, camt("053", [E("1.00", ref="A")]), "a.xml")
        for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                with transaction(rt.engine) as s:
                    s.execute(text(statement))


class TestConcurrency:
    def test_two_runs_ingesting_the_same_file_at_once_store_it_once(self, rt) -> None:
        data = camt("053", [E(f"{i}.00", ref=f"R{i}") for i in range(1, 200)])
        results = []
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait()
            results.append(_ingest(rt, data, "same.xml"))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.status for r in results) == ["duplicate", "parsed"]
        assert _counts(rt)["entries"] == 199

    def test_overlapping_files_at_once_store_each_booking_once(self, rt) -> None:
        a = camt("054", [E(f"{i}.00", ref=f"R{i}") for i in range(1, 100)], stmt_id="n")
        b = camt("053", [E(f"{i}.00", ref=f"R{i}") for i in range(1, 120)], stmt_id="s")
        barrier = threading.Barrier(2)
        results = []

        def run(data: bytes, name: str) -> None:
            barrier.wait()
            results.append(_ingest(rt, data, name))

        threads = [threading.Thread(target=run, args=x) for x in ((a, "a.xml"), (b, "b.xml"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.status for r in results) == ["parsed", "parsed"]
        assert _counts(rt)["entries"] == 119


def test_a_recognised_file_rejected_later_keeps_its_format(rt) -> None:
    result = _ingest(rt, camt("053", [E("1.00", ref="A"), E("x", ref="B")]), "bad.xml")
    assert (result.status, result.format) == ("rejected", "camt.053")
    with transaction(rt.engine) as s:
        assert s.scalars(select(BankFile.format)).one() == "camt.053"
