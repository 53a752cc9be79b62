"""NACHA ACH, real-world files round 2 (issue 13): non-ASCII text, space-padded and
mismatched controls, malformed headers, dishonored/contested returns, NOCs.

Files are built with the writer (ingest/ach/writer.py) and then damaged the way real files
are; the public ones are moov-io/ach test data (fixtures/samples/ach/SOURCES.md).
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import ParseError
from core.records import Format, ParsedFile, collect
from ingest import ach, formats
from ingest.ach.physical import Utf8Record, physical_records
from core.limits import DEFAULT_LIMITS
from tests.support import SAMPLES

ACH = SAMPLES / "ach"


def parse_bytes(data: bytes) -> ParsedFile:
    return collect(Format.ACH, ach.iter_records(io.BytesIO(data)))


def _file(*, name: str = "JOHN DOE", addenda: tuple[str, ...] = (), sec: str = "PPD",
          code: int = 22, returned: ach.ReturnSpec | None = None,
          change: ach.ChangeSpec | None = None) -> list[bytes]:
    entry = ach.EntrySpec(transaction_code=code, routing="231380104", account="555000111",
                          amount_cents=2_500_00, name=name, identification="CUST-77",
                          addenda=addenda, returned=returned, change=change)
    batch = ach.BatchSpec(company_name="GLOBEX CORP", company_id="1234567890",
                          odfi="12104288", sec=sec, entry_description="INVOICES",
                          entries=[entry])
    data = ach.write_file([batch], immediate_destination="231380104",
                          immediate_origin="121042882", creation=datetime(2026, 11, 20, 9, 30))
    return data.splitlines()


def _with_name(lines: list[bytes], name: bytes) -> list[bytes]:
    """The entry (line 3) with `name` in the individual name (55-76), padded to 22 bytes."""
    entry = lines[2]
    lines = list(lines)
    lines[2] = entry[:54] + name.ljust(22) + entry[76:]
    return lines


def _names(parsed: ParsedFile) -> list[str | None]:
    return [e.transactions[0].counterparty_name for e in parsed.entries()]


# --- 1. non-ASCII text --------------------------------------------------------------------


@pytest.mark.parametrize("encoded, encoding", [
    ("JOSÉ MÜLLER".encode("cp1252"), "Windows-1252"),
    # UTF-8, padded by bytes: the record stays 94 bytes (columns are byte positions)
    ("JOSÉ MÜLLER".encode(), "UTF-8"),
])
def test_non_ascii_name_in_a_94_byte_record(encoded: bytes, encoding: str) -> None:
    lines = _with_name(_file(), encoded)
    assert len(lines[2]) == 94
    parsed = parse_bytes(b"\n".join(lines))
    assert _names(parsed) == ["JOSE MULLER"]
    [warning] = parsed.warnings
    assert (warning.line, warning.record, warning.field) == (
        3, "batch 1 entry 1 (type 6)", "individual name")
    assert warning.value == "JOSÉ MÜLLER"
    assert f"non-ASCII text (read as {encoding})" in warning.message
    assert next(parsed.entries()).transactions[0].transaction_id == "121042880000001"


def test_utf8_record_padded_by_characters_is_cut_by_characters() -> None:
    # 94 characters, 96 bytes: a byte cut would shift the trace number by two columns.
    lines = _file()
    entry = lines[2].decode()
    lines[2] = (entry[:54] + "JOSÉ MÜLLER".ljust(22) + entry[76:]).encode()
    assert len(lines[2]) == 96
    parsed = parse_bytes(b"\n".join(lines))
    assert _names(parsed) == ["JOSE MULLER"]
    assert next(parsed.entries()).bank_reference == "121042880000001"
    assert [w.field for w in parsed.warnings] == ["individual name"]
    assert "read as UTF-8" in parsed.warnings[0].message


def test_utf8_records_in_a_file_without_line_breaks() -> None:
    lines = _file()
    entry = lines[2].decode()
    lines[2] = (entry[:54] + "ÅSA ØSTBERG ŁUKASZ".ljust(22) + entry[76:]).encode()
    data = b"".join(line.ljust(94) for line in lines)
    records = list(physical_records(io.BytesIO(data), DEFAULT_LIMITS))
    assert [r[0] for r in records] == list(range(1, len(lines) + 1))
    assert isinstance(records[2][1], Utf8Record) and len(records[2][1]) == 94
    assert all(r[1][:1] in "156789" for r in records)
    parsed = parse_bytes(data)
    assert _names(parsed) == ["ASA OSTBERG LUKASZ"]
    assert next(parsed.entries()).bank_reference == "121042880000001"


def test_control_characters_and_smart_quotes_in_an_addenda() -> None:
    lines = _file(addenda=("INVOICE X",))
    addenda = lines[3]
    text = "INV 1001\t\x00 “PAID” – THANKS".encode("cp1252")
    lines[3] = addenda[:3] + text.ljust(80) + addenda[83:]
    parsed = parse_bytes(b"\n".join(lines))
    tx = next(parsed.entries()).transactions[0]
    assert tx.remittance[-1] == 'INV 1001   "PAID" - THANKS'
    [warning] = parsed.warnings
    assert (warning.line, warning.field) == (4, "payment related information")
    assert warning.message.startswith("control characters in the payment related information")


def test_non_ascii_in_a_code_or_identifier_is_still_refused() -> None:
    lines = _file()
    lines[2] = lines[2][:12] + "Ö".encode("cp1252") + lines[2][13:]  # DFI account number
    with pytest.raises(ParseError) as info:
        parse_bytes(b"\n".join(lines))
    assert str(info.value).startswith(
        "line 3, record batch 1 entry 1 (type 6), field DFI account number = ")


@pytest.mark.parametrize("name", ["moov-nonascii.ach", "moov-nonascii-utf8.ach"])
def test_moov_nonascii_ctx_files_read_the_same_in_cp1252_and_utf8(name: str) -> None:
    # The same CTX file, '¦' X12 separators written as one cp1252 byte or as UTF-8 (lines of
    # 100-107 bytes holding 94 characters).
    parsed = collect(Format.ACH, ach.iter_records((ACH / name).open("rb")))
    tx = next(parsed.entries()).transactions[0]
    assert tx.counterparty_name == "Receiver|Acc Nam"
    assert "REF|BT|J33QZD22QW" in tx.remittance
    # 13 lines hold a "¦" (grep -c): the entry and 12 addenda, each named
    text = [w for w in parsed.warnings if w.message.startswith("non-ASCII text")]
    assert len(text) == 13
    assert {w.field for w in text} == {"receiving company name", "payment related information"}
    assert [w.line for w in text[:3]] == [3, 4, 5]


# --- 2. control totals padded with spaces -----------------------------------------------------


def _controls() -> tuple[list[bytes], int, int]:
    lines = _file()
    return lines, next(i for i, l in enumerate(lines) if l[:1] == b"8"), \
        next(i for i, l in enumerate(lines) if l[:1] == b"9" and not l.startswith(b"9999"))


def test_space_padded_batch_and_file_control_totals_are_read_with_a_warning() -> None:
    lines, eight, nine = _controls()
    batch, file = lines[eight].decode(), lines[nine].decode()
    # entry/addenda count '     1' (5-10), total debit all blanks (21-32), credit '250000      '
    batch = batch[:4] + "     1" + batch[10:20] + " " * 12 + "250000".ljust(12) + batch[44:]
    # entry hash right-justified with blanks (22-31), total credit left-justified (44-55)
    file = file[:21] + f"{23138010:>10}" + file[31:43] + "250000".ljust(12) + file[55:]
    lines[eight], lines[nine] = batch.encode(), file.encode()
    parsed = parse_bytes(b"\n".join(lines))
    assert [(w.line, w.field, w.value) for w in parsed.warnings] == [
        (eight + 1, "entry/addenda count", "     1"),
        (eight + 1, "total debit", " " * 12),
        (eight + 1, "total credit", "250000      "),  # read as 250000 cents: it matches
        (nine + 1, "entry hash", "  23138010"),
        (nine + 1, "total credit", "250000      "),
    ]
    assert parsed.warnings[0].message == (
        "entry/addenda count is padded with spaces instead of zeros; read as 1")
    assert len(list(parsed.entries())) == 1


def test_space_padded_totals_that_match_give_only_the_padding_warning() -> None:
    lines, eight, _ = _controls()
    batch = lines[eight].decode()
    batch = batch[:10] + f"{23138010:>10}" + batch[20:]
    lines[eight] = batch.encode()
    parsed = parse_bytes(b"\n".join(lines))
    assert [str(w) for w in parsed.warnings] == [
        f"line {eight + 1}, record batch 1 control (type 8), field entry hash = '  23138010': "
        "entry hash is padded with spaces instead of zeros; read as 23138010"]


def test_letters_in_a_control_total_are_still_refused() -> None:
    lines, eight, _ = _controls()
    lines[eight] = lines[eight][:20] + b"00000000000O" + lines[eight][32:]
    with pytest.raises(ParseError) as info:
        parse_bytes(b"\n".join(lines))
    assert str(info.value).startswith(
        f"line {eight + 1}, record batch 1 control (type 8), field total debit = '00000000000O'")


# --- 3. controls that do not match intact entries ----------------------------------------------


def test_batch_control_mismatch_names_batch_number_field_and_both_figures() -> None:
    lines, eight, _ = _controls()
    batch = lines[eight].decode()
    batch = batch[:4] + "000003" + "0023138011" + batch[20:32] + "000000250001" + batch[44:]
    lines[eight] = batch.encode()
    parsed = parse_bytes(b"\n".join(lines))
    where = f"line {eight + 1}, record batch 1 control (type 8)"
    assert [str(w) for w in parsed.warnings] == [
        f"{where}, field entry/addenda count = '3': entry/addenda count 3 does not match 1 entry "
        "and addenda records in the batch of batch number 0000001; the entries are kept as read",
        f"{where}, field entry hash = '23138011': entry hash 23138011 does not match 23138010 "
        "the sum of the entries' routing numbers of batch number 0000001; the entries are kept "
        "as read",
        f"{where}, field total credit = '2500.01': total credit 2500.01 does not match 2500.00 "
        "in the batch's credit entries of batch number 0000001; the entries are kept as read",
    ]
    assert next(parsed.entries()).amount == 2500


def test_batch_control_identity_fields_must_echo_the_header() -> None:
    lines, eight, _ = _controls()
    lines[eight] = lines[eight][:87] + b"0000002"
    parsed = parse_bytes(b"\n".join(lines))
    assert [(w.field, w.value) for w in parsed.warnings] == [("batch number", "0000002")]
    assert parsed.warnings[0].message == (
        "batch number '0000002' does not match '0000001' in the batch header "
        "(line 2, batch number 0000001)")


# --- 4. malformed headers: named, not "not a recognised bank file" ---------------------------


def _header(lines: list[bytes], start: int, new: bytes, index: int = 0) -> list[bytes]:
    lines = list(lines)
    line = lines[index]
    lines[index] = line[: start - 1] + new + line[start - 1 + len(new) :]
    return lines


@pytest.mark.parametrize("start, new, field", [
    (35, b"940", "record size"),        # detection needs '094101' in 35-40
    (38, b"01", "blocking factor"),
    (2, b"1 ", "priority code"),
    (24, b"261320", "file creation date"),
    (4, b" 23138010X", "immediate destination"),
])
def test_malformed_file_header_is_detected_and_the_field_named(
    start: int, new: bytes, field: str
) -> None:
    data = b"\n".join(_header(_file(), start, new))
    assert ach.detect(data) is Format.ACH
    parsed = parse_bytes(data)
    assert [(w.line, w.record, w.field, w.value) for w in parsed.warnings] == [
        (1, "file header (type 1)", field, new.decode())]
    assert len(list(parsed.entries())) == 1


@pytest.mark.parametrize("index, start, new, line, field", [
    # both headers broken: no valid batch header after the file header
    (1, 2, b"2X0", 1, "record size"),
    # header-less fragment whose batch header has a bad service class code
    (None, 2, b"2X0", 1, "service class code"),
    (None, 51, b"P?D", 1, "standard entry class code"),
])
def test_explain_names_line_and_field_when_detection_fails(
    index: int | None, start: int, new: bytes, line: int, field: str
) -> None:
    lines = _file()
    if index is None:
        lines = _header(lines[1:], start, new)
    else:
        lines = _header(_header(lines, 35, b"940"), start, new, index)
    data = b"\n".join(lines)
    assert ach.detect(data) is None
    error = ach.explain(data)
    assert error is not None
    assert (error.line, error.field) == (line, field)
    assert "not recognised" in error.message
    # and ingest's format detection says the same, not "not a recognised bank file"
    from ingest.formats import detect_format

    with pytest.raises(ParseError) as raised:
        detect_format(data[:4096])
    assert (raised.value.line, raised.value.field) == (line, field)


def test_explain_when_the_file_header_is_fine_but_the_batch_header_is_not() -> None:
    lines = _header(_header(_file(), 35, b"940"), 2, b"220", 0)
    lines = _header(lines, 35, b"094")  # file header valid again ...
    lines[0] = lines[0][:2] + b"x" + lines[0][3:]  # ... but priority '0x' fails detection
    lines = _header(lines, 51, b"   ", 1)  # and the batch header has no SEC code
    data = b"\n".join(lines)
    assert ach.detect(data) is None
    error = ach.explain(data)
    assert (error.line, error.record, error.field) == (1, "file header (type 1)", "priority code")


def test_fixed_length_file_whose_last_record_is_short_is_cut_into_records() -> None:
    """jm81/ach return_fixedlength.txt (issue 13 held-out corpus): no line breaks, and the last
    block fill cut to 55 characters; read as jm81/ach's spec reads it, not refused for length."""
    parsed = formats.parse_path(SAMPLES / "ach" / "jm81-return_fixedlength.txt")
    assert parsed.warnings == ()
    noc, r07, r03 = [entry.transactions[0] for entry in parsed.entries()]
    assert len(parsed.statements) == 3
    assert noc.change_info is not None and (noc.change_info.change_code, noc.change_info.corrected_data,
                                            noc.change_info.original_reference) == ("C05", "32", "992222220280489")
    assert r07.return_info is not None and (r07.amount, r07.return_info.reason_code,
                                            r07.return_info.additional_info) == (Decimal("25.36"), "R07", "INVALID")
    assert r03.return_info is not None and (r03.amount, r03.return_info.reason_code) == (Decimal("24.17"), "R03")


