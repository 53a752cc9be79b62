"""Odd digits and odd numbers in every format: a ParseError naming the line or record, the
field and the value as text (never Latin-1 mojibake), and never any other exception.

Python's int()/Decimal() read any script's digits and str.isdigit() is True for '²'; int()
of thousands of digits raises ValueError. The targeted tests pin the message; the property
tests mutate real sample files (fixtures/samples and the ../shared corpus) with odd digits,
huge numbers, NULs and truncation and accept only records or a ParseError.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ParseError
from core.limits import ParseLimits
from core.money import AmountError, D, parse_amount
from core.records import Format, collect
from ingest.formats import detect_format, iter_records
from tests.support import SAMPLES, SHARED

ODD_DIGITS = ["²", "١", "５", "𝟙", "߁", "໑", "\u00b9", "٣"]


def _parse(data: bytes, fmt: Format | None = None):
    fmt = fmt or detect_format(data[:4096])
    return collect(fmt, iter_records(fmt, io.BytesIO(data), limits=ParseLimits()))


def _error(data: bytes, fmt: Format | None = None) -> str:
    with pytest.raises(ParseError) as caught:
        _parse(data, fmt)
    text = str(caught.value)
    assert "Â" not in text and "Ù" not in text  # never UTF-8 bytes shown as Latin-1 / cp1252
    assert "field content" not in text
    return text


# --- the money constructor ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["١٢٣.٠٠", "1²3", "１２３", "12\u0663", "9" * 100])
def test_amounts_are_ascii_digits_only(text: str) -> None:
    with pytest.raises(AmountError):
        D(text)
    with pytest.raises(AmountError):
        parse_amount(text)


def test_ascii_amounts_still_parse() -> None:
    assert D(" 123.00 ") == D("123.00") and str(D("-0.5")) == "-0.5"
    assert parse_amount("1234,50") == D("1234.50")


# --- one targeted case per format ----------------------------------------------------------------

BAI2 = (SAMPLES / "bai2" / "moov-sample1.txt").read_bytes()
LOCKBOX = (SAMPLES / "lockbox" / "fundersclub-test_lockbox.bai").read_bytes()
# The sample declares Windows-1252; a bank sending '²' sends a UTF-8 file and says so.
OFX = (SAMPLES / "ofx" / "ofxparse-bank_medium.ofx").read_bytes().replace(
    b"ENCODING:USASCII", b"ENCODING:UTF-8").replace(b"CHARSET:1252", b"CHARSET:NONE")
CAMT = (SAMPLES / "camt" / "genkgo-camt053-v02-multi-statement.xml").read_bytes()


def test_bai2_amount_with_a_superscript_digit() -> None:
    data = BAI2.replace(b"16,409,000000000002500", "16,409,0000000000025²0".encode(), 1)
    text = _error(data)
    assert text.startswith("line 5, record 16, field amount = '0000000000025²0': not an amount")


def test_bai2_type_code_with_arabic_indic_digits() -> None:
    data = BAI2.replace(b"16,409,000000000002500", "16,4٠9,000000000002500".encode(), 1)
    assert _error(data).startswith("line 5, record 16, field type code = '4٠9': not a BAI2 type code")


def test_bai2_amount_of_thousands_of_digits() -> None:
    data = BAI2.replace(b"16,409,000000000002500", b"16,409," + b"9" * 5000, 1)
    text = _error(data)
    assert text.startswith("line 5, record 16, field amount = '9999") and "not an amount" in text


def test_lockbox_check_amount_with_a_fullwidth_digit() -> None:
    line = LOCKBOX.split(b"\n")[3]
    assert line.startswith(b"6")
    bad = line[:10] + "５".encode() + line[11:]
    text = _error(LOCKBOX.replace(line, bad))
    assert text.startswith("line 4, record type 6 batch 001 item 001, field check amount = '")
    assert "５" in text and "is not a number" in text


def test_ofx_amount_with_arabic_indic_digits() -> None:
    data = OFX.replace(b"<TRNAMT>-6.60", "<TRNAMT>-٦.٦٠".encode(), 1)
    assert _error(data) == "line 15, field TRNAMT = '-٦.٦٠': not an amount"


def test_ofx_date_with_a_superscript_digit() -> None:
    data = OFX.replace(b"<DTPOSTED>20090401122017", "<DTPOSTED>2009040¹122017".encode(), 1)
    text = _error(data)
    assert text.startswith("line 15, field DTPOSTED = '2009040¹122017")
    assert "not an OFX date-time" in text


def test_camt_amount_with_arabic_indic_digits() -> None:
    first = re.search(rb"<Amt Ccy=\"(\w+)\">([^<]+)</Amt>", CAMT.split(b"<Ntry>", 1)[1])
    assert first is not None
    data = CAMT.replace(first.group(0), f'<Amt Ccy="EUR">١٢٣.٠٠</Amt>'.encode(), 1)
    text = _error(data)
    assert re.match(r"line \d+, record Stmt 1 / Ntry 1, field Ntry/Amt = '١٢٣.٠٠': not a decimal amount", text)


def test_camt_entry_count_with_a_superscript_digit() -> None:
    data = CAMT.replace(b"<Ntry>", "<TxsSummry><TtlNtries><NbOfNtries>1²</NbOfNtries></TtlNtries></TxsSummry><Ntry>".encode(), 1)
    text = _error(data)
    assert "field TxsSummry/TtlNtries/NbOfNtries = '1²': not a number of entries" in text


def test_camt_amount_of_thousands_of_digits() -> None:
    first = re.search(rb"<Amt Ccy=\"(\w+)\">([^<]+)</Amt>", CAMT.split(b"<Ntry>", 1)[1])
    assert first is not None
    data = CAMT.replace(first.group(0), b'<Amt Ccy="EUR">' + b"9" * 5000 + b"</Amt>", 1)
    assert "field Ntry/Amt = '9999" in _error(data)


def test_ach_count_of_odd_digits_in_the_file_control() -> None:
    path = next((SAMPLES / "ach").glob("*.ach"), None) or next(p for p in (SAMPLES / "ach").iterdir() if p.suffix not in (".json", ".md"))
    data = path.read_bytes()
    lines = data.split(b"\n")
    index = max(i for i, line in enumerate(lines) if line.startswith(b"9") and line.strip(b"9\r "))
    lines[index] = lines[index][:3] + "٣".encode() + lines[index][4:]
    text = _error(b"\n".join(lines))
    assert "field batch count = '00٣" in text and "non-ASCII text" in text


# --- mutations of every sample file ------------------------------------------------------------


def _samples() -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for folder, shared in (("ach", "ach"), ("bai2", "bai2"), ("lockbox", "lockbox"),
                           ("ofx", "ofx"), ("camt", "iso20022")):
        paths = [p for p in (SAMPLES / folder).glob("*") if p.is_file()]
        if (SHARED / shared / "samples").is_dir():
            paths += [p for p in (SHARED / shared / "samples").rglob("*") if p.is_file()]
        found[folder] = [
            p.read_bytes() for p in sorted(paths)
            if not p.name.endswith((".json", ".md", ".xsd")) and p.stat().st_size < 200_000
        ]
    return found


SAMPLE_FILES = _samples()


def _mutate(data: bytes, kind: str, at: int, odd: str, size: int) -> bytes:
    digits = [m.start() for m in re.finditer(rb"[0-9]", data)] or [0]
    pos = digits[at % len(digits)]
    if kind == "odd digit":
        return data[:pos] + odd.encode() + data[pos + 1 :]
    if kind == "many digits":
        return data[:pos] + b"7" * size + data[pos:]
    if kind == "NUL":
        return data[:pos] + b"\x00" + data[pos:]
    if kind == "truncate":
        return data[: pos]
    # every digit of one line odd
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    line = re.sub(rb"[0-9]", odd.encode(), data[start:end])
    return data[:start] + line + data[end:]


@pytest.mark.parametrize("folder", sorted(SAMPLE_FILES))
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    index=st.integers(min_value=0, max_value=10_000),
    kind=st.sampled_from(["odd digit", "many digits", "NUL", "truncate", "odd line"]),
    at=st.integers(min_value=0, max_value=100_000),
    odd=st.sampled_from(ODD_DIGITS),
    size=st.sampled_from([19, 400, 5000]),
)
def test_mutated_samples_give_records_or_a_parse_error(
    folder: str, index: int, kind: str, at: int, odd: str, size: int
) -> None:
    files = SAMPLE_FILES[folder]
    assert files
    data = _mutate(files[index % len(files)], kind, at, odd, size)
    try:
        parsed = _parse(data)
    except ParseError as error:
        text = str(error)
        assert "Â" not in text  # UTF-8 shown as Latin-1
        return
    for entry in parsed.entries():  # what was read is plain: ASCII digits made every number
        assert entry.amount == entry.amount.to_integral_value() or entry.amount.as_tuple().exponent >= -18
