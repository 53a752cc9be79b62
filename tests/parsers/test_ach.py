"""NACHA ACH parser: conformance (shared corpus), golden files, detection, malformed input.

The expected facts below are transcribed from /work/shared/ach/samples/SOURCES.md (and, where
SOURCES.md names a fact without its value, read off the 94-column records by eye) -- never
derived from the parser.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.contract import parsed_file_json
from core.errors import LimitExceeded, ParseError
from core.limits import ParseLimits
from core.records import Direction, EntryStatus, Format, Kind, ParsedFile, ReturnInfo, collect
from ingest import ach
from ingest.formats import HEAD_BYTES, parse_path
from tests.support import SAMPLES, SHARED, check_golden, shared_samples


@dataclass(frozen=True)
class Facts:
    entries: int
    debit: str = "0.00"  # sum of debit entries (dollars)
    credit: str = "0.00"
    tx_codes: tuple[int, ...] | None = None  # in file order
    code_set: frozenset[int] | None = None  # when SOURCES.md only names the codes present
    batches: int | None = None
    returns: tuple[str, ...] = ()  # per returned entry, file order: "R01", or "R07/R68/R71"
    changes: tuple[tuple[str, str | None], ...] = ()  # (code, corrected data)
    warnings: tuple[str, ...] = ()  # substrings; each must appear in some warning
    control_mismatch: bool = False  # SOURCES.md says the controls do not match the entries


FACTS: dict[str, Facts] = {
    "moov-return-WEB.ach": Facts(
        2, debit="123.54", credit="45.65", tx_codes=(26, 21), batches=2, returns=("R01", "R03")
    ),
    "moov-cor-example.ach": Facts(1, tx_codes=(21,), changes=(("C01", "1918171614"),)),
    "moov-contested-return.ach": Facts(
        1, credit="1000000.00", tx_codes=(22,), returns=("R07/R68/R71",)
    ),
    # each R68 dishonor names the original return '01' in positions 57-58
    "moov-dishonored-return.ach": Facts(
        2, debit="480.00", tx_codes=(27, 27), returns=("R01/R68/-",) * 2
    ),
    "moov-iat-addenda99.ach": Facts(1, credit="1000.00", tx_codes=(22,), returns=("R01",)),
    "moov-iat-addenda98.ach": Facts(
        1, credit="1000.00", tx_codes=(21,), changes=(("C01", "89722-C3"),)
    ),
    "moov-issue1620_return.ach": Facts(1, credit="0.01", tx_codes=(22,), returns=("R03",)),
    "moov-issue751.ach": Facts(
        2, debit="171.60", tx_codes=(26, 26), batches=1, returns=("R01", "R03"),
        warnings=("no file header", "no file control"),
    ),
    "moov-return-no-batch-controls.ach": Facts(
        2, debit="123.54", tx_codes=(26, 21), batches=2, returns=("R01",),
        changes=(("C01", "1918171614"),),
        warnings=("no file header", "no batch control (type 8) for batch 1",
                  "no batch control (type 8) for batch 2", "no file control"),
    ),
    "moov-web-invalidNOCFile.ach": Facts(
        1, tx_codes=(21,), changes=(("C92", "1918171614"),), warnings=("unknown change code",)
    ),
    "pfml-ach_return_small.ach": Facts(
        14, credit="1145.25", tx_codes=(22,) * 7 + (23,) * 7, batches=1,
        returns=("R01", "R02", "R05", "R01", "R01", "R05", "R01", "R05"),
        changes=(("C01", "4000401234"), ("C02", "100234567"), ("C05", "22"),
                 ("C01", "400123456"), ("C02", "100123456"), ("C05", "22")),
        control_mismatch=True,
        warnings=("total credit 3255.00 does not match 1145.25",),
    ),
    "moov-ppd-debit.ach": Facts(1, debit="1000000.00", tx_codes=(27,)),
    "moov-ppd-credit.ach": Facts(1, credit="1000000.00", tx_codes=(22,)),
    "moov-ppd-mixedDebitCredit.ach": Facts(
        3, debit="2000000.00", credit="2000000.00", tx_codes=(27, 22, 22)
    ),
    "moov-ccd-debit.ach": Facts(2, debit="5001.25", tx_codes=(27, 27)),
    "moov-ctx-debit.ach": Facts(1, debit="1000000.00", tx_codes=(27,)),
    "moov-web-debit.ach": Facts(6, debit="150.00", credit="268.20", batches=3),
    "moov-20110805A.ach": Facts(
        48, debit="51010.00", credit="2.00", batches=4, control_mismatch=True,
        warnings=("batch count 5 does not match 4",),
    ),
    "moov-NACHA_SAMPLE_TEL_REVERSAL.ach": Facts(
        2, debit="6851.00", credit="6851.00", tx_codes=(22, 27)
    ),
    "moov-two-micro-deposits.ach": Facts(
        6, debit="1.20", credit="1.20", tx_codes=(32, 32, 27, 32, 32, 27), batches=2
    ),
    "moov-iat-debit.ach": Facts(1, debit="1000.00", tx_codes=(27,)),
    # ADV is parsed with its own layout (12-digit amounts, 20-digit control totals).
    "moov-adv.ach": Facts(2, debit="2500.00", credit="500.00", tx_codes=(81, 82), batches=1),
    "moov-FISERV-ZEROFILE-PIMRET825324_032720_110221.ach": Facts(0, batches=0),
    "moov-employers_test.txt": Facts(
        18, debit="127068.91", credit="127068.91", batches=5, code_set=frozenset({22, 23, 27, 33})
    ),
}

CONTROL_FIELDS = {"entry/addenda count", "entry hash", "total debit", "total credit",
                  "batch count", "block count"}


def parse(path: Path) -> ParsedFile:
    return parse_path(path, Format.ACH)


def parse_bytes(data: bytes, limits: ParseLimits | None = None) -> ParsedFile:
    kwargs = {"limits": limits} if limits else {}
    return collect(Format.ACH, ach.iter_records(io.BytesIO(data), **kwargs))


def _return_chain(ret: ReturnInfo) -> str | None:
    """reason code, plus /dishonored/contested codes when the entry carries a chain."""
    if ret.dishonored_code or ret.contested_code:
        return f"{ret.reason_code}/{ret.dishonored_code or '-'}/{ret.contested_code or '-'}"
    return ret.reason_code


def total(parsed: ParsedFile, direction: Direction) -> Decimal:
    return sum((e.amount for e in parsed.entries() if e.direction is direction), Decimal("0.00"))


ACH_SAMPLES = shared_samples("ach")


def test_every_shared_sample_has_facts() -> None:
    if not ACH_SAMPLES:
        pytest.skip("conformance corpus not present")
    assert sorted(p.name for p in ACH_SAMPLES) == sorted(FACTS)


@pytest.mark.parametrize("path", ACH_SAMPLES, ids=lambda p: p.name)
def test_conformance(path: Path) -> None:
    facts = FACTS[path.name]
    parsed = parse(path)
    entries = list(parsed.entries())
    assert len(entries) == facts.entries
    if facts.batches is not None:
        assert len(parsed.statements) == facts.batches
    assert total(parsed, Direction.DEBIT) == Decimal(facts.debit)
    assert total(parsed, Direction.CREDIT) == Decimal(facts.credit)
    codes = tuple(int(e.bank_code.split("/")[1]) for e in entries)
    if facts.tx_codes is not None:
        assert codes == facts.tx_codes
    if facts.code_set is not None:
        assert set(codes) == facts.code_set
    txs = [t for e in entries for t in e.transactions]
    assert len(txs) == len(entries)
    assert tuple(_return_chain(t.return_info) for t in txs if t.return_info) == facts.returns
    assert tuple(
        (t.change_info.change_code, t.change_info.corrected_data) for t in txs if t.change_info
    ) == facts.changes
    messages = [str(w) for w in parsed.warnings]
    for expected in facts.warnings:
        assert any(expected in m for m in messages), (expected, messages)
    mismatches = [w for w in parsed.warnings if w.field in CONTROL_FIELDS]
    assert bool(mismatches) == facts.control_mismatch, messages
    for entry in entries:
        assert entry.currency == "USD" and entry.kind is Kind.ACH
        assert entry.amount == entry.amount.quantize(Decimal("0.01")) and entry.amount >= 0
        assert entry.transactions[0].amount == entry.amount
        assert entry.bank_reference == entry.transactions[0].transaction_id


def test_return_codes_of_pfml_sample() -> None:
    path = SHARED / "ach" / "samples" / "pfml-ach_return_small.ach"
    if not path.exists():
        pytest.skip("conformance corpus not present")
    txs = [e.transactions[0] for e in parse(path).entries()]
    returns = Counter(t.return_info.reason_code for t in txs if t.return_info)
    changes = Counter(t.change_info.change_code for t in txs if t.change_info)
    assert returns == {"R01": 4, "R02": 1, "R05": 3}
    assert changes == {"C01": 2, "C02": 2, "C05": 2}


def fixture(name: str) -> Path:
    return SAMPLES / "ach" / name


def test_contested_chain_keeps_original_return_code() -> None:
    (entry,) = parse(fixture("moov-contested-return.ach")).entries()
    ret = entry.transactions[0].return_info
    assert ret is not None
    assert (ret.reason_code, ret.dishonored_code, ret.contested_code) == ("R07", "R68", "R71")
    assert ret.original_reference == "099912340000015"
    assert ret.original_rdfi == "09101298"
    assert ret.additional_info == "Authorization Revoked"
    assert entry.amount == Decimal("1000000.00") and entry.direction is Direction.CREDIT


def test_dishonored_return_takes_original_code_from_dishonor_record() -> None:
    entries = list(parse(fixture("moov-dishonored-return.ach")).entries())
    assert [e.amount for e in entries] == [Decimal("250.00"), Decimal("230.00")]
    for entry in entries:
        ret = entry.transactions[0].return_info
        assert ret is not None
        assert ret.dishonored_code == "R68"
        assert ret.contested_code is None
        assert ret.reason_code == "R01"  # positions 57-58 of the dishonored addenda: '01'
        assert ret.additional_info == "Untimely Return"
        assert ret.original_reference == "059999990000301"


def test_return_mapping_web() -> None:
    parsed = parse(fixture("moov-return-WEB.ach"))
    first, second = parsed.entries()
    assert first.direction is Direction.DEBIT and first.bank_code == "WEB/26"
    assert second.direction is Direction.CREDIT and second.bank_code == "WEB/21"
    tx = first.transactions[0]
    assert tx.transaction_id == first.bank_reference == "091000017611242"
    assert tx.counterparty_name == "Paul Jones"
    assert tx.counterparty_account == "ABA:091400606:123456789"
    assert tx.remittance == ("MjMxNDAwMjAtOGQ",)
    assert tx.return_info is not None
    assert tx.return_info.original_reference == "091400600000001"
    assert tx.return_info.original_rdfi == "09100001"
    assert [s.id for s in parsed.statements] == [
        "691000134-181017-A-batch-1", "691000134-181017-A-batch-2"]
    assert {s.account for s in parsed.statements} == {"091400606"}
    assert all(s.currency == "USD" and s.opening_balance is None for s in parsed.statements)


def test_noc_mapping() -> None:
    (entry,) = parse(fixture("moov-cor-example.ach")).entries()
    change = entry.transactions[0].change_info
    assert change is not None
    assert (change.change_code, change.corrected_data) == ("C01", "1918171614")
    assert change.original_reference == "121042880000001"
    assert change.original_rdfi == "12104288"
    assert entry.amount == Decimal("0.00") and entry.bank_code == "COR/21"


def test_reversal_flag_and_description() -> None:
    entries = list(parse(fixture("moov-NACHA_SAMPLE_TEL_REVERSAL.ach")).entries())
    assert [e.reversal for e in entries] == [True, True]
    assert {e.additional_info for e in entries} == {"REVERSAL"}
    assert not any(e.reversal for e in parse(fixture("moov-ppd-debit.ach")).entries())


def test_ctx_addenda_joined_in_sequence() -> None:
    (entry,) = parse(fixture("moov-ctx-debit.ach")).entries()
    tx = entry.transactions[0]
    assert tx.remittance == ("45689033", "Debit First Account Debit Second Account")
    assert tx.counterparty_name == "Receiver Company"  # CTX name field: positions 59-74


def test_iat_names_from_addenda() -> None:
    (entry,) = parse(fixture("moov-iat-debit.ach")).entries()
    tx = entry.transactions[0]
    assert entry.bank_code == "IAT/27" and entry.amount == Decimal("1000.00")
    assert tx.counterparty_name == "BEK Enterprises"  # addenda 10 receiver name
    assert tx.counterparty_account == "ABA:121042882:123456789"
    assert "This is an international payment" in tx.remittance
    assert any("foreign payment amount 1000.00" in line for line in tx.remittance)


def test_iat_return_strips_original_amount_from_info() -> None:
    (entry,) = parse(fixture("moov-iat-addenda99.ach")).entries()
    ret = entry.transactions[0].return_info
    assert ret is not None and ret.reason_code == "R01"
    assert ret.additional_info == "Authorization Revoked"


def test_adv_entries_are_advices() -> None:
    parsed = parse(fixture("moov-adv.ach"))
    entries = list(parsed.entries())
    assert [e.status for e in entries] == [EntryStatus.INFO, EntryStatus.INFO]
    assert [e.bank_code for e in entries] == ["ADV/81", "ADV/82"]
    assert parsed.warnings == ()  # ADV's wide control totals are read with their own layout


def test_settlement_date_wins_over_effective_date() -> None:
    # issue751: effective 200731, settlement Julian 217 -> 2020-08-04
    parsed = parse(fixture("moov-issue751.ach"))
    (statement,) = parsed.statements
    assert statement.account is None  # no file header: no immediate destination
    assert {e.booking_date.isoformat() for e in parsed.entries()} == {"2020-08-04"}


def test_effective_date_and_company_in_ppd_credit() -> None:
    (entry,) = parse(fixture("moov-ppd-credit.ach")).entries()
    assert entry.booking_date == entry.value_date
    assert entry.booking_date.isoformat() == "2019-08-16"
    # A consumer (PPD) credit is one we originated: the counterparty is the payee.
    assert entry.transactions[0].counterparty_name == "Credit Account 1"


# --- payer side and RMR invoices (synthetic files from the writer) --------------------------


def _one_entry_file(
    sec: str, code: int, *, addenda: tuple[str, ...] = (), name: str = "OUR COMPANY",
    company_id: str = "1234567890", origin: str = "121042882",
) -> bytes:
    entry = ach.EntrySpec(transaction_code=code, routing="231380104", account="555000111",
                          amount_cents=2_500_00, name=name, identification="CUST-77",
                          addenda=addenda)
    batch = ach.BatchSpec(company_name="GLOBEX CORP", company_id=company_id, odfi="12104288",
                          sec=sec, entry_description="INVOICES", entries=[entry])
    return ach.write_file([batch], immediate_destination="231380104", immediate_origin=origin,
                          creation=datetime(2026, 11, 20, 9, 30))


def test_ccd_credit_payer_is_the_originating_company_and_rmr_invoices_parse() -> None:
    data = _one_entry_file("CCD", 22, addenda=("RMR*IV*INV-1001**1500.00\\",))
    parsed = parse_bytes(data)
    assert parsed.warnings == ()
    tx = next(parsed.entries()).transactions[0]
    assert tx.counterparty_name == "GLOBEX CORP"
    assert tx.counterparty_account == "ACH-CO:1234567890"
    assert [(i.number, i.amount) for i in tx.invoices] == [("INV-1001", Decimal("1500.00"))]
    assert tx.remittance == ("CUST-77", "RMR*IV*INV-1001**1500.00\\")


def test_ctx_x12_remittance_split_across_addenda() -> None:
    x12 = ("ISA*00*          *00*          *ZZ*GLOBEX         *ZZ*US             "
           "*261120*0930*U*00401*000000001*0*P*>~"
           "ST*820*0001~BPR*C*2500*C*ACH*CTX~RMR*IV*INV-2001*PI*1000.00~RMR*IV*INV-2002*PI*1500~"
           "RMR*PO*PO-9*PI*1.00~SE*5*0001~")
    chunks = tuple(x12[i : i + 80] for i in range(0, len(x12), 80))
    parsed = parse_bytes(_one_entry_file("CTX", 22, addenda=chunks, name="OUR COMPANY"))
    assert parsed.warnings == ()
    tx = next(parsed.entries()).transactions[0]
    assert [(i.number, i.amount) for i in tx.invoices] == [
        ("INV-2001", Decimal("1000.00")), ("INV-2002", Decimal("1500"))]
    # The readable segments, one per line: not the envelope and payment order, whose dates and
    # control numbers read as invoice numbers (the file itself is archived byte for byte).
    assert tx.remittance[-3:] == ("RMR*IV*INV-2001*PI*1000.00", "RMR*IV*INV-2002*PI*1500", "RMR*PO*PO-9*PI*1.00")
    assert not any("ISA" in line or "BPR" in line or "261120" in line for line in tx.remittance)
    assert tx.counterparty_name == "GLOBEX CORP"


def test_debit_payer_is_the_receiver() -> None:
    tx = next(parse_bytes(_one_entry_file("CCD", 27, name="ACME BUYER")).entries()).transactions[0]
    assert tx.counterparty_name == "ACME BUYER"
    assert tx.counterparty_account == "ABA:231380104:555000111"


# --- golden files --------------------------------------------------------------------------

GOLDEN = sorted(
    p for p in (SAMPLES / "ach").glob("*")
    if p.name.startswith(("moov-", "jm81-")) and not p.name.endswith(".expected.json")
)


def test_fixtures_are_byte_copies_of_the_corpus() -> None:
    assert GOLDEN, "fixtures/samples/ach is empty"
    for path in GOLDEN:
        original = SHARED / "ach" / "samples" / path.name
        if original.exists():
            assert path.read_bytes() == original.read_bytes(), path.name


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    check_golden(path, parsed_file_json(path.name, parse(path)))


# --- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ACH_SAMPLES + GOLDEN, ids=lambda p: p.name)
def test_detect_ach(path: Path) -> None:
    with path.open("rb") as f:
        assert ach.detect(f.read(HEAD_BYTES)) is Format.ACH


OTHER_SAMPLES = [
    p for folder in ("bai2", "lockbox", "iso20022", "ofx") for p in shared_samples(folder)
]


@pytest.mark.parametrize("path", OTHER_SAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_detect_rejects_other_formats(path: Path) -> None:
    with path.open("rb") as f:
        assert ach.detect(f.read(HEAD_BYTES)) is None


@pytest.mark.parametrize("head", [
    b"", b"\n\n",
    b"100ABCDEFGHIJ00999999911605231800\n2ABCDEFGHIJ0099999991000000000040008000801\n",
    b"01,0004,12345,060321,0829,001,80,1,2/\n", b"<?xml version='1.0'?><Document/>",
    b"OFXHEADER:100\nDATA:OFXSGML\n", b"\xff\xfe1\x000\x001\x00",
    # a batch header alone, no entry after it
    b"5200CoinLion                            123456789 WEBTRANSFER        000101   "
    b"1091000010000001\n",
])
def test_detect_rejects_lookalikes(head: bytes) -> None:
    assert ach.detect(head) is None


def test_detect_files_without_line_breaks_and_with_bom() -> None:
    data = fixture("moov-ppd-credit.ach").read_bytes()
    unbroken = b"".join(line.ljust(94) for line in data.splitlines())
    assert ach.detect(unbroken[:HEAD_BYTES]) is Format.ACH
    assert ach.detect(b"\xef\xbb\xbf" + data) is Format.ACH


# --- tolerated layout variations -----------------------------------------------------------


def _lines() -> list[bytes]:
    return fixture("moov-ppd-mixedDebitCredit.ach").read_bytes().splitlines()


def _summary(parsed: ParsedFile) -> list[tuple[str, str]]:
    return [(str(e.amount), e.bank_reference or "") for e in parsed.entries()]


@pytest.mark.parametrize(
    "variant", ["crlf", "cr", "unpadded", "unbroken", "blocked", "bom", "no-fill", "blank-lines"]
)
def test_layout_variants_parse_the_same(variant: str) -> None:
    lines = _lines()
    records = [line.ljust(94) for line in lines]
    data = {
        "crlf": b"\r\n".join(lines) + b"\r\n",
        "cr": b"\r".join(lines),
        "unpadded": b"\n".join(line.rstrip() for line in lines),
        "unbroken": b"".join(records),
        "blocked": b"".join(records[:5]) + b"\n" + b"".join(records[5:]),
        "bom": b"\xef\xbb\xbf" + b"\n".join(lines),
        "no-fill": b"\n".join(line for line in lines if not line.startswith(b"9999")),
        "blank-lines": b"\n\n".join(lines) + b"\n\n\n",
    }[variant]
    expected = parse_bytes(b"\n".join(lines))
    parsed = parse_bytes(data)
    assert _summary(parsed) == _summary(expected)
    assert parsed.warnings == ()


def test_unbroken_file_longer_than_the_line_limit_streams() -> None:
    data = b"".join(line.ljust(94) for line in _lines())
    parsed = parse_bytes(data, ParseLimits(max_line_bytes=200))
    assert len(list(parsed.entries())) == 3 and parsed.warnings == ()


def test_concatenated_files_are_both_read() -> None:
    one = fixture("moov-ppd-credit.ach").read_bytes()
    two = fixture("moov-ppd-debit.ach").read_bytes()
    parsed = parse_bytes(one.rstrip() + b"\n" + two)
    assert [e.bank_code for e in parsed.entries()] == ["PPD/22", "PPD/27"]


# --- malformed input -----------------------------------------------------------------------


def _replace(index: int, new: bytes) -> bytes:
    lines = _lines()
    lines[index] = new
    return b"\n".join(lines)


def _error(data: bytes, limits: ParseLimits | None = None) -> str:
    with pytest.raises(ParseError) as info:
        parse_bytes(data, limits)
    return str(info.value)


ENTRY = _lines()[2]  # batch 1 entry 1, line 3


def test_bad_amount() -> None:
    text = _error(_replace(2, ENTRY[:29] + b"00000X0000" + ENTRY[39:]))
    assert text == ("line 3, record batch 1 entry 1 (type 6), field amount = '00000X0000': "
                    "amount must be 10 digits")


def test_unknown_record_type() -> None:
    text = _error(_replace(3, b"4" + _lines()[3][1:]))
    assert text.startswith(
        "line 4, record with type code '4', field record type code = '4': unknown record type")


def test_truncated_line_in_the_middle() -> None:
    text = _error(_replace(3, _lines()[3][:35]))
    assert text == ("line 4, record batch 1 entry 2 (type 6), field amount = '010000    ': "
                    "amount must be 10 digits")


def test_truncated_before_trace_number() -> None:
    text = _error(_replace(2, ENTRY[:78]))
    assert text.startswith(
        "line 3, record batch 1 entry 1 (type 6), field trace number = '               '")


def test_binary_junk_in_a_text_field_is_blanked_with_a_warning() -> None:
    # Round 2 (issue 13): a free-text field is repaired, no longer refused.
    parsed = parse_bytes(_replace(2, ENTRY[:40] + b"\x00\x01\x02" + ENTRY[43:]))
    assert [str(w) for w in parsed.warnings] == [
        r"line 3, record batch 1 entry 1 (type 6), field identification number = "
        r"'\x00\x01\x02': control characters in the identification number replaced: "
        r"'\x00\x01\x02' is read as ''"]
    assert len(list(parsed.entries())) == 3


def test_binary_junk_in_the_amount_is_refused() -> None:
    text = _error(_replace(2, ENTRY[:30] + b"\x00\x01" + ENTRY[32:]))
    assert text.startswith("line 3, record batch 1 entry 1 (type 6), field amount = ")
    assert "binary data (byte 0x00 in column 31)" in text


def test_latin1_text() -> None:
    # Round 2 (issue 13): cp1252/Latin-1 in a name is read and spelled in ASCII, with a warning.
    line = _lines()[3]
    parsed = parse_bytes(_replace(3, line[:55] + "JOSÉ".encode("latin-1") + line[59:]))
    assert [str(w) for w in parsed.warnings] == [
        "line 4, record batch 1 entry 2 (type 6), field individual name = 'CJOSÉt Account 1': "
        "non-ASCII text (read as Windows-1252) in the individual name replaced: "
        "'CJOSÉt Account 1' is read as 'CJOSEt Account 1'"]
    assert [e.transactions[0].counterparty_name for e in parsed.entries()][1] == "CJOSEt Account 1"


def test_utf8_digit_in_the_amount_names_the_field_and_shows_the_character() -> None:
    line = _lines()[3]
    text = _error(_replace(3, line[:32] + "²".encode() + line[33:]))
    assert text.startswith("line 4, record batch 1 entry 2 (type 6), field amount = '")
    assert "²" in text.split("field amount = ")[1].split("'")[1]
    assert "Â" not in text
    # Round 2: a 95-byte line holding 94 UTF-8 characters is cut by characters, so the
    # message names the character, not its first byte.
    assert "non-ASCII text (character '²', U+00B2, in column 33)" in text


def test_utf16_file() -> None:
    data = b"\n".join(_lines()).decode("ascii").encode("utf-16")
    text = _error(data)
    assert text.startswith("line 1, record with type code '\ufffd', field record type code = '\ufffd")
    assert "non-ASCII text (byte 0xff in column 1)" in text


def test_addenda_before_any_entry() -> None:
    text = _error(_replace(2, b"705" + b"PAYMENT INFO".ljust(80) + b"00010000001"))
    assert text == ("line 3, record addenda (type 7), field record type code = '7': "
                    "addenda record without an entry detail record before it")


def test_empty_file() -> None:
    for data in (b"", b"\n \r\n", b"9" * 94 + b"\n"):
        assert _error(data) == ("line 1, record file header (type 1), field record type code = '': "
                                "empty file: no NACHA records")


def test_unknown_transaction_code() -> None:
    text = _error(_replace(2, b"699" + ENTRY[3:]))
    assert text.startswith("line 3, record batch 1 entry 1 (type 6), field transaction code = '99'")


def test_unknown_addenda_type() -> None:
    lines = _lines()
    lines[2] = lines[2][:78] + b"1" + lines[2][79:]
    lines.insert(3, b"744" + b"X".ljust(80) + b"00010000001")
    text = _error(b"\n".join(lines))
    assert text.startswith(
        "line 4, record batch 1 entry 1 addenda 1 (type 7), field addenda type code = '44'")


def test_record_after_file_control() -> None:
    lines = [line for line in _lines() if not line.startswith(b"9999")] + [ENTRY]
    text = _error(b"\n".join(lines))
    assert text.startswith("line 8, record entry detail (type 6), field record type code = "
                           "'6': record after the file control")


def test_entry_outside_a_batch() -> None:
    lines = _lines()
    text = _error(lines[0] + b"\n" + ENTRY)
    assert text.startswith("line 2, record entry detail (type 6), field record type code = "
                           "'6': entry detail record outside a batch")


def test_parse_path_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.ach"
    path.write_bytes(_replace(2, ENTRY[:29] + b"00000X0000" + ENTRY[39:]))
    with pytest.raises(ParseError) as info:
        parse_path(path, Format.ACH)
    assert str(info.value).startswith(
        "bad.ach, line 3, record batch 1 entry 1 (type 6), field amount")


def test_limits() -> None:
    data = b"\n".join(_lines())
    with pytest.raises(LimitExceeded) as info:
        parse_bytes(data, ParseLimits(max_lines=5))
    assert "line 6" in str(info.value) and "more than the limit of 5 lines" in str(info.value)
    with pytest.raises(LimitExceeded) as info:
        parse_bytes(b"1" * 500, ParseLimits(max_line_bytes=200))
    assert "line 1" in str(info.value) and "longer than the limit of 200 bytes" in str(info.value)


# --- warnings ------------------------------------------------------------------------------


def test_control_mismatch_warnings_name_record_field_and_value() -> None:
    lines = _lines()
    lines[5] = lines[5][:20] + b"000000000001" + lines[5][32:]  # batch control total debit
    parsed = parse_bytes(b"\n".join(lines))
    assert [str(w) for w in parsed.warnings] == [
        "line 6, record batch 1 control (type 8), field total debit = '0.01': "
        "total debit 0.01 does not match 2000000.00 in the batch's debit entries of batch "
        "number 0000001; the entries are kept as read"  # round 2: batch number named
    ]


def test_unknown_return_code_is_accepted_with_a_warning() -> None:
    returned = ach.ReturnSpec(code="R97", original_trace="121042880000001")
    entry = ach.EntrySpec(transaction_code=26, routing="231380104", account="9", amount_cents=100,
                          name="X", returned=returned)
    batch = ach.BatchSpec(company_name="US", company_id="1", odfi="12104288", entries=[entry])
    data = ach.write_file([batch], immediate_destination="231380104", immediate_origin="121042882",
                          creation=datetime(2026, 1, 2))
    parsed = parse_bytes(data)
    assert [w.field for w in parsed.warnings] == ["return reason code"]
    assert parsed.warnings[0].value == "R97"
    assert next(parsed.entries()).transactions[0].return_info.reason_code == "R97"


def test_streaming_yields_statement_before_its_entries() -> None:
    with fixture("moov-web-debit.ach").open("rb") as f:
        kinds = [type(r).__name__ for r in ach.iter_records(f)]
    assert kinds == ["Statement", *["Entry"] * 4, "Statement", "Entry", "Statement", "Entry"]


def test_credit_in_a_file_made_by_its_originator_is_outgoing() -> None:
    # Vendor payments: the file's immediate origin is the batch's company id.
    data = _one_entry_file("CCD", 22, name="SUPPLIER INC", company_id="1234567890",
                           origin="1234567890")
    tx = next(parse_bytes(data).entries()).transactions[0]
    assert (tx.counterparty_name, tx.counterparty_account) == (
        "SUPPLIER INC", "ABA:231380104:555000111")


def test_ctx_readable_segments_keep_notes_references_and_free_text() -> None:
    from ingest.ach import x12

    text = ("ISA*00*          *00*          *ZZ*GLOBEX         *ZZ*US             "
            "*260316*0930*U*00401*000000001*0*P*>~GS*RA*GLOBEX*US*20260316*0930*1*X*004010~"
            "ST*820*0001~BPR*C*14400*C*ACH*CTX*01*021000021*DA*123*1234567890**01*021000021*DA*9*20260316~"
            "TRN*1*20260316001~DTM*097*20260316~N1*PR*GLOBEX CORP~ENT*1~RMR*IV*2026-3439*PI*14400.00~"
            "NTE*ZZZ*MARCH SHIPMENT~REF*PO*4500123~SE*9*0001~GE*1*1~IEA*1*000000001~")
    assert x12.readable(text) == ["N1*PR*GLOBEX CORP", "RMR*IV*2026-3439*PI*14400.00", "NTE*ZZZ*MARCH SHIPMENT",
                                  "REF*PO*4500123"]
    assert x12.readable("Debit First Account Debit Second Account") == ["Debit First Account Debit Second Account"]
    assert x12.readable("   ") == []
