"""Statement checks: a statement that does not add up, does not follow on, or skips or repeats
the bank's sequence number raises a check with both figures for a person to review; a gap
closes by itself when the missing statement arrives."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.records import Direction, Entry, ParsedFile, Statement, StatementNumber, Transaction, collect
from ingest.archive import Archive
from ingest.formats import detect_format, iter_records
from ingest.integrity import PREFIX
from ingest.service import Ingestor
from iso20022.writer import write_camt053
from ledger.db import transaction
from ledger.models import AuditEvent, StatementCheck

ACCOUNT = "DE89370400440532013000"


def _camt(n: int, day: date, opening: str, closing: str, *, legal: int | None = None,
          amount: str = "10.00", ref: str | None = None) -> bytes:
    entry = Entry(amount=Decimal(amount), currency="EUR", direction=Direction.CREDIT, booking_date=day,
                  value_date=day, bank_reference=ref or f"R{n}-{day}",
                  transactions=(Transaction(amount=Decimal(amount), currency="EUR", end_to_end_id=f"E{n}-{day}"),))
    numbers = (StatementNumber("electronic", n),) + ((StatementNumber("legal", legal),) if legal else ())
    return write_camt053([Statement(id=f"S-{n}-{day}", account=ACCOUNT, currency="EUR",
                                    opening_balance=Decimal(opening), closing_balance=Decimal(closing),
                                    from_date=day, to_date=day, entries=(entry,), numbers=numbers)])


def _ingest(rt, content: bytes, name: str, integrity: str = "warn"):  # type: ignore[no-untyped-def]
    return Ingestor(rt.engine, Archive(rt.settings.archive_dir), integrity=integrity).ingest_stream(
        io.BytesIO(content), name=name, source="test")


def _checks(rt) -> list[StatementCheck]:  # type: ignore[no-untyped-def]
    with transaction(rt.engine) as s:
        rows = s.scalars(select(StatementCheck).order_by(StatementCheck.id)).all()
        s.expunge_all()
        return list(rows)


def test_camt_sequence_numbers_are_read_per_message_kind() -> None:
    (st,) = _parse(_camt(7, date(2026, 11, 2), "0", "10.00", legal=212)).statements
    assert st.numbers == (StatementNumber("electronic", 7, "Stmt"), StatementNumber("legal", 212, "Stmt"))


def _parse(content: bytes) -> ParsedFile:
    fmt = detect_format(content[:4096])
    return collect(fmt, iter_records(fmt, io.BytesIO(content)))


def test_bai2_file_id_is_read_with_sender_receiver_and_day() -> None:
    text = ("01,122099999,123456789,261102,0200,4,80,,2/\n02,123456789,122099999,1,261101,,USD,2/\n"
            "03,5550001,USD,010,10000,,,015,10000,,/\n49,20000,2/\n98,20000,1,4/\n99,20000,1,6/\n")
    (st,) = _parse(text.encode()).statements
    assert st.numbers == (StatementNumber("file", 4, "122099999>123456789 261102"),)


def test_a_gap_raises_a_check_that_closes_when_the_missing_statement_arrives(rt) -> None:
    assert _ingest(rt, _camt(1, date(2026, 11, 2), "100.00", "110.00"), "s1.xml").status == "parsed"
    late = _ingest(rt, _camt(3, date(2026, 11, 4), "120.00", "130.00"), "s3.xml")
    # a missing statement shows twice: in the numbers and in the balances (120.00 is not 110.00)
    warnings = [w for w in late.warnings if w.startswith(PREFIX)]
    assert any("electronic sequence number 3 follows 1" in w and "2 missing" in w for w in warnings)
    checks = {c.kind: c for c in _checks(rt)}
    assert set(checks) == {"sequence", "continuity"} and len(warnings) == 2
    gap = checks["sequence"]
    assert (gap.status, gap.expected, gap.found, gap.account) == ("open", "2", "3", ACCOUNT)
    assert gap.file_id == late.file_id and gap.statement_id is not None
    assert (checks["continuity"].expected, checks["continuity"].found) == ("110.00", "120.00")
    # statement 2 arrives after 3: nothing new to review, both checks are resolved by themselves
    middle = _ingest(rt, _camt(2, date(2026, 11, 3), "110.00", "120.00"), "s2.xml")
    assert not [w for w in middle.warnings if w.startswith(PREFIX)]
    for check in _checks(rt):
        assert check.status == "resolved" and f"file {middle.file_id}" in (check.resolution or "")
    with transaction(rt.engine) as s:
        assert sorted(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "statement_check"))) == \
            ["statement_check.resolved"] * 2


def test_a_statement_that_does_not_fill_the_gap_leaves_the_checks_open(rt) -> None:
    _ingest(rt, _camt(1, date(2026, 11, 2), "100.00", "110.00"), "s1.xml")
    _ingest(rt, _camt(4, date(2026, 11, 5), "130.00", "140.00"), "s4.xml")
    _ingest(rt, _camt(2, date(2026, 11, 3), "110.00", "120.00"), "s2.xml")  # 3 still missing; closes at 120, not 130
    checks = {c.kind: c.status for c in _checks(rt)}
    assert checks == {"sequence": "open", "continuity": "open"}


def test_a_repeated_number_raises_a_check_naming_the_first_file(rt) -> None:
    first = _ingest(rt, _camt(5, date(2026, 11, 2), "100.00", "110.00", legal=5), "a.xml")
    # the same statement number sent again with other bytes (another booking, another day)
    again = _ingest(rt, _camt(5, date(2026, 11, 3), "110.00", "130.00", legal=6, amount="20.00"), "b.xml")
    (warning,) = [w for w in again.warnings if w.startswith(PREFIX)]
    assert "electronic sequence number 5 repeats statement S-5-2026-11-02" in warning
    assert f"file {first.file_id}" in warning
    (check,) = _checks(rt)
    assert (check.kind, check.expected, check.found) == ("sequence", "6", "5")


def test_numbers_restart_with_the_year_and_reports_count_apart_from_statements(rt) -> None:
    _ingest(rt, _camt(250, date(2026, 12, 31), "100.00", "110.00", legal=250), "dec.xml")
    jan = _ingest(rt, _camt(1, date(2027, 1, 2), "110.00", "120.00", legal=1), "jan.xml")
    assert not [w for w in jan.warnings if w.startswith(PREFIX)]
    assert _checks(rt) == []


def test_balance_and_continuity_failures_are_checks_with_both_figures(rt) -> None:
    _ingest(rt, _camt(1, date(2026, 11, 2), "100.00", "110.00"), "ok.xml")
    # opens at 150.00 (not 110.00) and closes at 999.00 (not 160.00)
    bad = _ingest(rt, _camt(2, date(2026, 11, 3), "150.00", "999.00"), "bad.xml")
    assert len([w for w in bad.warnings if w.startswith(PREFIX)]) == 2
    checks = {c.kind: c for c in _checks(rt)}
    assert (checks["continuity"].expected, checks["continuity"].found) == ("110.00", "150.00")
    assert (checks["balance"].expected, checks["balance"].found) == ("160.00", "999.00")
    assert checks["balance"].currency == "EUR" and not checks["balance"].message.startswith(PREFIX)


def test_with_reject_a_gap_refuses_the_file(rt) -> None:
    _ingest(rt, _camt(1, date(2026, 11, 2), "100.00", "110.00"), "s1.xml", integrity="reject")
    result = _ingest(rt, _camt(4, date(2026, 11, 5), "110.00", "120.00"), "s4.xml", integrity="reject")
    assert result.status == "rejected" and "2 to 3 missing" in (result.error or "")
    assert _checks(rt) == []


def test_checks_are_listed_and_closed_over_the_api_and_the_cli(rt, cli_env, tmp_path) -> None:
    import subprocess
    import sys

    from fastapi.testclient import TestClient

    from ledger.repositories import api_keys
    from server.app import create_app

    _ingest(rt, _camt(1, date(2026, 11, 2), "100.00", "110.00"), "s1.xml")
    _ingest(rt, _camt(2, date(2026, 11, 3), "110.00", "999.00"), "s2.xml")  # closes at 999.00, not 120.00
    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="reviewer", scopes=["treasury:review"])
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(rt)) as client:
        assert client.get("/api/v1/statement-checks").status_code == 401
        (item,) = client.get("/api/v1/statement-checks", headers=auth).json()["items"]
        assert (item["kind"], item["expected"], item["found"], item["currency"], item["file_name"]) == \
            ("balance", "120.00", "999.00", "EUR", "s2.xml")
        assert item["statement_id"] == "S-2-2026-11-03"
        remit = [sys.executable, "-m", "cli"]
        shown = subprocess.run([*remit, "files", "checks"], env=cli_env, cwd=tmp_path, capture_output=True,
                               text=True, timeout=120)
        assert shown.returncode == 0 and "expected 120.00, found 999.00 EUR" in shown.stdout
        closed = client.post(f"/api/v1/statement-checks/{item['id']}/close",
                             json={"status": "dismissed", "note": "bank confirmed a fee booked next day"}, headers=auth)
        assert closed.status_code == 200 and closed.json()["status"] == "dismissed"
        assert closed.json()["actor"] == "api-key:reviewer"
        assert client.post(f"/api/v1/statement-checks/{item['id']}/close", json={"note": "again"},
                           headers=auth).status_code == 409
        assert client.get("/api/v1/statement-checks", headers=auth).json()["items"] == []
        again = subprocess.run([*remit, "files", "close-check", str(item["id"]), "--note", "x"], env=cli_env,
                               cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert again.returncode == 2 and "already dismissed" in again.stderr
