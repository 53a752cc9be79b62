"""BAI2 parser: conformance corpus, golden files, detection, and inline edge cases."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core import bai_codes as bai2_codes
from core.contract import parsed_file_json
from core.errors import LimitExceeded, ParseError
from core.limits import ParseLimits
from core.records import Direction, EntryStatus, Format, Kind, ParsedFile, collect
from ingest import bai2, formats, lockbox
from tests.support import SAMPLES, check_golden, shared_samples

REJECTED = "moov-sample-parseError.txt"


def parse(text: str | bytes, **kwargs: object) -> ParsedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return collect(Format.BAI2, bai2.iter_records(io.BytesIO(data), **kwargs))  # type: ignore[arg-type]


def messages(parsed: ParsedFile) -> list[str]:
    return [str(w) for w in parsed.warnings]


# ---------------------------------------------------------------------------------------
# 1. Conformance: facts of ../shared/bai2/samples/SOURCES.md, transcribed by hand
#    (plus counts read off the files by eye where SOURCES.md names a code without a count).

FACTS: dict[str, dict] = {
    "moj-citi_example.bai2": {
        "currencies": {"GBP"},
        "accounts": 1,
        "groups": 1,
        "type_codes": {"191": 1},
        "file_total": "20001",
        "records": 14,
    },
    "moj-nwb_example.bai2": {
        "currencies": {"GBP"},
        "accounts": 1,
        "groups": 1,
        "type_codes": {"699": 4, "399": 1},
        "file_total": "143764",
        "records": 18,
    },
    "moj-svb_us_example.bai2": {
        "currencies": {"USD"},
        "accounts": 2,  # the same account in two groups on consecutive days
        "groups": 2,
        "type_codes": {"142": 2},
        "file_total": "282030196",
        "records": 20,
    },
    "moj-account_trailer_amount_blank_example.bai2": {
        "currencies": {None},
        "accounts": 2,
        "groups": 1,
        "type_codes": {},
        "file_total": "0",
        "records": 8,
    },
    "moov-sample1.txt": {
        "currencies": {"CAD"},
        "accounts": 2,
        "groups": 1,
        "type_codes": {"409": 12, "108": 5},
        "file_total": "+00000000001280000",
        "records": 27,
    },
    "moov-sample2.txt": {
        # SOURCES.md says "3 groups, 4 accounts"; the file (and its own 99 trailer) has
        # 4 groups (02 records) and 5 accounts (03 records). No currency codes, ABA originators:
        # the spec's default, USD.
        "currencies": {"USD"},
        "accounts": 5,
        "groups": 4,
        "type_codes": {"115": 2, "195": 1, "218": 1},
        "file_total": "345450000",
        "records": 31,
    },
    "moov-sample4-continuations-newline-delimited.txt": {
        "currencies": {"USD"},
        "accounts": 5,
        "groups": 1,
        "type_codes": {"165": 1, "175": 1, "195": 2, "255": 1, "257": 1, "261": 1, "266": 1,
                       "275": 1, "447": 2, "451": 1, "475": 2, "495": 2, "557": 1},
        "file_total": "13060195162",
        "lines": 116,
    },
}

SHARED = {p.name: p for p in shared_samples("bai2")}


def shared(name: str) -> Path:
    if name not in SHARED:
        pytest.skip(f"conformance corpus not present: {name}")
    return SHARED[name]


def parse_shared(name: str) -> ParsedFile:
    return formats.parse_path(shared(name), Format.BAI2)


def test_corpus_is_covered() -> None:
    if not SHARED:
        pytest.skip("conformance corpus not present")
    assert set(SHARED) == set(FACTS) | {REJECTED}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_conformance_facts(name: str) -> None:
    facts = FACTS[name]
    path = shared(name)
    parsed = formats.parse_path(path, Format.BAI2)
    lines = path.read_text("latin-1").splitlines()
    trailer = [line for line in lines if line.startswith("99,")][-1]

    assert {s.currency for s in parsed.statements} == facts["currencies"]
    assert len(parsed.statements) == facts["accounts"]
    assert sum(line.startswith("02,") for line in lines) == facts["groups"]
    assert Counter(e.bank_code for e in parsed.entries()) == Counter(facts["type_codes"])
    # The 99 trailer carries the transcribed total, and the parser found the file adds up
    # to it (a mismatch would be a "file control total" warning).
    assert trailer.split(",")[1] == facts["file_total"]
    assert not [w for w in parsed.warnings if w.record == "99" and "control total" in w.message]
    if "records" in facts:
        assert trailer.rstrip("/").split(",")[3] == str(facts["records"])
        assert not [w for w in parsed.warnings if w.record == "99"]
    else:
        assert len(lines) == facts["lines"]


def test_citi_continuation_tags() -> None:
    parsed = parse_shared("moj-citi_example.bai2")
    (entry,) = parsed.entries()
    (tx,) = entry.transactions
    assert entry.bank_code == "191" and entry.kind is Kind.WIRE
    assert entry.direction is Direction.CREDIT and entry.amount == Decimal("0.01")
    assert entry.currency == "GBP"
    assert entry.value_date == date(2015, 7, 15)  # funds type V
    assert entry.bank_reference == "1234567890"
    assert tx.transaction_id == "RP12312312312312"
    # Seven 88 lines without '/', each its own remittance line.
    assert [line.split(":")[0] for line in tx.remittance] == ["FR", "ENDT", "TRID", "PY", "BI", "OB", "BO"]
    assert tx.remittance[3] == "PY:RP1231231231231200                 A1234BC 22/03/66"
    assert tx.counterparty_name == "DOE JO"  # BO1: by-order-of name
    assert tx.counterparty_account == "11111111"
    statement = parsed.statements[0]
    assert statement.id == "150715-77777777"
    assert statement.opening_balance == statement.closing_balance == Decimal("100.00")
    # The sample's closing ledger leaves out its one 0.01 credit: the integrity check says so.
    assert messages(parsed) == [
        "line 3, record 03, field closing ledger balance = '10000': account 77777777 does not "
        "add up: opening ledger (010) 100.00 + credits 0.01 - debits 0.00 (its 16 details) = "
        "100.01, but the closing ledger (015) is 100.00; difference -0.01"
    ]


def test_nwb_colon_time_empty_fields_and_wrapped_text() -> None:
    parsed = parse_shared("moj-nwb_example.bai2")
    assert parsed.warnings == ()  # "14:59:35" header time is accepted
    (statement,) = parsed.statements
    assert statement.account == "88888888 600004"
    assert [b.type for b in statement.balances] == ["010", "015", "045", "040", "072", "074", "075"]
    entries = statement.entries
    assert [e.direction for e in entries] == [Direction.DEBIT] * 4 + [Direction.CREDIT]
    assert all(e.bank_reference is None and e.transactions[0].transaction_id is None for e in entries)
    assert entries[-1].transactions[0].remittance == (
        "TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIE",
        "NT SECCY AC TFR",
    )


def test_svb_two_groups_amounts_in_cents() -> None:
    parsed = parse_shared("moj-svb_us_example.bai2")
    assert [s.from_date for s in parsed.statements] == [date(2022, 2, 1), date(2022, 2, 2)]
    assert [e.amount for e in parsed.entries()] == [Decimal("4901.96"), Decimal("9058.00")]
    assert {e.kind for e in parsed.entries()} == {Kind.ACH}
    assert all(e.transactions[0].remittance == ("SOME PAYMENT ACH OFFSET",) for e in parsed.entries())
    assert parsed.statements[0].opening_balance == Decimal("347269.79")


def test_blank_account_trailer_amount() -> None:
    parsed = parse_shared("moj-account_trailer_amount_blank_example.bai2")
    assert [s.account for s in parsed.statements] == ["12345", "54321"]
    assert list(parsed.entries()) == []
    assert parsed.warnings == ()


def test_moov_sample1_signed_amounts_and_padded_text() -> None:
    parsed = parse_shared("moov-sample1.txt")
    first = next(parsed.entries())
    assert first.transactions[0].remittance == ("RETURNED CHEQUE",)
    assert [b.amount for b in parsed.statements[0].balances] == [Decimal("0.00"), Decimal("0.00")]
    # Same account twice under one as-of date: ids stay unique.
    assert [s.id for s in parsed.statements] == ["060317-10200123456", "060317-10200123456-2"]
    assert parsed.warnings == ()


def test_moov_sample2_spec_sample() -> None:
    parsed = parse_shared("moov-sample2.txt")
    statements = parsed.statements
    assert statements[1].opening_balance == Decimal("-5000.00")  # negative balance
    # 03 summaries continued over two 88 lines: the 040 amount sits on the second one.
    assert [(b.type, b.amount) for b in statements[1].balances][-1] == ("040", Decimal("-15000.00"))
    lockbox_entries = [e for e in parsed.entries() if e.bank_code == "115"]
    assert [e.kind for e in lockbox_entries] == [Kind.LOCKBOX, Kind.LOCKBOX]
    assert lockbox_entries[1].transactions[0].remittance == ("LOCK BOX NO.68751",)
    letter = next(e for e in parsed.entries() if e.bank_code == "218")
    assert letter.value_date == date(2004, 6, 22) and letter.booking_date == date(2004, 6, 20)
    assert letter.bank_reference == "SP4738"
    assert letter.transactions[0].transaction_id == "YRC065321"
    # Funds type D on an 03 summary parses; the warnings are the USD default per group and the
    # "correction" group.
    usd = "field currency code = '': no currency code; USD assumed (the originator is an ABA routing number)"
    assert [m for m in messages(parsed) if "USD assumed" not in m] == [
        "line 26, record 02, field group status = '3': group status 3 (correction): not an ordinary update"
    ]
    assert sum(usd in m for m in messages(parsed)) == 5  # once per account, each naming its 03


def test_moov_sample4_goldman_text() -> None:
    parsed = parse_shared("moov-sample4-continuations-newline-delimited.txt")
    entries = list(parsed.entries())
    first = entries[0]
    tx = first.transactions[0]
    assert first.bank_code == "447" and first.bank_reference == "SPB2322984714570"
    assert tx.remittance[0] == (
        "ACH Credit Payment,Entry Description: EXP; -, SEC: CCD, Client Ref ID: 1111, "
        "GS ID: SPB2322984714570"
    )
    assert tx.end_to_end_id == "1111"
    ach_return = next(e for e in entries if e.bank_code == "557")
    assert ach_return.reversal and ach_return.direction is Direction.DEBIT
    info = ach_return.transactions[0].return_info
    assert info is not None and info.reason_code == "R02"
    assert info.original_reference == "021000080000030"
    incoming = next(e for e in entries if e.bank_code == "195")
    assert incoming.transactions[0].check_number is None  # CHKN on a wire is not a check
    rtp = [e for e in entries if e.bank_code == "195"][1].transactions[0]
    assert rtp.counterparty_name == "SAMPLE INC"
    assert rtp.counterparty_account == "ABA:000000010:02122056789012205"
    check_return = next(e for e in entries if e.bank_code == "255")
    assert check_return.transactions[0].return_info.additional_info == "Payee does not exist"  # type: ignore[union-attr]
    # The sample's trailers do not add up (synthetic data): warnings, not a rejection.
    assert any(w.record == "49" and w.field == "account control total" for w in parsed.warnings)


def test_parse_error_sample_rejected() -> None:
    path = shared(REJECTED)
    head = path.read_bytes()[: formats.HEAD_BYTES]
    assert bai2.detect(head) is None
    assert lockbox.detect(head) is None
    with path.open("rb") as source, pytest.raises(ParseError) as caught:
        list(bai2.iter_records(source))
    error = caught.value
    assert (error.line, error.record, error.field, error.value) == (1, "00", "record code", "00")
    assert str(error) == (
        "line 1, record 00, field record code = '00': "
        "not a BAI2 record (record codes are 01, 02, 03, 16, 88, 49, 98, 99)"
    )


def test_parse_error_sample_rejected_by_detect_format() -> None:
    head = shared(REJECTED).read_bytes()[: formats.HEAD_BYTES]
    try:
        formats._parsers()
    except ImportError as error:  # another parser is still being written
        pytest.skip(f"not every parser imports yet: {error}")
    with pytest.raises(ParseError, match="not a recognised bank file"):
        formats.detect_format(head)


# ---------------------------------------------------------------------------------------
# 2. Golden files (fixtures/samples/bai2, byte-for-byte copies of the corpus)

GOLDEN = sorted(
    p for p in (SAMPLES / "bai2").glob("*")
    if p.is_file() and p.name != "SOURCES.md" and not p.name.endswith(".expected.json")
    and p.name != REJECTED
)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    check_golden(path, parsed_file_json(path.name, formats.parse_path(path, Format.BAI2)))


def test_fixtures_are_copies_of_the_corpus() -> None:
    assert GOLDEN, "fixtures/samples/bai2 is empty"
    for path in [*GOLDEN, SAMPLES / "bai2" / REJECTED]:
        if path.name in SHARED:
            assert path.read_bytes() == SHARED[path.name].read_bytes()


def _all_samples() -> list[tuple[str, Path]]:
    return [(folder, p) for folder in ("bai2", "lockbox", "ach", "iso20022", "ofx")
            for p in shared_samples(folder)]


@pytest.mark.parametrize("folder,path", _all_samples(), ids=lambda v: getattr(v, "name", v))
def test_detect_across_corpus(folder: str, path: Path) -> None:
    head = path.read_bytes()[: formats.HEAD_BYTES]
    expected_bai2 = Format.BAI2 if folder == "bai2" and path.name != REJECTED else None
    assert bai2.detect(head) is expected_bai2
    assert lockbox.detect(head) is (Format.LOCKBOX if folder == "lockbox" else None)


# ---------------------------------------------------------------------------------------
# 3. Inline snippets

BASIC = """01,BANK,CUST,230101,1200,1,,,2/
02,CUST,BANK,1,230102,,JPY,2/
03,123,,010,1000,,,015,2500,,/
16,195,1500,0,REF1,CUST1,WIRE FROM ACME/
49,5000,3/
98,5000,1,5/
99,5000,1,7/
"""


def test_basic_file_and_currency_exponent() -> None:
    parsed = parse(BASIC)
    assert parsed.warnings == ()
    (statement,) = parsed.statements
    assert statement.id == "230102-123"
    assert statement.currency == "JPY"  # from the 02 group header
    assert statement.opening_balance == Decimal("1000") and statement.closing_balance == Decimal("2500")
    assert statement.balances[0].date == "2023-01-02"
    (entry,) = statement.entries
    assert entry.amount == Decimal("1500")  # JPY: no decimals
    assert entry.currency == "JPY" and entry.kind is Kind.WIRE
    assert entry.transactions[0].remittance == ("WIRE FROM ACME",)


def test_three_decimal_currency() -> None:
    text = BASIC.replace(",JPY,", ",BHD,")
    entry = next(parse(text).entries())
    assert entry.amount == Decimal("1.500")


def test_several_records_on_one_line_missing_slash_and_text_with_slashes() -> None:
    text = (
        "01,BANK,CUST,230101,1200,1,,,2/02,CUST,BANK,1,230102,,USD,2/"
        "03,123,USD,010,100,,/16,142,250,,R1,C1,INV 12/34, PO 5/6/16,399,50,,R2,,PART/2"
        "/49,400,4/98,400,1,6/99,400,1,8"
    )
    parsed = parse(text)
    (warning,) = parsed.warnings  # read apart, and said so
    assert (warning.line, warning.record, warning.field) == (1, "02", "record separator")
    assert "8 records on one physical line (codes 01,02,03,16,16,49,98,99)" in str(warning)
    first, second = parsed.entries()
    assert first.transactions[0].remittance == ("INV 12/34, PO 5/6",)
    assert first.amount == Decimal("2.50")
    assert second.transactions[0].remittance == ("PART/2",)
    assert second.bank_reference == "R2" and second.transactions[0].transaction_id is None


def test_text_with_commas_and_no_terminator() -> None:
    text = BASIC.replace("16,195,1500,0,REF1,CUST1,WIRE FROM ACME/",
                         "16,195,1500,0,REF1,CUST1,From: ACME, INC., Ref: 1,2,3")
    entry = next(parse(text).entries())
    assert entry.transactions[0].remittance == ("From: ACME, INC., Ref: 1,2,3",)
    assert entry.additional_info == "From: ACME, INC., Ref: 1,2,3"


def test_funds_types_s_v_d_and_z() -> None:
    text = """01,B,C,230101,1200,1,,,2/