def test_a_long_line_that_is_not_records_is_still_refused_for_its_length() -> None:
    lines = _file()
    data = b"\n".join([lines[0] + b"X" * 40, *lines[1:]])  # 134 characters, 'X…' starts no record
    with pytest.raises(ParseError) as raised:
        parse_bytes(data)
    assert raised.value.line == 1 and "134 characters long" in str(raised.value)


def test_entries_without_their_batch_header_are_refused_naming_the_first_entry() -> None:
    """moov-io/ach return-no-batch-header.ach (issue 13 held-out corpus): entries and their
    addenda cut out of a file, no batch header: refused with what is missing, not as an
    unknown format."""
    lines = _file(addenda=("INV 1001",))
    fragment = b"\n".join(line for line in lines if line[:1] in (b"6", b"7"))
    assert ach.detect(fragment) is None
    from ingest.formats import detect_format

    with pytest.raises(ParseError) as raised:
        detect_format(fragment)
    assert (raised.value.line, raised.value.record, raised.value.field, raised.value.value) == (
        1, "entry (type 6)", "record type code", "6")
    assert "no batch header (type 5) before it" in raised.value.message


@pytest.mark.parametrize("head", [
    b"100ABCDEFGHIJ00999999911605231800\n2ABCDEFGHIJ0099999991000000000040008000801\n",
    b"01,0004,12345,060321,0829,001,80,1,2/\n", b"<?xml version='1.0'?><Document/>",
    b"", b"just some text\nand more\n",
])
def test_explain_leaves_other_formats_alone(head: bytes) -> None:
    assert ach.explain(head) is None


