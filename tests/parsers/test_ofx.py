"""OFX parser: conformance corpus, golden files, detection, synthetic and hostile files."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.contract import parsed_file_json
from core.errors import LimitExceeded, ParseError
from core.limits import ParseLimits
from core.records import Direction, EntryStatus, Format, Kind, ParsedFile, collect
from ingest import formats, ofx
from tests.support import SAMPLES, check_golden, shared_samples

ERROR_FILE = "ofxparse-error_message.ofx"

# ofxparse 0.21 calls bs4's deprecated findAll(); that is its business, not a finding here.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated method findAll")


def parse(data: str | bytes, **kwargs: object) -> ParsedFile:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    records = ofx.iter_records(io.BytesIO(raw), **kwargs)  # type: ignore[arg-type]
    return collect(Format.OFX, records)


def rejection(data: str | bytes, **kwargs: object) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data, **kwargs)
    return caught.value


def signed(parsed: ParsedFile) -> list[list[str]]:
    """TRNAMT as the bank wrote it (signed), per statement."""
    return [
        [f"{'-' if e.direction is Direction.DEBIT else ''}{e.amount}" for e in s.entries]
        for s in parsed.statements
    ]


def messages(parsed: ParsedFile) -> list[str]:
    return [str(w) for w in parsed.warnings]


# ---------------------------------------------------------------------------------------
# 1. Conformance: facts of ../shared/ofx/samples/SOURCES.md, transcribed by hand. Where
#    SOURCES.md gives only a count, the values were read off the file by eye (marked "eye").


@dataclass(frozen=True)
class Facts:
    accounts: tuple[str, ...]  # ACCTID per statement, in file order
    currencies: tuple[str | None, ...]
    trntypes: tuple[tuple[str, ...], ...]
    amounts: tuple[tuple[str, ...], ...]  # signed TRNAMT
    ledger: tuple[str | None, ...]
    avail: tuple[str | None, ...]
    credit_card: bool = False


FACTS: dict[str, Facts] = {
    "ofxparse-checking.ofx": Facts(
        accounts=("1452687~7",),
        currencies=("USD",),
        trntypes=(("CREDIT", "DEBIT", "CHECK"),),
        amounts=(("0.01", "-34.51", "-25.00"),),
        ledger=("100.99",),
        avail=("75.99",),
    ),
    "ofxparse-bank_medium.ofx": Facts(  # 3 transactions; the rest by eye
        accounts=("12300 000012345678",),
        currencies=("CAD",),
        trntypes=(("POS", "CHECK", "POS"),),
        amounts=(("-6.60", "-316.67", "-22.00"),),
        ledger=("382.34",),
        avail=("682.34",),
    ),
    "ofxparse-ofx-v102-empty-tags.ofx": Facts(  # 1 transaction; the rest by eye
        accounts=("12345678",),
        currencies=(None,),  # <CURDEF></CURDEF>
        trntypes=(("CREDIT",),),  # written "Credit"
        amounts=(("12.34",),),
        ledger=(None,),  # <BALAMT></BALAMT>
        avail=(None,),
    ),
    "ofxparse-anzcc.ofx": Facts(
        accounts=("1234123412341234",),
        currencies=("AUD",),
        trntypes=(("DEBIT",),),
        amounts=(("-5.50",),),
        ledger=("-123.45",),
        avail=("123.45",),
        credit_card=True,
    ),
    "ofxparse-suncorp.ofx": Facts(
        accounts=("123456789",),  # eye
        currencies=("AUD",),
        trntypes=(("DEBIT",),),
        amounts=(("-16.85",),),
        ledger=("1234.12",),
        avail=("1234.12",),
    ),
    "ofxparse-multiple_accounts2.ofx": Facts(
        accounts=("9100", "9200"),
        currencies=("USD", "USD"),
        trntypes=((), ()),
        amounts=((), ()),
        ledger=("111", "222"),
        avail=(None, None),
    ),
    "ofxtools-stmtrs.ofx": Facts(
        accounts=("999988",),  # eye
        currencies=("USD",),  # eye
        trntypes=(("CHECK", "ATM"),),  # eye
        amounts=(("-200.00", "-300.00"),),
        ledger=("200.29",),
        avail=("200.29",),
    ),
    "ofxtools-br_nubank_cc.ofx": Facts(  # 6 transactions; the rest by eye
        accounts=("11111111-UUID-UUID-UUID-111111111111",),
        currencies=("BRL",),
        trntypes=(("DEBIT",) * 6,),
        amounts=(("-13.00", "-162.90", "-33.46", "-9.02", "-103.53", "-959.00"),),
        ledger=("-1280.91",),
        avail=(None,),
        credit_card=True,
    ),
}

SHARED = {p.name: p for p in shared_samples("ofx")}


def shared(name: str) -> Path:
    if name not in SHARED:
        pytest.skip("conformance corpus ../shared/ofx/samples not present")
    return SHARED[name]


def test_facts_cover_the_corpus() -> None:
    if not SHARED:
        pytest.skip("conformance corpus ../shared/ofx/samples not present")
    assert set(SHARED) == set(FACTS) | {ERROR_FILE}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_conformance_facts(name: str) -> None:
    facts = FACTS[name]
    parsed = formats.parse_path(shared(name), Format.OFX)

    assert tuple(s.account for s in parsed.statements) == facts.accounts
    assert tuple(s.currency for s in parsed.statements) == facts.currencies
    assert tuple(tuple(e.bank_code for e in s.entries) for s in parsed.statements) == facts.trntypes
    assert signed(parsed) == [list(a) for a in facts.amounts]
    for statement, ledger, avail in zip(parsed.statements, facts.ledger, facts.avail, strict=True):
        balances = {b.type: b.amount for b in statement.balances}
        assert balances.get("LEDGER") == (ledger and Decimal(ledger))
        assert balances.get("AVAIL") == (avail and Decimal(avail))
        assert statement.closing_balance == (ledger and Decimal(ledger))
        assert statement.opening_balance is None
    for entry in parsed.entries():
        assert isinstance(entry.amount, Decimal) and entry.amount >= 0
        assert entry.status is EntryStatus.BOOKED
        assert entry.transactions[0].amount == entry.amount
        assert entry.transactions[0].transaction_id == entry.bank_reference
        if facts.credit_card:
            assert entry.kind is Kind.CARD


def test_checking_details() -> None:
    parsed = formats.parse_path(shared("ofxparse-checking.ofx"), Format.OFX)
    (statement,) = parsed.statements
    assert statement.id == "1452687~7-20000101-20130525"
    assert (statement.from_date, statement.to_date) == (date(2000, 1, 1), date(2013, 5, 25))
    assert [b.date for b in statement.balances] == ["20130525225731.258"] * 2  # as written
    credit, debit, check = statement.entries
    assert [e.bank_reference for e in statement.entries] == ["0000486", "0000487", "0000488"]
    assert [e.booking_date for e in statement.entries] == [
        date(2011, 3, 31), date(2011, 4, 5), date(2011, 4, 7)
    ]
    assert [e.value_date for e in statement.entries] == [e.booking_date for e in statement.entries]
    assert [e.kind for e in statement.entries] == [Kind.OTHER, Kind.OTHER, Kind.CHECK]
    tx = check.transactions[0]
    assert tx.check_number == "319"
    assert tx.counterparty_name == "RETURNED CHECK FEE, CHECK # 319"
    # NAME is MEMO cut short, so remittance carries MEMO only.
    assert tx.remittance == ("RETURNED CHECK FEE, CHECK # 319 FOR $45.33 ON 04/07/11",)
    assert credit.direction is Direction.CREDIT and debit.direction is Direction.DEBIT
    assert parsed.warnings == ()


def test_multiple_accounts_are_separate_statements() -> None:
    parsed = formats.parse_path(shared("ofxparse-multiple_accounts2.ofx"), Format.OFX)
    # No BANKTRANLIST, so no DTSTART/DTEND: the id falls back to LEDGERBAL's DTASOF.
    assert [s.id for s in parsed.statements] == ["9100-20120603", "9200-20120603"]
    assert [(s.from_date, s.to_date) for s in parsed.statements] == [(None, None)] * 2
    assert [s.balances[0].date for s in parsed.statements] == ["20120603133220.000[-7:PDT]"] * 2


def test_empty_tags_file() -> None:
    parsed = formats.parse_path(shared("ofxparse-ofx-v102-empty-tags.ofx"), Format.OFX)
    (statement,) = parsed.statements
    (entry,) = statement.entries
    assert entry.currency == "AUD"  # the STMTTRN's CURRENCY/CURSYM, CURDEF being empty
    assert entry.bank_reference is None  # <FITID></FITID>
    tx = entry.transactions[0]
    assert (tx.counterparty_name, tx.check_number, tx.references) == (None, None, ())
    assert tx.remittance == ("CBA:Transfer",)
    assert messages(parsed) == [
        "line 23, record STMTRS, field CURDEF: statement without CURDEF",
        "line 23, record STMTTRN, field FITID: "
        "STMTTRN without FITID: repeated downloads cannot be de-duplicated",
    ]


def test_suncorp_crlf_and_cdata() -> None:
    path = shared("ofxparse-suncorp.ofx")
    assert b"\r\n" in path.read_bytes()
    (entry,) = formats.parse_path(path, Format.OFX).entries()
    tx = entry.transactions[0]
    assert tx.counterparty_name == "EFTPOS WDL HANDYWAY ALDI STORE"
    assert tx.remittance == ("EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU",)
    assert tx.check_number is None  # CHECKNUM 0 is no check number
    assert (entry.booking_date, entry.bank_reference) == (date(2013, 12, 15), "1")


def test_nubank_credit_card_keeps_the_written_dates() -> None:
    # DTPOSTED 20240323000000[-3:GMT]: ofxparse would shift to UTC; the date stays the 23rd.
    parsed = formats.parse_path(shared("ofxtools-br_nubank_cc.ofx"), Format.OFX)
    (statement,) = parsed.statements
    assert len(statement.entries) == 6
    assert [e.booking_date.day for e in statement.entries] == [23, 23, 23, 22, 22, 22]
    assert (statement.from_date, statement.to_date) == (date(2024, 2, 24), date(2024, 3, 26))


def test_error_message_file_is_rejected() -> None:
    path = shared(ERROR_FILE)
    with pytest.raises(ParseError) as caught:
        formats.parse_path(path, Format.OFX)
    error = caught.value
    where = (error.line, error.record, error.field, error.value)
    assert where == (20, "STMTTRNRS", "STATUS", "2000")
    assert str(error) == (
        "ofxparse-error_message.ofx, line 20, record STMTTRNRS, field STATUS = '2000': "
        "bank returned error 2000 (ERROR): General Server Error; the file holds no statement"
    )


# ---------------------------------------------------------------------------------------
# 2. Golden files (fixtures/samples/ofx: the MIT-licensed ofxparse files only) and detection

GOLDEN = sorted(
    p for p in (SAMPLES / "ofx").glob("*.ofx") if p.name != ERROR_FILE
)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    check_golden(path, parsed_file_json(path.name, formats.parse_path(path, Format.OFX)))


def test_fixtures_are_copies_of_the_corpus() -> None:
    assert len(GOLDEN) == 6, "fixtures/samples/ofx is incomplete"
    for path in [*GOLDEN, SAMPLES / "ofx" / ERROR_FILE]:
        assert path.name.startswith("ofxparse-")  # never the GPL ofxtools files
        if path.name in SHARED:
            assert path.read_bytes() == SHARED[path.name].read_bytes()


def _all_samples() -> list[tuple[str, Path]]:
    return [
        (folder, path)
        for folder in ("ofx", "iso20022", "ach", "bai2", "lockbox")
        for path in shared_samples(folder)
    ]


@pytest.mark.parametrize("folder,path", _all_samples(), ids=lambda v: getattr(v, "name", v))
def test_detect_across_corpus(folder: str, path: Path) -> None:
    head = path.read_bytes()[: formats.HEAD_BYTES]
    assert ofx.detect(head) is (Format.OFX if folder == "ofx" else None)


@pytest.mark.parametrize(
    "head,expected",
    [
        (b"<OFX><SIGNONMSGSRSV1>", Format.OFX),  # no header at all
        (b"\r\n  <ofx>\n", Format.OFX),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- bank -->\n<OFX>', Format.OFX),
        (b'<?xml version="1.0"?><?OFX OFXHEADER="200" VERSION="220"?>', Format.OFX),
        (b"\n\n\nOFXHEADER:100\nDATA:OFXSGML\n", Format.OFX),
        ("\ufeffOFXHEADER:100\n".encode("utf-16"), Format.OFX),
        (b'<?xml version="1.0"?>\n'
         b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">', None),
        (b"<OFXSTUFF>", None),
        (b"01,BANK,CUST,240101,0000,1,,,2/\n", None),
        (b"101 091000019 1234567890", None),
        (b"Some text mentioning OFXHEADER:100 later", None),
        (b"", None),
    ],
)
def test_detect_heads(head: bytes, expected: Format | None) -> None:
    assert ofx.detect(head) is expected


# ---------------------------------------------------------------------------------------
# 3. Synthetic files

SGML_HEADER = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)
XML_HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
)
SIGNON_SGML = (
    "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS></SONRS></SIGNONMSGSRSV1>\n"
)
SIGNON_XML = (
    "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
    "</SONRS></SIGNONMSGSRSV1>\n"
)


def sgml(transactions: str, *, header: str = SGML_HEADER, ledger: str = "100.00",
         curdef: str = "USD") -> str:
    """An OFX 1.x bank statement: leaf elements unclosed."""
    return (
        f"{header}<OFX>\n{SIGNON_SGML}<BANKMSGSRSV1><STMTTRNRS><TRNUID>1\n"
        "<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
        f"<STMTRS><CURDEF>{curdef}\n<BANKACCTFROM><BANKID>121000358<ACCTID>555\n"
        "<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
        "<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\n"
        f"{transactions}</BANKTRANLIST>\n"
        f"<LEDGERBAL><BALAMT>{ledger}<DTASOF>20240131</LEDGERBAL>\n"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    )


def stmttrn(amount: str, *, trntype: str = "CREDIT", fitid: str = "F1", extra: str = "") -> str:
    return (
        f"<STMTTRN><TRNTYPE>{trntype}<DTPOSTED>20240115<TRNAMT>{amount}<FITID>{fitid}\n"
        f"{extra}</STMTTRN>\n"
    )


def xml(transactions: str, *, header: str = XML_HEADER, ledger: str = "100.00",
        extra_statements: str = "") -> str:
    """An OFX 2.x bank statement: every element closed."""
    return (
        f"{header}<OFX>\n{SIGNON_XML}<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>\n"
        "<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n"
        "<STMTRS><CURDEF>EUR</CURDEF><BANKACCTFROM><BANKID>B</BANKID><ACCTID>777</ACCTID>"
        "<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>\n"
        "<BANKTRANLIST><DTSTART>20240101</DTSTART><DTEND>20240131</DTEND>\n"
        f"{transactions}</BANKTRANLIST>\n"
        f"<LEDGERBAL><BALAMT>{ledger}</BALAMT><DTASOF>20240131</DTASOF></LEDGERBAL>\n"
        f"</STMTRS></STMTTRNRS>{extra_statements}</BANKMSGSRSV1>\n</OFX>\n"
    )


def xml_stmttrn(amount: str, *, trntype: str = "DEBIT", fitid: str = "X1", extra: str = "") -> str:
    return (
        f"<STMTTRN><TRNTYPE>{trntype}</TRNTYPE><DTPOSTED>20240115</DTPOSTED>"
        f"<TRNAMT>{amount}</TRNAMT><FITID>{fitid}</FITID>{extra}</STMTTRN>\n"
    )


def test_decimal_comma_sgml() -> None:
    parsed = parse(sgml(stmttrn("-16,85", trntype="DEBIT") + stmttrn("1.234,56", fitid="F2"),
                        ledger="1.234,56"))
    assert signed(parsed) == [["-16.85", "1234.56"]]
    assert parsed.statements[0].closing_balance == Decimal("1234.56")


def test_decimal_comma_xml() -> None:
    transactions = xml_stmttrn("-16,85") + xml_stmttrn("+1 025,53", trntype="CREDIT", fitid="X2")
    parsed = parse(xml(transactions, ledger="-0,50"))
    assert signed(parsed) == [["-16.85", "1025.53"]]
    assert parsed.statements[0].closing_balance == Decimal("-0.50")


def test_amount_precision_is_kept() -> None:
    parsed = parse(xml(xml_stmttrn("-7") + xml_stmttrn("5.", fitid="X2"), ledger="111"))
    assert [str(e.amount) for e in parsed.entries()] == ["7", "5"]
    assert str(parsed.statements[0].closing_balance) == "111"


@pytest.mark.parametrize("text", [
    sgml(stmttrn("10.00"), header=""),  # OFX 1.x body without its header
    xml(xml_stmttrn("-10.00"), header=""),  # OFX 2.x without XML declaration or <?OFX?>
])
def test_files_without_header(text: str) -> None:
    assert ofx.detect(text.encode()[:4096]) is Format.OFX
    parsed = parse(text)
    assert [e.amount for e in parsed.entries()] == [Decimal("10.00")]


def test_dates_are_the_dates_written_whatever_the_offset() -> None:
    # ofxparse turns 20240101000000[+10:AEST] into 2023-12-31 14:00 (UTC); the bank meant Jan 1.
    extra = "<DTAVAIL>20240103233000[-12:IDLW]\n"
    text = sgml(stmttrn("5.00", extra=extra).replace("<DTPOSTED>20240115",
                                                     "<DTPOSTED>20240101000000[+10:AEST]"))
    (entry,) = parse(text).entries()
    assert (entry.booking_date, entry.value_date) == (date(2024, 1, 1), date(2024, 1, 3))


def test_transaction_fields() -> None:
    extra = (
        "<DTAVAIL>20240117<CHECKNUM>0<REFNUM>RF18 5390 0754 7034\n"
        "<PAYEE><NAME>ACME Corp<ADDR1>1 Main St<CITY>Springfield<STATE>IL<POSTALCODE>62701"
        "<PHONE>555</PAYEE>\n"
        "<BANKACCTTO><BANKID>011000015<ACCTID>998877<ACCTTYPE>CHECKING</BANKACCTTO>\n"
        "<MEMO>INV-1001 INV-1002\n"
    )
    (entry,) = parse(sgml(stmttrn("250.00", trntype="DIRECTDEP", extra=extra))).entries()
    tx = entry.transactions[0]
    assert (entry.kind, entry.bank_code) == (Kind.ACH, "DIRECTDEP")
    assert entry.value_date == date(2024, 1, 17)  # DTAVAIL
    assert (tx.counterparty_name, tx.counterparty_account) == ("ACME Corp", "ABA:011000015:998877")
    assert tx.remittance == ("INV-1001 INV-1002", "ACME Corp")  # NAME is not within MEMO
    assert (tx.references, tx.check_number, tx.currency) == (("RF18 5390 0754 7034",), None, "USD")


@pytest.mark.parametrize("trntype,kind", [
    ("CHECK", Kind.CHECK), ("DIRECTDEBIT", Kind.ACH), ("POS", Kind.CARD), ("ATM", Kind.CARD),
    ("XFER", Kind.OTHER), ("DEP", Kind.OTHER), ("PAYMENT", Kind.OTHER), ("INT", Kind.OTHER),
])
def test_kind_from_trntype(trntype: str, kind: Kind) -> None:
    (entry,) = parse(sgml(stmttrn("-1.00", trntype=trntype))).entries()
    assert entry.kind is kind


def test_trntype_disagreeing_with_the_sign_is_a_warning() -> None:
    parsed = parse(sgml(stmttrn("-3.00", trntype="CREDIT")
                        + stmttrn("4.00", trntype="FOO", fitid="F2")))
    assert [e.direction for e in parsed.entries()] == [Direction.DEBIT, Direction.CREDIT]
    assert messages(parsed) == [
        "line 19, record STMTTRN, field TRNTYPE = 'CREDIT': "
        "TRNTYPE CREDIT says credit but TRNAMT is a debit; the sign of TRNAMT is used",
        "line 21, record STMTTRN, field TRNTYPE = 'FOO': unknown TRNTYPE",
    ]


def test_zero_and_null_amounts() -> None:
    parsed = parse(sgml(stmttrn("0.00", trntype="DEBIT")
                        + stmttrn("null", trntype="OTHER", fitid="F2")))
    zero, null = parsed.entries()
    # A zero amount has no sign: TRNTYPE decides the direction.
    assert (zero.amount, zero.direction) == (Decimal("0.00"), Direction.DEBIT)
    assert zero.status is EntryStatus.BOOKED
    assert (null.amount, null.status) == (Decimal(0), EntryStatus.INFO)
    assert messages(parsed) == [
        "line 21, record STMTTRN, field TRNAMT = 'null': "
        "TRNAMT is 'null': kept as a zero, information-only entry"
    ]


def test_foreign_currency_transaction() -> None:
    extra = "<CURRENCY><CURRATE>1.1<CURSYM>eur</CURRENCY>\n"
    (entry,) = parse(sgml(stmttrn("9.00", extra=extra))).entries()
    assert (entry.currency, entry.transactions[0].currency) == ("EUR", "EUR")


def test_no_currency_at_all_is_rejected() -> None:
    error = rejection(sgml(stmttrn("9.00"), curdef=""))
    assert str(error) == (
        "line 19, record STMTTRN, field CURDEF: "
        "no currency: CURDEF is empty and the STMTTRN has no CURRENCY"
    )


def test_bank_and_credit_card_statements_in_file_order() -> None:
    card = (
        "<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2</TRNUID>"
        "<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<CCSTMTRS><CURDEF>EUR</CURDEF><CCACCTFROM><ACCTID>4111</ACCTID></CCACCTFROM>"
        "<BANKTRANLIST><DTSTART>20240101</DTSTART><DTEND>20240131</DTEND>"
        + xml_stmttrn("-2.00", fitid="C1") +
        "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>"
    )
    text = xml(xml_stmttrn("-1.00")).replace("<BANKMSGSRSV1>", card + "<BANKMSGSRSV1>")
    parsed = parse(text)
    assert [s.account for s in parsed.statements] == ["4111", "777"]
    assert [s.id for s in parsed.statements] == ["4111-20240101-20240131", "777-20240101-20240131"]
    assert [e.kind for e in parsed.entries()] == [Kind.CARD, Kind.OTHER]


def test_repeated_statement_ids_get_a_suffix() -> None:
    text = xml(xml_stmttrn("-1.00"))
    body = text[text.index("<STMTTRNRS>") : text.index("</BANKMSGSRSV1>")]
    parsed = parse(text.replace("</BANKMSGSRSV1>", body + "</BANKMSGSRSV1>"))
    assert [s.id for s in parsed.statements] == ["777-20240101-20240131", "777-20240101-20240131-2"]


def test_error_status_beside_a_statement_is_a_warning() -> None:
    failed = (
        "<STMTTRNRS><TRNUID>9</TRNUID><STATUS><CODE>2003</CODE><SEVERITY>ERROR</SEVERITY>"
        "<MESSAGE>Account not found</MESSAGE></STATUS></STMTTRNRS>"
    )
    parsed = parse(xml(xml_stmttrn("-1.00"), extra_statements=failed))
    assert len(parsed.statements) == 1
    assert messages(parsed) == [
        "line 12, record STMTTRNRS, field STATUS = '2003': bank returned status 2003 (ERROR): "
        "Account not found; no statement in this response"
    ]


def test_signon_error_without_statement_is_rejected() -> None:
    text = (
        f"{SGML_HEADER}<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR\n"
        "<MESSAGE>Signon invalid</STATUS><DTSERVER>20240101</SONRS></SIGNONMSGSRSV1></OFX>\n"
    )
    assert str(rejection(text)) == (
        "line 11, record SONRS, field STATUS = '15500': "
        "bank returned error 15500 (ERROR): Signon invalid; the file holds no statement"
    )


def test_file_without_statement_is_rejected() -> None:
    text = f"{SGML_HEADER}<OFX>{SIGNON_SGML}</OFX>\n"
    assert str(rejection(text)) == "no bank or credit-card statement (STMTRS, CCSTMTRS) in the file"
    invest = text.replace("</OFX>", "<INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><CURDEF>USD"
                          "<INVACCTFROM><BROKERID>b<ACCTID>1</INVACCTFROM></INVSTMTRS>"
                          "</INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>")
    assert "investment statements and account lists are not supported" in str(rejection(invest))


# Encodings ------------------------------------------------------------------------------


def test_cp1252_sgml() -> None:
    text = sgml(stmttrn("1.00", extra="<MEMO>Caf\u00e9 \u20ac 5\n"))
    (entry,) = parse(text.encode("cp1252")).entries()
    assert entry.transactions[0].remittance == ("Caf\u00e9 \u20ac 5",)


def test_utf8_xml_with_bom_cdata_and_ampersands() -> None:
    memo = "<MEMO><![CDATA[Z\u00fcrich <AG> &#233; & co]]> AT&T &not; &amp; &#65;</MEMO>"
    data = b"\xef\xbb\xbf" + xml(xml_stmttrn("-1.00", extra=memo)).encode("utf-8")
    (entry,) = parse(data).entries()
    # CDATA is literal; outside it only XML's five entities and character references count.
    assert entry.transactions[0].remittance == ("Z\u00fcrich <AG> &#233; & co AT&T &not; & A",)


def test_other_sgml_charset() -> None:
    header = SGML_HEADER.replace("CHARSET:1252", "CHARSET:1251")
    memo = "<MEMO>\u041e\u043f\u043b\u0430\u0442\u0430\n"
    text = sgml(stmttrn("1.00", extra=memo), header=header)
    (entry,) = parse(text.encode("cp1251")).entries()
    assert entry.transactions[0].remittance == ("\u041e\u043f\u043b\u0430\u0442\u0430",)


# Hostile and broken files ------------------------------------------------------------------

SECRET = "root:x:0:0:remit-secret"


def _doctype_file(doctype: str, reference: str) -> bytes:
    body = xml(xml_stmttrn("-1.00", extra=f"<MEMO>{reference}</MEMO>"))
    return body.replace("<OFX>", doctype + "\n<OFX>", 1).encode()


@pytest.mark.parametrize("doctype,reference", [
    (  # billion laughs
        '<!DOCTYPE OFX [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>",
        "&j;",
    ),
    ('<!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    ('<!DOCTYPE OFX SYSTEM "http://example.invalid/ofx.dtd">', "x"),
    ('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
])
def test_dtd_and_entities_are_rejected(doctype: str, reference: str, tmp_path: Path) -> None:
    start = time.perf_counter()
    error = rejection(_doctype_file(doctype, reference))
    assert time.perf_counter() - start < 1
    assert "DTD declarations (<!DOCTYPE, <!ENTITY) are not allowed" in str(error)
    assert (error.line, error.field) == (3, "declaration")
    assert "root:" not in str(error)


def test_entity_references_are_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    # Without a DTD (rejected above) an entity reference is just text...
    (entry,) = parse(xml(xml_stmttrn("-1.00", extra="<MEMO>&xxe; &lol9;</MEMO>"))).entries()
    assert entry.transactions[0].remittance == ("&xxe; &lol9;",)
    # ...and html.parser, which builds the tree, does not resolve entities even with a DTD.
    doc = (
        f'<!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY a "AAAA">]>'
        "<OFX><MEMO>&xxe; &a;</MEMO></OFX>"
    )
    text = BeautifulSoup(doc, "html.parser").find("memo").get_text()
    assert SECRET not in text and "AAAA" not in text


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
@pytest.mark.parametrize("sample", ["ofxparse-checking.ofx", "ofxparse-suncorp.ofx"])
def test_truncated_files(sample: str, cut: float) -> None:
    data = (SAMPLES / "ofx" / sample).read_bytes()
    error = rejection(data[: int(len(data) * cut)])
    assert "no </OFX>: the file is truncated or is not OFX" in str(error)


def test_truncated_file_whose_only_end_tag_is_in_a_comment() -> None:
    text = xml(xml_stmttrn("-1.00"))
    text = text.replace("<OFX>", "<OFX><!-- </OFX> -->", 1)
    error = rejection(text[: text.index("</BANKTRANLIST>")])
    assert str(error) == (
        # BANKTRANLIST, STMTRS... lost their closing tags with the end of the file; known
        # aggregates of OFX, they stay aggregates: the innermost one left open is named.
        "line 8, field BANKTRANLIST: file is truncated: <BANKTRANLIST> is never closed "
        "(no </OFX> at the end)"
    )


def test_binary_junk() -> None:
    # Deliberate change (issue 13): bytes that are not UTF-8 are read as windows-1252 (which
    # reads every byte) rather than refused; binary content is then refused by its controls.
    error = rejection(bytes(range(256)) * 8)
    assert str(error) == (
        "line 1, field content = '': binary content: control character U+0000; "
        "not an OFX text file"
    )
    error = rejection(sgml(stmttrn("1.00", extra="<MEMO>a\x00b\n")))
    assert str(error).startswith("line 20, field content = ")
    assert str(error).endswith("binary content: control character U+0000; not an OFX text file")


def test_wrong_encoding_is_a_warning() -> None:
    # Deliberate change (issue 13): a declared encoding the bytes contradict was a ParseError.
    data = xml(xml_stmttrn("-1.00", extra="<MEMO>\u00c4</MEMO>")).replace("UTF-8", "us-ascii")
    parsed = parse(data.encode("utf-8"))
    assert next(parsed.entries()).transactions[0].remittance == ("\u00c4",)
    assert messages(parsed) == [
        "field encoding = 'us-ascii': the XML declaration declares us-ascii but the bytes are "
        "UTF-8: read as UTF-8"
    ]
    header = SGML_HEADER.replace("ENCODING:USASCII", "ENCODING:EBCDIC")
    parsed = parse(sgml(stmttrn("1.00", extra="<MEMO>\u00c4\n"), header=header))
    assert messages(parsed) == [
        "field encoding = 'ENCODING:EBCDIC CHARSET:1252': the OFX header declares "
        "ENCODING:EBCDIC CHARSET:1252 (unknown) but the bytes are UTF-8: read as UTF-8"
    ]


def test_huge_text_value() -> None:
    limits = ParseLimits(max_text_bytes=1000)
    error = rejection(sgml(stmttrn("1.00", extra=f"<MEMO>{'A' * 5000}\n")), limits=limits)
    assert isinstance(error, LimitExceeded)
    assert str(error) == (
        f"line 20, field MEMO = '{'A' * 57}...': text is 5001 bytes, over the limit of 1000"
    )


def test_deep_nesting() -> None:
    deep = "<X>" * 100 + "</X>" * 100
    error = rejection(xml(xml_stmttrn("-1.00", extra=deep)))
    assert isinstance(error, LimitExceeded)
    assert str(error) == "line 9, field X: elements nested deeper than 64"


def test_file_size_limit() -> None:
    error = rejection(sgml(stmttrn("1.00")), limits=ParseLimits(max_file_bytes=100))
    assert isinstance(error, LimitExceeded)
    assert str(error) == (
        "field size: file is over the limit of 100 bytes for OFX, which is parsed in memory"
    )
    assert ParseLimits().max_ofx_bytes < ParseLimits().max_file_bytes


@pytest.mark.parametrize("replace,message", [
    (("<DTPOSTED>20240115", "<DTPOSTED>20241315"),
     "line 19, field DTPOSTED = '20241315': not a calendar date"),
    (("<DTPOSTED>20240115", "<DTPOSTED>15/01/2024"),
     "line 19, field DTPOSTED = '15/01/2024': "
     "not an OFX date-time (YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]])"),
    (("<TRNAMT>1.00", "<TRNAMT>NaN"), "line 19, field TRNAMT = 'NaN': not an amount"),
    (("<TRNAMT>1.00", "<TRNAMT>1e5"), "line 19, field TRNAMT = '1e5': not an amount"),
    (("<BALAMT>100.00", "<BALAMT>12..5"), "line 22, field BALAMT = '12..5': not an amount"),
    (("<TRNAMT>1.00", ""), "line 19, record STMTTRN, field TRNAMT: STMTTRN without TRNAMT"),
    (("<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n<STMTRS>", "<STATUS><CODE>E1</STATUS>\n<STMTRS>"),
     "line 13, record STMTTRNRS, field CODE = 'E1': STATUS without a numeric CODE"),
    (("<OFX>", "<OFX><!-- never closed"), "line 11, field <!--: unterminated <!-- (no -->)"),
    (("</OFX>\n", "</OFX>\n<OFX>"), "line 25, field OFX: unexpected <OFX> after </OFX>"),
    (("</OFX>\n", "</OFX>\ntrailing junk"), "line 25: unexpected text after </OFX>"),
    (("<OFX>\n", "<FOO>\n<OFX>\n"), "line 11, field FOO: unexpected <FOO> before <OFX>"),
])
def test_malformed_values_and_structure(replace: tuple[str, str], message: str) -> None:
    text = sgml(stmttrn("1.00"))
    assert replace[0] in text
    assert str(rejection(text.replace(*replace, 1))) == message


def test_not_ofx_at_all() -> None:
    error = rejection(b"")
    assert str(error) == "line 1, field OFX: no </OFX>: the file is truncated or is not OFX"
    camt = (
        b'<?xml version="1.0"?>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"></Document>'
    )
    assert "not OFX" in str(rejection(camt))


def _mutations() -> st.SearchStrategy[bytes]:
    base = (SAMPLES / "ofx" / "ofxparse-checking.ofx").read_bytes()
    xml_base = (SAMPLES / "ofx" / "ofxparse-suncorp.ofx").read_bytes()
    tokens = st.sampled_from([b"<", b">", b"</", b"<STMTTRN>", b"</STMTTRN>", b"<![CDATA[", b"]]>",
                              b"&", b"&#0;", b"\x00", b"\xff", b"<!--", b"<?", b",", b".", b"-"])
    chunk = st.one_of(tokens, st.binary(max_size=8))

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from([base, xml_base])))
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(data)))
            width = draw(st.integers(0, 6))
            data[at : at + width] = draw(chunk)
        return bytes(data)

    return mutate()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_files_only_ever_raise_parse_error(data: bytes) -> None:
    try:
        parsed = parse(data)
    except ParseError:
        return
    for entry in parsed.entries():
        assert isinstance(entry.amount, Decimal) and entry.amount >= 0


def test_an_encoding_name_with_a_nul_byte_is_a_parse_error() -> None:
    # Found by the mutation test: codecs.lookup raises ValueError, not LookupError, for it.
    # Since issue 13 the name is not looked up before the bytes are: the NUL is binary content.
    data = b'<?xml version="1.0" encoding="\x00us-ascii"?>\n<?OFX OFXHEADER="200" VERSION="200"?>\n<OFX></OFX>'
    with pytest.raises(ParseError, match="control character U[+]0000"):
        list(ofx.iter_records(io.BytesIO(data)))