02,C,B,1,230102,,USD,2/
03,1,USD,010,0,,/
16,115,600,S,100,200,300,R1,,LOCKBOX/
16,195,700,V,230105,1030,R2,C2,VALUE DATED/
16,175,800,D,2,0,300,1,500,R3,C3,DISTRIBUTED/
16,399,900,Z,R4,C4,UNKNOWN AVAILABILITY/
49,3000,6/
98,3000,1,8/
99,3000,1,10/
"""
    parsed = parse(text)
    assert parsed.warnings == ()
    s, v, d, z = parsed.entries()
    assert (s.bank_reference, s.kind, s.transactions[0].remittance) == ("R1", Kind.LOCKBOX, ("LOCKBOX",))
    assert v.value_date == date(2023, 1, 5) and v.booking_date == date(2023, 1, 2)
    assert (v.bank_reference, v.transactions[0].transaction_id) == ("R2", "C2")
    assert (d.bank_reference, d.transactions[0].transaction_id, d.kind) == ("R3", "C3", Kind.CHECK)
    assert (z.bank_reference, z.transactions[0].remittance) == ("R4", ("UNKNOWN AVAILABILITY",))


def test_plus_signed_amounts_and_negative_balances() -> None:
    text = BASIC.replace("03,123,,010,1000,,,015,2500,,/", "03,123,,010,-4000,,,015,-2500,,/")
    text = text.replace("16,195,1500,", "16,195,+1500,")
    text = text.replace("49,5000,3/", "49,-5000,3/").replace("98,5000,1,5/", "98,-5000,1,5/")
    text = text.replace("99,5000,1,7/", "99,-5000,1,7/")
    parsed = parse(text)
    assert parsed.warnings == ()  # -4000 + 1500 = -2500: the balances add up
    statement = parsed.statements[0]
    assert statement.opening_balance == Decimal("-4000")
    assert statement.closing_balance == Decimal("-2500")
    assert next(parsed.entries()).amount == Decimal("1500")


def test_88_continues_03_summaries_and_16_fixed_fields() -> None:
    text = """01,B,C,230101,1200,1,,,2/