def test_explain_says_nothing_for_files_that_are_detected() -> None:
    for path in sorted(ACH.glob("moov-*.ach")):
        assert ach.explain(path.read_bytes()[:4096]) is None, path.name


def test_batch_header_with_bad_fields_is_read_with_warnings_naming_them() -> None:
    lines = _header(_file(), 80, b"1210428X", 1)
    lines = _header(lines, 2, b"2X0", 1)
    parsed = parse_bytes(b"\n".join(lines))
    assert [(w.line, w.record, w.field, w.value) for w in parsed.warnings] == [
        (2, "batch 1 header (type 5)", "service class code", "2X0"),
        (2, "batch 1 header (type 5)", "originating DFI identification", "1210428X"),
        # the control's echo is compared with the header's
        (4, "batch 1 control (type 8)", "originating DFI identification", "12104288"),
    ]
    assert len(list(parsed.entries())) == 1


# --- 5. dishonored (R61-R70) and contested (R71-R77) returns --------------------------------

# Transcribed from the Nacha code list (not from ingest.ach.codes).
DISHONORED = ["R61", "R62", "R63", "R64", "R65", "R66", "R67", "R68", "R69", "R70"]
CONTESTED = ["R71", "R72", "R73", "R74", "R75", "R76", "R77"]


def test_dishonored_and_contested_codes_are_known_with_descriptions() -> None:
    from ingest.ach import codes

    for code in DISHONORED + CONTESTED:
        assert codes.RETURN_CODES.get(code), code
    assert set(DISHONORED) == set(codes.DISHONORED_RETURN_CODES)
    assert set(CONTESTED) == set(codes.CONTESTED_RETURN_CODES)


