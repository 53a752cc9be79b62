"""BAI lockbox parser: the public sample, golden file, synthetic files, errors, detection."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.contract import parsed_file_json
from core.errors import ParseError
from core.records import Direction, EntryStatus, Format, InvoiceRef, Kind, ParsedFile, collect
from ingest import bai2, formats, lockbox
from tests.support import SAMPLES, check_golden, shared_samples

SAMPLE = "fundersclub-test_lockbox.bai"


def parse(text: str | bytes, **kwargs: object) -> ParsedFile:
    data = text.encode("latin-1") if isinstance(text, str) else text
    return collect(Format.LOCKBOX, lockbox.iter_records(io.BytesIO(data), **kwargs))  # type: ignore[arg-type]


def messages(parsed: ParsedFile) -> list[str]:
    return [str(w) for w in parsed.warnings]


# ---------------------------------------------------------------------------------------
# Builders for synthetic files, column by column (FundersClub layout, FORMAT.md §3);
# written out here independently of the parser's layout table.

DEST = "DEST000001" + "0123456789"  # destination + origin, 20 columns


def header(day: str = "230315", time: str = "0930") -> str:
    return f"100{'DEST000001':<10}{'0123456789':<10}{day}{time}"


def service() -> str:
    return f"2{DEST}0000000000400080008" + "01"


def box(lockbox_no: str = "1234567", day: str = "230315", batch: int = 0) -> str:
    return f"5{batch:03d}000{lockbox_no}{day}{DEST}"


def check(batch: int, item: int, cents: int, *, routing: str = "021000021", account: str = "123456789",
          number: str = "1001", remitter: str = "ACME CORP") -> str:
    return (f"6{batch:03d}{item:03d}{cents:010d}{routing:>9}{account:>10}{number:>10}031423"
            f"{remitter:<30}{'OUR COMPANY INC':<20}")


def overflow(batch: int, item: int, seq: int, last: bool, memo: str) -> str:
    return f"4{batch:03d}{item:03d}6{seq:02d}{9 if last else 0}{memo}"


def batch_total(batch: int, count: int, cents: int, lockbox_no: str = "1234567", day: str = "230315") -> str:
    return f"7{batch:03d}000{lockbox_no}{day}{count:03d}{cents:010d}"


def box_total(count: int, cents: int, lockbox_no: str = "1234567", day: str = "230315") -> str:
    return f"8000000{lockbox_no}{day}{count:04d}{cents:010d}"


def trailer(records: int) -> str:
    return f"9{records:06d}"


def lines(*records: str, eol: str = "\n") -> str:
    return eol.join(records) + eol


# ---------------------------------------------------------------------------------------
# 1. The public sample: facts of ../shared/lockbox/samples/SOURCES.md, transcribed by hand.

FACTS = {
    "records": 8,
    "lockbox": "0022222",
    "deposit_date": date(2016, 5, 23),
    "batch": "001",
    "item": "001",
    "amount": Decimal("7000.00"),
    # SOURCES.md writes 005502707; columns 18-26 of the record (and upstream's
    # lockbox/tests/test_records.py) say 055002707.
    "routing": "055002707",
    "account": "0012345555",
    "check_number": "0000000180",
    "remitter": "BOB E SMITH",
    "memo": "CE554",
    "batch_total": Decimal("7000.00"),
    "lockbox_checks": 1,
    "lockbox_total": Decimal("7000.00"),
}


def shared(name: str) -> Path:
    found = {p.name: p for p in shared_samples("lockbox")}
    if name not in found:
        pytest.skip(f"conformance corpus not present: {name}")
    return found[name]


def test_sample_facts() -> None:
    path = shared(SAMPLE)
    raw = path.read_text("latin-1").splitlines()
    assert len(raw) == FACTS["records"]
    parsed = formats.parse_path(path, Format.LOCKBOX)
    assert parsed.warnings == ()  # 7, 8 and 9 controls all agree with the check
    (statement,) = parsed.statements
    assert statement.id == f"{FACTS['lockbox']}-160523"
    assert statement.account == FACTS["lockbox"]
    assert statement.currency == "USD" and statement.balances == ()
    assert statement.from_date == statement.to_date == FACTS["deposit_date"]
    (entry,) = statement.entries
    assert entry.amount == FACTS["amount"] and entry.currency == "USD"
    assert entry.direction is Direction.CREDIT and entry.kind is Kind.LOCKBOX
    assert entry.status is EntryStatus.BOOKED and entry.bank_code == "LOCKBOX"
    assert entry.booking_date == entry.value_date == FACTS["deposit_date"]
    assert entry.bank_reference == f"{FACTS['lockbox']}-160523-{FACTS['batch']}-{FACTS['item']}"
    (tx,) = entry.transactions
    assert tx.amount == FACTS["amount"]
    assert tx.transaction_id == f"{FACTS['batch']}-{FACTS['item']}"
    assert tx.check_number == FACTS["check_number"]
    assert tx.counterparty_name == FACTS["remitter"]
    assert tx.counterparty_account == f"ABA:{FACTS['routing']}:{FACTS['account']}"
    assert tx.remittance == (FACTS["memo"],)
    assert tx.invoices == (InvoiceRef(FACTS["memo"], None),)
    # The trailers carry the transcribed totals (the parser found no mismatch above).
    assert raw[5][20:23] == "001" and Decimal(raw[5][23:33]) / 100 == FACTS["batch_total"]
    assert int(raw[6][20:24]) == FACTS["lockbox_checks"]
    assert Decimal(raw[6][24:34]) / 100 == FACTS["lockbox_total"]


# ---------------------------------------------------------------------------------------
# 2. Golden file and detection

GOLDEN = sorted(
    p for p in (SAMPLES / "lockbox").glob("*")
    if p.is_file() and p.name != "SOURCES.md" and not p.name.endswith(".expected.json")
)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    check_golden(path, parsed_file_json(path.name, formats.parse_path(path, Format.LOCKBOX)))


def test_fixture_is_a_copy_of_the_corpus() -> None:
    assert [p.name for p in GOLDEN] == [SAMPLE]
    assert GOLDEN[0].read_bytes() == shared(SAMPLE).read_bytes()


@pytest.mark.parametrize(
    "head,expected",
    [
        (lines(header(), service(), box()), Format.LOCKBOX),
        (lines(header(), box()), Format.LOCKBOX),  # no service record
        (lines(header(), box(), eol="\r\n").encode("latin-1"), Format.LOCKBOX),
        # NACHA: same "1" + priority + ids + date + time start, record size 094 at 35-37.
        (lines("101" + " 091000019" + "1234567890" + "230315" + "0930" + "A" + "094" + "10" + "1",
               "5200" + "X" * 90), None),
        (lines(header() + " 094101", box()), None),  # record size 094: NACHA, whatever follows
        (lines(header() + " 080101", box()), Format.LOCKBOX),
        (lines("1XX" + header()[3:], service()), None),  # priority not numeric
        (lines(header(day="231315"), service()), None),  # no such date
        (lines(header(), "6001001" + "0" * 10), None),  # a check right after the header
        (lines(header()), None),
        ("01,BANK,CUST,230101,1200,1,,,2/\n02,x\n", None),
        ("", None),
    ],
)
def test_detect(head: str | bytes, expected: Format | None) -> None:
    data = head.encode("latin-1") if isinstance(head, str) else head
    assert lockbox.detect(data) is expected
    assert bai2.detect(data) is (Format.BAI2 if data.startswith(b"01,") else None)


# ---------------------------------------------------------------------------------------
# 3. Synthetic files

GOOD = lines(
    header(), service(), box(),
    check(1, 1, 125000, remitter="ACME CORP", number="1001"),
    overflow(1, 1, 1, False, "INV-1001 1,000.00"),
    overflow(1, 1, 2, True, "INV-1002 250.00"),
    check(1, 2, 50000, routing="011000015", account="9876 5432", number="77", remitter="BETA LLC"),
    batch_total(1, 2, 175000),
    check(2, 1, 9999, remitter="GAMMA"),
    overflow(2, 1, 1, True, "PAYMENT FOR MARCH"),
    check(2, 2, 1000, remitter="DELTA"),
    overflow(2, 2, 1, False, "A-77; B-78"),
    overflow(2, 2, 2, False, "INVOICE 5150"),
    overflow(2, 2, 3, True, "THANK YOU"),
    batch_total(2, 2, 10999),
    box_total(4, 185999),
    trailer(17),
)


def test_several_batches_checks_and_overflows() -> None:
    parsed = parse(GOOD)
    assert parsed.warnings == ()
    (statement,) = parsed.statements
    assert statement.id == "1234567-230315" and statement.account == "1234567"
    entries = statement.entries
    assert [e.bank_reference for e in entries] == [
        "1234567-230315-001-001", "1234567-230315-001-002",
        "1234567-230315-002-001", "1234567-230315-002-002",
    ]
    assert [e.amount for e in entries] == [Decimal("1250.00"), Decimal("500.00"), Decimal("99.99"),
                                           Decimal("10.00")]
    first, second, third, fourth = (e.transactions[0] for e in entries)
    assert first.remittance == ("INV-1001 1,000.00", "INV-1002 250.00")
    assert first.invoices == (InvoiceRef("INV-1001", Decimal("1000.00")),
                              InvoiceRef("INV-1002", Decimal("250.00")))
    assert (first.check_number, first.counterparty_name) == ("1001", "ACME CORP")
    assert first.counterparty_account == "ABA:021000021:123456789"
    assert second.remittance == () and second.invoices == ()
    assert second.counterparty_account == "ABA:011000015:98765432"  # spaces dropped
    assert second.transaction_id == "001-002"
    assert third.remittance == ("PAYMENT FOR MARCH",) and third.invoices == ()
    assert fourth.remittance == ("A-77; B-78", "INVOICE 5150", "THANK YOU")
    assert fourth.invoices == (InvoiceRef("A-77"), InvoiceRef("B-78"), InvoiceRef("5150"))


def test_padded_crlf_lines_and_two_lockboxes() -> None:
    text = lines(
        *(record.ljust(80) for record in (
            header(), service(),
            box("1111111"), check(1, 1, 1000), batch_total(1, 1, 1000, "1111111"),
            box_total(1, 1000, "1111111"),
            box("2222222"), check(1, 1, 2000), batch_total(1, 1, 2000, "2222222"),
            box_total(1, 2000, "2222222"),
            trailer(11),
        )),
        eol="\r\n",
    )
    parsed = parse(text)
    assert parsed.warnings == ()
    assert [s.id for s in parsed.statements] == ["1111111-230315", "2222222-230315"]
    assert [[e.amount for e in s.entries] for s in parsed.statements] == [
        [Decimal("10.00")], [Decimal("20.00")]]
    assert parsed.statements[1].entries[0].bank_reference == "2222222-230315-001-001"


def test_control_mismatches_warn_naming_the_record() -> None:
    text = lines(
        header(), box("1111111"),
        check(1, 1, 1000), check(1, 2, 2000),
        batch_total(1, 3, 3001, "1111111"),
        box_total(2, 3000, "1111111"),
        box("2222222"), check(1, 1, 500),
        box_total(2, 500, "2222222"),
        trailer(99),
    )
    assert messages(parse(text)) == [
        "line 5, record type 7 batch 001, field number of remittances = '003': batch 001 number "
        "of remittances: the trailer says 3, the file has 2",
        "line 5, record type 7 batch 001, field batch total = '0000003001': batch 001 total: "
        "the trailer says 30.01, the file has 30.00",
        "line 5, record type 7 batch 001, field out-of-balance batch = '1111111-230315-001': "
        "batch 001 of lockbox 1111111 is out of balance (the type 7 says 3 checks, 30.01; the file "
        "has 2, 30.00): its checks, bank references 1111111-230315-001-*, go to review, not applied",
        "line 9, record type 8 lockbox 2222222, field number of checks = '0002': lockbox 2222222 "
        "number of checks: the trailer says 2, the file has 1",
        "line 9, record type 8 lockbox 2222222, field batch number = '001': batch 001 of lockbox "
        "2222222 has no type 7 batch total",
        "line 10, record type 9, field number of records = '000099': number of records: "
        "the trailer says 99, the file has 10",
    ]


def test_overflow_problems_warn() -> None:
    text = lines(
        header(), box(),
        check(1, 1, 1000),
        overflow(1, 1, 1, False, "X1"),
        overflow(1, 1, 3, True, "X3"),  # sequence gap
        overflow(1, 1, 4, True, "X4"),  # after the last one
        overflow(1, 2, 1, True, "ORPHAN"),  # wrong item: ignored
        check(1, 2, 2000),
        overflow(1, 2, 1, False, "NO LAST"),
        batch_total(1, 2, 3000), box_total(2, 3000), trailer(12),
    )
    parsed = parse(text)
    first, second = (e.transactions[0] for e in parsed.entries())
    assert first.remittance == ("X1", "X3", "X4")
    assert second.remittance == ("NO LAST",)
    assert messages(parsed) == [
        "line 5, record type 4 batch 001 item 001, field overflow sequence = '03': overflow "
        "sequence '03', expected 2",
        "line 6, record type 4 batch 001 item 001, field overflow indicator = '9': overflow "
        "record after the last one (indicator 9)",
        "line 7, record type 4 batch 001 item 002, field item number = '002': overflow record "
        "for batch 001 item 002 follows batch 001 item 001; ignored",
        "line 8, record type 6 batch 001 item 002, field overflow indicator: overflow records "
        "end without a last-overflow indicator 9",
    ]


def test_missing_lockbox_total_and_duplicate_item_warn() -> None:
    text = lines(header(), box(), check(1, 1, 100), check(1, 1, 100), batch_total(1, 2, 200),
                 trailer(6))
    assert messages(parse(text)) == [
        "line 4, record type 6 batch 001 item 001, field item number = '001': batch 001 item 001 "
        "appears twice in lockbox 1234567",
        "line 6, record type 9, field record type = '8': lockbox 1234567 has no type 8 lockbox total",
    ]


def test_layout_with_invoice_columns() -> None:
    """Another bank's layout: type 4 carries invoice number + amount pairs, no memo."""
    overflow_columns = {
        "batch number": (2, 4), "item number": (5, 7), "overflow record type": (8, 8),
        "overflow sequence": (9, 10), "overflow indicator": (11, 11),
        "invoice_1": (12, 26), "invoice_1_amount": (27, 36),
        "invoice_2": (37, 51), "invoice_2_amount": (52, 61),
    }
    layout = lockbox.Layout(
        name="pairs",
        records={**lockbox.BAI_STANDARD.records, "4": overflow_columns},
        memo_invoices=False,
    )
    pairs = "4001001601" + "9" + f"{'INV-9':<15}{12345:010d}{'INV-10':<15}{'':<10}"
    text = lines(header(), box(), check(1, 1, 12345), pairs, batch_total(1, 1, 12345),
                 box_total(1, 12345), trailer(7))
    parsed = parse(text, layout=layout)
    assert parsed.warnings == ()
    tx = next(parsed.entries()).transactions[0]
    assert tx.invoices == (InvoiceRef("INV-9", Decimal("123.45")), InvoiceRef("INV-10", None))
    assert tx.remittance == ()