02,C,B,1,230102,,USD,2/
03,1,USD,010,1000,,,015/
88,2000,,,045,-300/
88,,/
16,142,1000,S,100/
88,200,700,BANKREF,CUSTREF,FIRST TEXT
88,SECOND LINE
88,THIRD / LINE, WITH COMMA/
49,3700,8/
98,3700,1,10/
99,3700,1,12/
"""
    parsed = parse(text)
    assert parsed.warnings == ()
    statement = parsed.statements[0]
    assert [(b.type, b.amount) for b in statement.balances] == [
        ("010", Decimal("10.00")), ("015", Decimal("20.00")), ("045", Decimal("-3.00"))]
    (entry,) = statement.entries
    assert entry.bank_reference == "BANKREF"
    assert entry.transactions[0].transaction_id == "CUSTREF"
    assert entry.transactions[0].remittance == ("FIRST TEXT", "SECOND LINE", "THIRD / LINE, WITH COMMA")


def test_returned_items_are_reversals_with_return_info() -> None:
    text = """01,B,C,230101,1200,1,,,2/
02,C,B,1,230102,,USD,2/
03,1,USD/
16,555,1000,,R1,C1,RETURNED CHECK NSF/
16,557,2000,,R2,C2,ACH RETURN Reason: "R01" Return of Client Ref ID: ORIG42, X/
16,142,3000,,R3,C3,PLAIN ACH CREDIT/
49,6000,5/
98,6000,1,7/
99,6000,1,9/
"""
    parsed = parse(text)
    assert parsed.warnings == ()
    check, ach, plain = parsed.entries()
    assert check.reversal and check.direction is Direction.DEBIT and check.kind is Kind.CHECK
    assert check.transactions[0].return_info is not None
    assert check.transactions[0].return_info.reason_code == "Deposited Item Returned"
    assert ach.reversal and ach.kind is Kind.ACH
    info = ach.transactions[0].return_info
    assert info is not None and (info.reason_code, info.original_reference) == ("R01", "ORIG42")
    assert not plain.reversal and plain.transactions[0].return_info is None
    payload = parsed_file_json("x", parsed)["statements"][0]["entries"]
    assert [e["transactions"][0]["return_reason"] for e in payload] == ["Deposited Item Returned", "R01", None]


def test_tag_conventions_pick_the_counterparty_by_direction() -> None:
    text = """01,B,C,230101,1200,1,,,2/