def _with_addenda(record: str, code: int = 21) -> bytes:
    lines = _file(code=code)
    entry = lines[2]
    lines[2] = entry[:78] + b"1" + entry[79:]
    assert len(record) == 94
    lines.insert(3, record.encode())
    return b"\n".join(lines)


def _dishonored(code: str) -> str:
    # 1-3 '799', 4-6 code, 7-21 original trace, 22-27 blank, 28-35 original RDFI, 36-38 blank,
    # 39-53 return trace, 54-56 return settlement date, 57-58 return reason, 59-79 addenda
    # information, 80-94 trace number
    return ("799" + code + "121042880000001" + " " * 6 + "23138010" + " " * 3
            + "231380100000042" + "327" + "01" + "DISHONORED UNTIMELY".ljust(21)
            + "121042880000007")


@pytest.mark.parametrize("code", DISHONORED)
def test_dishonored_return_addenda_fields(code: str) -> None:
    from ingest.ach.records import Addenda99Dishonored, parse_addenda

    record = parse_addenda(_dishonored(code))
    assert record == Addenda99Dishonored(
        dishonored_code=code, original_trace="121042880000001", original_rdfi="23138010",
        return_trace="231380100000042", return_settlement_date="327", return_reason_code="01",
        addenda_info="DISHONORED UNTIMELY", trace_number="121042880000007")
    parsed = parse_bytes(_with_addenda(_dishonored(code)))
    assert [w for w in parsed.warnings if "count" not in (w.field or "")
            and "hash" not in (w.field or "")] == []
    info = next(parsed.entries()).transactions[0].return_info
    assert (info.reason_code, info.original_reference, info.dishonored_code,
            info.original_rdfi, info.additional_info) == (
        "R01", "121042880000001", code, "23138010", "DISHONORED UNTIMELY")


