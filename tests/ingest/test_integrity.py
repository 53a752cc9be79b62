"""Statement integrity: a statement adds up and follows on from the account's last one — else a
warning on the file naming both figures, or (REMIT_STATEMENT_INTEGRITY=reject) the file refused."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.records import Direction, Entry, Statement, Transaction
from ingest.archive import Archive
from ingest.integrity import PREFIX
from ingest.service import Ingestor
from iso20022.writer import write_camt053
from ledger.db import transaction
from ledger.models import BankEntry, BankFile

ACCOUNT = "DE89370400440532013000"
DAY = date(2026, 11, 20)


def _entry(amount: str, direction: Direction, ref: str, day: date) -> Entry:
    return Entry(amount=Decimal(amount), currency="EUR", direction=direction, booking_date=day, value_date=day,
                 bank_reference=ref, transactions=(Transaction(amount=Decimal(amount), currency="EUR",
                                                               end_to_end_id=f"E-{ref}"),))


def _statement(n: int, opening: str, closing: str, *entries: Entry, day: date = DAY) -> bytes:
    st = Statement(id=f"STMT-{n}", account=ACCOUNT, currency="EUR", opening_balance=Decimal(opening),
                   closing_balance=Decimal(closing), from_date=day, to_date=day, entries=entries)
    return write_camt053([st])


def _ingest(rt, content: bytes, name: str, integrity: str = "warn"):  # type: ignore[no-untyped-def]
    ingestor = Ingestor(rt.engine, Archive(rt.settings.archive_dir), integrity=integrity)
    return ingestor.ingest_stream(io.BytesIO(content), name=name, source="test")


def test_a_statement_that_adds_up_raises_nothing(rt) -> None:
    day1 = _statement(1, "1000.00", "1150.00", _entry("200.00", Direction.CREDIT, "A", DAY),
                      _entry("50.00", Direction.DEBIT, "B", DAY))
    result = _ingest(rt, day1, "day1.xml")
    assert result.status == "parsed"
    assert not [w for w in result.warnings if w.startswith(PREFIX)]
    # the next day follows on from it
    nxt = DAY + timedelta(days=1)
    day2 = _statement(2, "1150.00", "1160.00", _entry("10.00", Direction.CREDIT, "C", nxt), day=nxt)
    assert not [w for w in _ingest(rt, day2, "day2.xml").warnings if w.startswith(PREFIX)]


def test_a_statement_that_does_not_add_up_is_flagged_with_both_figures(rt) -> None:
    # (the camt parser checks the balances; the store flags the file with what it found)
    bad = _statement(1, "1000.00", "1200.00", _entry("200.00", Direction.CREDIT, "A", DAY),
                     _entry("50.00", Direction.DEBIT, "B", DAY))
    result = _ingest(rt, bad, "bad.xml")
    assert result.status == "parsed" and result.entries_new == 2  # stored: a warning, not a refusal
    (warning,) = [w for w in result.warnings if w.startswith(PREFIX)]
    assert "STMT-1" in warning and ACCOUNT in warning
    assert "1150.00" in warning and "1200.00" in warning and "50.00" in warning  # expected, stated, difference
    with transaction(rt.engine) as s:
        assert any(w.startswith(PREFIX) for w in s.scalar(select(BankFile.warnings)))


def test_a_gap_between_two_statements_is_flagged(rt) -> None:
    _ingest(rt, _statement(1, "1000.00", "1200.00", _entry("200.00", Direction.CREDIT, "A", DAY)), "day1.xml")
    nxt = DAY + timedelta(days=2)  # a statement in between never arrived: 1300 opening, not 1200
    result = _ingest(rt, _statement(3, "1300.00", "1310.00", _entry("10.00", Direction.CREDIT, "C", nxt), day=nxt),
                     "day3.xml")
    (warning,) = [w for w in result.warnings if w.startswith(PREFIX)]
    assert "1300.00" in warning and "1200.00" in warning and "STMT-1" in warning and "100.00" in warning


def test_with_reject_the_file_is_refused_and_nothing_stored(rt) -> None:
    bad = _statement(1, "1000.00", "1200.00", _entry("200.00", Direction.CREDIT, "A", DAY),
                     _entry("50.00", Direction.DEBIT, "B", DAY))
    result = _ingest(rt, bad, "bad.xml", integrity="reject")
    assert result.status == "rejected"
    assert "bad.xml" in (result.error or "") and "1200.00" in (result.error or "") and "STMT-1" in (result.error or "")
    with transaction(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(BankEntry)) == 0
        assert s.scalar(select(BankFile.status)) == "rejected"