02,C,B,1,230102,,USD,2/
03,1,USD/
16,195,1000,,R1,C1,Incoming Wire
88,EREF: E2E-1
88,DBNM: PAYER LLC
88,DACT: 555
88,DABA: 021000021
88,CRNM: US INC
16,495,2000,,R2,C2,Outgoing Wire
88,CRNM: SUPPLIER GMBH
88,CACT: DE44
88,DBNM: US INC
49,3000,12/
98,3000,1,14/
99,3000,1,16/
"""
    parsed = parse(text)
    assert parsed.warnings == ()
    credit, debit = (e.transactions[0] for e in parsed.entries())
    assert (credit.end_to_end_id, credit.counterparty_name, credit.counterparty_account) == (
        "E2E-1", "PAYER LLC", "ABA:021000021:555")
    assert (debit.counterparty_name, debit.counterparty_account) == ("SUPPLIER GMBH", "DE44")
    assert credit.invoices == () and credit.references == ()


def test_control_mismatch_warnings_name_the_record() -> None:
    text = BASIC.replace("49,5000,3/", "49,5001,4/").replace("98,5000,1,5/", "98,5000,2,5/")
    text = text.replace("99,5000,1,7/", "99,4999,1,6/")
    assert messages(parse(text)) == [
        "line 5, record 49, field account control total = '5001': account 123 control total "
        "(sum of its 03 and 16 amounts): the trailer says 5001, the file has 5000",
        "line 5, record 49, field number of records = '4': account 123 number of records: "
        "the trailer says 4, the file has 3",
        "line 6, record 98, field group control total = '5000': group as of 230102 control total "
        "(sum of its account totals): the trailer says 5000, the file has 5001",
        "line 6, record 98, field number of accounts = '2': group as of 230102 number of accounts: "
        "the trailer says 2, the file has 1",
        "line 7, record 99, field file control total = '4999': file control total (sum of its "
        "group totals): the trailer says 4999, the file has 5000",
        "line 7, record 99, field number of records = '6': file number of records: "
        "the trailer says 6, the file has 7",
    ]


def test_missing_account_and_group_trailers_warn() -> None:
    text = "\n".join(line for line in BASIC.splitlines() if not line.startswith(("49", "98")))
    assert messages(parse(text)) == [
        "line 5, record 49: account 123 has no 49 account trailer",
        "line 5, record 98: group as of 230102 has no 98 group trailer",
        "line 5, record 99, field number of records = '7': file number of records: "
        "the trailer says 7, the file has 5",
    ]


def test_custom_and_status_type_codes_warn() -> None:
    text = BASIC.replace("16,195,", "16,951,")
    parsed = parse(text)
    assert next(parsed.entries()).direction is Direction.CREDIT
    assert messages(parsed) == [
        "line 4, record 16, field type code = '951': bank-defined type code 951: "
        "direction credit taken from the BAI range"
    ]
    parsed = parse(BASIC.replace("16,195,", "16,890,"))
    assert next(parsed.entries()).status is EntryStatus.INFO and parsed.warnings == ()


def test_crlf_and_cr_line_ends_and_bom() -> None:
    for eol in ("\r\n", "\r"):
        data = b"\xef\xbb\xbf" + BASIC.replace("\n", eol).encode()
        assert bai2.detect(data) is Format.BAI2
        parsed = parse(data)
        assert parsed.warnings == () and len(list(parsed.entries())) == 1


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("16,195,1500,0,", "16,195,15A0,0,",
         "line 4, record 16, field amount = '15A0': not an amount (digits with an optional sign, "
         "implied decimals)"),
        ("02,CUST,BANK,1,230102,", "02,CUST,BANK,1,231302,",
         "line 2, record 02, field as-of date = '231302': not a date (YYMMDD)"),
        ("16,195,1500,0,", "16,195,1500,X,",
         "line 4, record 16, field funds type = 'X': unknown funds type (0, 1, 2, S, V, D, Z)"),
        ("16,195,1500,0,", "16,19,1500,0,",
         "line 4, record 16, field type code = '19': not a BAI2 type code (3 digits)"),
        (",JPY,", ",J1Y,", "line 2, record 02, field currency code = 'J1Y': not an ISO 4217 currency code"),
        ("16,195,1500,0,", "17,195,1500,0,",
         "line 4, record 17, field record code = '17': not a BAI2 record (record codes are 01, 02, "
         "03, 16, 88, 49, 98, 99)"),
        ("03,123,,", "16,123,,",
         "line 3, record 16, field record code = '16': record 16 outside an account (no 03 record)"),
    ],
)
def test_errors_name_line_record_field_value(old: str, new: str, expected: str) -> None:
    assert old in BASIC
    with pytest.raises(ParseError) as caught:
        parse(BASIC.replace(old, new))
    assert str(caught.value) == expected


def test_truncated_file_is_rejected() -> None:
    text = "".join(BASIC.splitlines(keepends=True)[:4])
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert str(caught.value) == "line 4, record 99, field record code: file ends without a 99 file trailer (truncated?)"


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "line 1, field content = '': empty file: no BAI2 records"),
        (b"\n  \n", "line 1, field content = '': empty file: no BAI2 records"),
        (b"01,B,C,230101,1200,1,,,2/\n\x00\x01\x02\x89PNG\n",
         "line 2, field content = '\\x00\\x01\\x02\u2030PNG': control character U+0000 in a text file (binary data?)"),
        (b"01,B,C,230101,1200,1,,,2/\n02,\x81\x8d,B/\n",
         "line 2, field content = '02,\ufffd\ufffd,B/': bytes that are neither UTF-8 nor Windows-1252 text (binary data?)"),
    ],
)
def test_empty_binary_and_badly_encoded_files(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(data)
    assert str(caught.value) == message


def test_latin1_text_is_read_as_windows_1252() -> None:
    data = BASIC.replace("WIRE FROM ACME", "WIRE FROM M\xdcLLER").encode("latin-1")
    assert next(parse(data).entries()).transactions[0].remittance == ("WIRE FROM M\xdcLLER",)


def test_limits() -> None:
    with pytest.raises(LimitExceeded, match="longer than the limit of 20 bytes"):
        parse(BASIC, limits=ParseLimits(max_line_bytes=20))
    with pytest.raises(LimitExceeded, match="more than the limit of 3 lines"):
        parse(BASIC, limits=ParseLimits(max_lines=3))
    long_text = BASIC.replace("16,195,1500,0,REF1,CUST1,WIRE FROM ACME/",
                              "16,195,1500,0,REF1,CUST1,X\n" + "88,YYYYYYYYYY\n" * 20)
    with pytest.raises(LimitExceeded, match="record 16 with its continuations"):
        parse(long_text, limits=ParseLimits(max_text_bytes=100))


def test_streaming_yields_statement_before_its_entries() -> None:
    records = list(bai2.iter_records(io.BytesIO(BASIC.encode())))
    kinds = [type(r).__name__ for r in records]
    assert kinds == ["Statement", "Entry"]
    assert records[0].entries == ()  # type: ignore[union-attr]


def test_concatenated_files_and_group_status() -> None:
    second = BASIC.replace("02,CUST,BANK,1,", "02,CUST,BANK,4,")
    parsed = parse(BASIC + second)
    assert [s.id for s in parsed.statements] == ["230102-123", "230102-123-2"]
    assert messages(parsed) == [
        "line 9, record 02, field group status = '4': group status 4 (test only): not an ordinary update"
    ]
    with pytest.raises(ParseError, match="after the 99 file trailer"):
        parse(BASIC + "03,1,USD/\n")


@pytest.mark.parametrize(
    "head,expected",
    [
        (BASIC.encode(), Format.BAI2),
        (b"\xef\xbb\xbf\r\n" + BASIC.encode(), Format.BAI2),
        (b"01,a,b,c\n", None),  # a CSV line, no 02 group header
        (b"00,0004,1/2/345,06/0321,0829,001,80,1,2/\n", None),
        (b"<?xml version='1.0'?><Document/>", None),
        (b"", None),
    ],
)
def test_detect(head: bytes, expected: Format | None) -> None:
    assert bai2.detect(head) is expected


def test_code_table() -> None:
    assert bai2_codes.classify("115").description == "Lockbox Deposit"  # type: ignore[union-attr]
    assert bai2_codes.classify("961").direction is Direction.DEBIT  # type: ignore[union-attr]
    assert bai2_codes.classify("1A5") is None
    assert bai2_codes.is_balance("010") and bai2_codes.is_balance("905")
    assert not bai2_codes.is_balance("100")
    assert bai2_codes.kind_of("116") is Kind.LOCKBOX and bai2_codes.kind_of("475") is Kind.CHECK
    assert bai2_codes.kind_of("147") is Kind.CARD and bai2_codes.kind_of("699") is Kind.OTHER
    assert {"555", "557", "558", "561", "252", "257", "258", "261", "266"} <= bai2_codes.RETURN_CODES
    for code, info in bai2_codes.TYPE_CODES.items():
        if info.direction is Direction.CREDIT:
            assert "100" <= code <= "399" or "720" <= code <= "728"
        elif info.direction is Direction.DEBIT:
            assert "400" <= code <= "699" or code == "760"


def test_reads_lazily() -> None:
    """Records come out while most of a large file is still unread (memory flat in size)."""
    details = "".join(f"16,142,{i + 1},,R{i},C{i},PAYMENT {i}/\n" for i in range(20_000))
    total = 20_000 * 20_001 // 2
    text = ("01,B,C,230101,1200,1,,,2/\n02,C,B,1,230102,,USD,2/\n03,1,USD/\n" + details
            + f"49,{total},20002/\n98,{total},1,20004/\n99,{total},1,20006/\n")
    source = io.BytesIO(text.encode())
    records = bai2.iter_records(source)
    first = [next(records) for _ in range(3)]
    assert [type(r).__name__ for r in first] == ["Statement", "Entry", "Entry"]
    assert source.tell() <= 2 * 64 * 1024 < len(text)
    assert sum(1 for _ in records) == 19_998  # and the trailers add up: no warnings


def _bai2(group_header: str, detail: str = "16,195,12345,0,REF1,CUST1,WIRE IN/") -> bytes:
    return "\n".join([
        "01,SENDER,RECEIVER,240101,0800,1,,,2/",
        group_header,
        "03,123456789,,010,100,,/",
        detail,
        "49,12445,3/",
        "98,12445,1,5/",
        "99,12445,1,7/",
    ]).encode()


def test_missing_currency_defaults_to_usd_for_an_aba_originator() -> None:
    parsed = collect(Format.BAI2, bai2.iter_records(io.BytesIO(_bai2("02,RECEIVER,122099999,1,240101,,,2/"))))
    entry = parsed.statements[0].entries[0]
    assert (entry.currency, entry.amount) == ("USD", Decimal("123.45"))
    assert any("USD assumed" in str(w) for w in parsed.warnings)


def test_missing_currency_without_an_aba_originator_stays_unknown() -> None:
    parsed = collect(Format.BAI2, bai2.iter_records(io.BytesIO(_bai2("02,RECEIVER,NWBKGB2L,1,240101,,,2/"))))
    assert parsed.statements[0].entries[0].currency is None


def test_test_only_group_is_never_cash() -> None:
    parsed = collect(Format.BAI2, bai2.iter_records(io.BytesIO(_bai2("02,RECEIVER,122099999,4,240101,,USD,2/"))))
    assert parsed.statements[0].entries[0].status is EntryStatus.INFO
    assert any("test only" in str(w) for w in parsed.warnings)