@pytest.mark.parametrize("code", CONTESTED)
def test_contested_dishonored_return_addenda_fields(code: str) -> None:
    record = ("799" + code + "121042880000001" + "261118" + "23138010" + "322"
              + "231380100000042" + "327" + "01" + "121042880000009" + "330" + "68" + " "
              + "231380100000050")
    info = next(parse_bytes(_with_addenda(record)).entries()).transactions[0].return_info
    assert (info.reason_code, info.original_reference, info.dishonored_code,
            info.contested_code) == ("R01", "121042880000001", "R68", code)


def test_dishonored_return_with_an_unreadable_return_trace_is_named() -> None:
    record = _dishonored("R68")
    record = record[:38] + "2313801000000X2" + record[53:]
    parsed = parse_bytes(_with_addenda(record))
    [warning] = [w for w in parsed.warnings if w.field == "return trace number"]
    assert (warning.line, warning.record, warning.value) == (
        4, "batch 1 entry 1 addenda 1 (type 7)", "2313801000000X2")


def test_moov_contested_addenda_sample() -> None:
    # moov-io/ach test/testdata/contested_addenda.txt: an R72 answering an R68 dishonor of R01
    parsed = collect(Format.ACH, ach.iter_records((ACH / "moov-contested_addenda.txt").open("rb")))
    info = next(parsed.entries()).transactions[0].return_info
    assert (info.reason_code, info.dishonored_code, info.contested_code,
            info.original_reference) == ("R01", "R68", "R72", "123456780000069")


