"""Remittance advices: X12 820 and CSV — golden files, detection, refusals naming line/field/value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.advice import Advice
from core.errors import ParseError
from core.money import format_amount
from core.records import Format
from ingest import advice, formats
from tests.support import SAMPLES, check_golden

ADVICE_SAMPLES = SAMPLES / "advice"
CSV_HEADER = "payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"
ISA = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*US             *261203*0900*U*00401*000000001*0*P*>~\n"


def advice_json(a: Advice) -> dict[str, object]:
    return {
        "payer": a.payer, "payment_reference": a.payment_reference, "amount": format_amount(a.amount),
        "currency": a.currency, "payment_date": a.payment_date and a.payment_date.isoformat(), "line": a.line,
        "lines": [{"invoice_number": ln.invoice_number, "paid": format_amount(ln.paid),
                   "discount": format_amount(ln.discount), "line": ln.line} for ln in a.lines],
    }


@pytest.mark.parametrize(("name", "fmt"), [("acme-remittance.820", Format.X12_820),
                                           ("payer-advice.csv", Format.ADVICE_CSV)])
def test_golden(name: str, fmt: Format) -> None:
    path = ADVICE_SAMPLES / name
    data = path.read_bytes()
    assert formats.detect_format(data[: formats.HEAD_BYTES]) is fmt
    found = advice.parse(fmt, data)
    check_golden(path, {"format": fmt.value, "advices": [advice_json(a) for a in found]})
    assert formats.parse_path(path).format is fmt  # the bank-file reading: no statements, no error


def test_820_facts() -> None:
    first, second = advice.parse(Format.X12_820, (ADVICE_SAMPLES / "acme-remittance.820").read_bytes())
    assert (first.payment_reference, str(first.amount), first.currency, str(first.payment_date)) == (
        "ACME-PAY-0001", "1470.00", "USD", "2026-12-03")
    assert first.payer == "ACME INDUSTRIES INC"
    assert [(ln.invoice_number, str(ln.paid), str(ln.discount)) for ln in first.lines] == [
        ("INV-2001", "980.00", "20.00"), ("INV-2002", "490.00", "0")]
    assert [ln.invoice_number for ln in second.lines] == ["INV-2003"]


def test_820_without_envelope_and_with_other_separators() -> None:
    text = "ST*820*1\nBPR*C*10.00*C*ACH************20261201\nTRN*1*T-1\nRMR*IV*A-1**10.00\nSE*4*1\n"
    (only,) = advice.parse(Format.X12_820, text.encode())
    assert (only.payment_reference, str(only.amount), [ln.line for ln in only.lines]) == ("T-1", "10.00", [4])
    isa = ISA.replace("*", "|").replace(">~", ">^")
    piped = isa + "ST|820|1^BPR|C|5.00|C^TRN|1|T-2^RMR|IV|B-1||5.00^SE|4|1^"
    assert formats.detect_format(piped.encode()) is Format.X12_820
    (one,) = advice.parse(Format.X12_820, piped.encode())
    assert (one.payment_reference, one.lines[0].invoice_number) == ("T-2", "B-1")


@pytest.mark.parametrize(("body", "line", "record", "field", "value"), [
    ("ST*820*1~\nBPR*C*12,00*C~\nSE*2*1~\n", 3, "BPR", "BPR02", "12,00"),
    ("ST*820*1~\nBPR*C*0*C~\nSE*2*1~\n", 3, "BPR", "BPR02", "0"),
    ("ST*820*1~\nBPR*C*10*C*ACH************2026-12-01~\nSE*2*1~\n", 3, "BPR", "BPR16", "2026-12-01"),
    ("ST*820*1~\nBPR*C*10*C~\nRMR*IV*X-1**ten~\nSE*3*1~\n", 4, "RMR", "RMR04", "ten"),
    ("ST*820*1~\nBPR*C*10*C~\nRMR*IV*X-1**10*10*1.5.0~\nSE*3*1~\n", 4, "RMR", "RMR06", "1.5.0"),
    ("ST*820*1~\nBPR*C*10*C~\nRMR*IV***10~\nSE*3*1~\n", 4, "RMR", "RMR02", ""),
    ("ST*820*1~\nTRN*1*X~\nSE*2*1~\n", 2, "ST", "BPR02", ""),
    ("ST*810*1~\nSE*1*1~\n", 2, "ST", "ST01", "810"),
    ("ST*820*1~\nBPR*C*10*C~\n", 2, "ST", "SE", ""),
    ("ST*820*1~\nBPR*C*10*C~\nCUR*PR*dollars~\nSE*3*1~\n", 4, "CUR", "CUR02", "dollars"),
])
def test_820_refusals_name_line_field_value(body: str, line: int, record: str, field: str, value: str) -> None:
    with pytest.raises(ParseError) as caught:
        advice.parse(Format.X12_820, (ISA + body).encode())
    error = caught.value
    assert (error.line, error.record, error.field, error.value) == (line, record, field, value)


@pytest.mark.parametrize(("rows", "line", "field", "value"), [
    ("P,R-1,abc,I-1,1.00,\n", 2, "payment_amount", "abc"),
    ("P,R-1,1.00,I-1,1.00,\nP,R-1,2.00,I-2,1.00,\n", 3, "payment_amount", "2.00"),
    ("P,R-1,1.00,,1.00,\n", 2, "invoice_number", ""),
    ("P,R-1,1.00,I-1,1;00,\n", 2, "paid_amount", "1;00"),
    ("P,R-1,1.00,I-1,1.00,x\n", 2, "discount", "x"),
    ("P,R-1,1.00,I-1\n", 2, "row", "P,R-1,1.00,I-1"),
    ("P,R-1,-1.00,I-1,1.00,\n", 2, "payment_amount", "-1.00"),
    ("", 1, "rows", ""),
])
def test_csv_refusals_name_line_field_value(rows: str, line: int, field: str, value: str) -> None:
    with pytest.raises(ParseError) as caught:
        advice.parse(Format.ADVICE_CSV, (CSV_HEADER + rows).encode())
    assert (caught.value.line, caught.value.field, caught.value.value) == (line, field, value)


def test_csv_header_is_required_and_detection_is_by_content() -> None:
    assert advice.detect(CSV_HEADER.encode()) is Format.ADVICE_CSV
    assert advice.detect(("\ufeff" + CSV_HEADER.upper()).encode()) is Format.ADVICE_CSV
    assert advice.detect(b"payer,reference,amount\n") is None
    with pytest.raises(ParseError) as caught:
        advice.parse(Format.ADVICE_CSV, b"payer,amount\nP,1\n")
    assert (caught.value.line, caught.value.field) == (1, "header")


def test_ingest_refusal_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEADER + "P,R-1,1.00,I-1,one,\n")
    with pytest.raises(ParseError, match=r"bad\.csv.*line 2.*paid_amount.*one"):
        formats.parse_path(bad)