@pytest.mark.parametrize(
    "memo,expected",
    [
        ("CE554", ("CE554",)),
        ("INV# 4411, 4412", ("4411", "4412")),
        ("#77 12.50", ("77",)),
        ("PAYMENT FOR MAY", ()),
        ("05/16/16", ()),
        ("12.50", ()),
        ("ACCT 55 REF 9", ()),
    ],
)
def test_memo_invoices(memo: str, expected: tuple[str, ...]) -> None:
    assert tuple(i.number for i in lockbox.memo_invoices(memo)) == expected


@pytest.mark.parametrize(
    "text,message",
    [
        (lines(header(), box(), check(1, 1, 100).replace("0000000100", "00000A0100")),
         "line 3, record type 6 batch 001 item 001, field check amount = '00000A0100': "
         "the check amount is not a number"),
        (lines(header(), box(), check(1, 1, 100)),
         "line 3, record type 9, field record type: file ends without a type 9 trailer (truncated?)"),
        (lines(header(), check(1, 1, 100), trailer(3)),
         "line 2, record type 6 batch 001 item 001, field record type = '6': record outside a "
         "lockbox (no type 5 lockbox header before it)"),
        (lines(box(), trailer(2)),
         "line 1, record type 5 lockbox 1234567, field record type = '5': a lockbox file starts "
         "with a type 1 header"),
        (lines(header(), box(day="230231")),
         "line 2, record type 5 lockbox 1234567, field deposit date = '230231': the deposit date "
         "is not a date (YYMMDD)"),
        (lines(header(), "3XYZ"),
         "line 2, record type 3, field record type = '3XYZ': not a lockbox record type (1, 2, 5, 6, "
         "4, 7, 8, 9)"),
        (lines(header(), trailer(2), box()),
         "line 3, record type 5 lockbox 1234567, field record type = '5': record after the 9 file "
         "trailer"),
        ("", "line 1, field content = '': empty file: no lockbox records"),
        (lines(header(), "6\x00\x00\x00"),
         "line 2, field content = '6\\x00\\x00\\x00': control character U+0000 in a text file "
         "(binary data?)"),
    ],
)
def test_errors_name_line_record_field_value(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert str(caught.value) == message


def test_streaming_order() -> None:
    records = list(lockbox.iter_records(io.BytesIO(GOOD.encode())))
    assert [type(r).__name__ for r in records] == ["Statement"] + ["Entry"] * 4


def test_reads_lazily_and_reopened_lockbox_ids() -> None:
    checks = [check(1, i % 1000, 100) for i in range(5_000)]
    text = lines(header(), box(), *checks, trailer(5_003))
    source = io.BytesIO(text.encode())
    records = lockbox.iter_records(source)
    assert [type(next(records)).__name__ for _ in range(3)] == ["Statement", "Entry", "Entry"]
    assert source.tell() <= 2 * 64 * 1024 < len(text)

    text = lines(header(), box(), box_total(0, 0), box(), box_total(0, 0), trailer(6))
    assert [s.id for s in parse(text).statements] == ["1234567-230315", "1234567-230315-2"]