# --- 6. notifications of change (C01-C14) and refused NOCs (C61-C69) ---------------------------


NOCS = [  # code, corrected data (29 characters, Nacha layout), expected parts
    ("C01", "1918171614", dict(account="1918171614")),
    ("C02", "231380104", dict(routing="231380104")),
    ("C03", "231380104   1918171614", dict(routing="231380104", account="1918171614")),
    ("C04", "JANE Q DOE", dict(name="JANE Q DOE")),
    ("C05", "32", dict(transaction_code=32)),
    ("C06", "1918171614".ljust(17) + "    " + "37",
     dict(account="1918171614", transaction_code=37)),
    ("C07", "231380104" + "1918171614".ljust(17) + "32",
     dict(routing="231380104", account="1918171614", transaction_code=32)),
    ("C09", "EMP-000123", dict(identification="EMP-000123")),
    ("C13", "ADDENDA FORMAT", dict()),
]


@pytest.mark.parametrize("code, data, parts", NOCS, ids=[n[0] for n in NOCS])
def test_noc_change_info_carries_the_corrected_data(code: str, data: str, parts: dict) -> None:
    from ingest.ach.records import CorrectedData

    change = ach.ChangeSpec(code=code, corrected_data=data, original_trace="121042880000001",
                            original_rdfi="23138010")
    parsed = parse_bytes(b"\n".join(_file(code=21, sec="COR", change=change)))
    assert parsed.warnings == ()
    info = next(parsed.entries()).transactions[0].change_info
    assert (info.change_code, info.corrected_data, info.original_reference,
            info.original_rdfi) == (code, data, "121042880000001", "23138010")
    from ingest.ach.addenda import corrected_data

    assert corrected_data(code, data) == (CorrectedData(data, **parts), [])


@pytest.mark.parametrize("code, data, problem", [
    ("C02", "23138010", "corrected routing number '23138010' is not 9 digits"),
    ("C02", "231380105", "corrected routing number 231380105 has a wrong check digit"),
    ("C05", "99", "corrected transaction code '99' is not a transaction code"),
    ("C06", "1918171614", "corrected transaction code '' is not a transaction code"),
])
def test_noc_corrected_data_that_does_not_fit_its_code_is_named(
    code: str, data: str, problem: str
) -> None:
    change = ach.ChangeSpec(code=code, corrected_data=data, original_trace="121042880000001")
    parsed = parse_bytes(b"\n".join(_file(code=21, sec="COR", change=change)))
    [warning] = parsed.warnings
    assert (warning.line, warning.field, warning.value) == (4, "corrected data", data)
    assert warning.message == f"{code}: {problem}"
    assert next(parsed.entries()).transactions[0].change_info.corrected_data == data


def test_noc_with_other_spacing_is_still_split() -> None:
    from ingest.ach.addenda import corrected_data

    assert corrected_data("C06", "1918171614 37")[0].transaction_code == 37
    assert corrected_data("C07", "231380104 1918171614 32")[0].account == "1918171614"


@pytest.mark.parametrize("refused", ["C61", "C62", "C63", "C64", "C65", "C66", "C67", "C68",
                                     "C69"])
def test_refused_noc(refused: str) -> None:
    from ingest.ach.records import Addenda98Refused, parse_addenda

    # 4-6 refused code, 7-21 original trace, 22-27 blank, 28-35 original RDFI, 36-64 corrected
    # data, 65-67 the refused NOC's change code, 68-74 its trace sequence, 75-79 blank
    record = ("798" + refused + "121042880000001" + " " * 6 + "23138010"
              + "231380104".ljust(29) + "C02" + "0000005" + " " * 5 + "231380100000009")
    addenda = parse_addenda(record)
    assert isinstance(addenda, Addenda98Refused)
    assert (addenda.change_code, addenda.trace_sequence) == ("C02", "0000005")
    assert addenda.corrected()[0].routing == "231380104"
    parsed = parse_bytes(_with_addenda(record))
    info = next(parsed.entries()).transactions[0].change_info
    assert (info.change_code, info.corrected_data, info.original_reference) == (
        refused, "231380104", "121042880000001")
    assert not [w for w in parsed.warnings if w.field in ("change code", "corrected data")]
