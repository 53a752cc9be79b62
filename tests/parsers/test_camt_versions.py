"""camt, issue 13 ("real-world bank files, round 2"): every version .001.01-.001.14 of
camt.052/053/054, encodings, refusals of what is not a readable camt document, and the
camt.053 statement integrity warning.

Golden files for the structurally different .001.01 and for public camt.052 samples are in
fixtures/samples/camt (checked by test_camt.py::test_golden); here the other versions are
made by rewriting the namespace of a golden fixture, and must give that fixture's golden
output unchanged.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from core.contract import parsed_file_json
from core.errors import ParseError
from core.limits import ParseLimits
from core.records import Direction, EntryStatus, Format, ParsedFile, collect
from ingest import formats
from iso20022 import camt, versions
from tests.support import SAMPLES, shared_samples

CAMT = SAMPLES / "camt"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.{msg}.001.{ver:02d}"


def parse(data: bytes, limits: ParseLimits | None = None) -> ParsedFile:
    kwargs = {} if limits is None else {"limits": limits}
    return collect(Format.CAMT053, camt.iter_records(io.BytesIO(data), **kwargs))


def refused(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data)
    return caught.value


def golden(name: str) -> dict:
    return json.loads((CAMT / f"{name}.expected.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Every namespace version reads like the fixture it was made from

# (fixture, its version, the versions it is rewritten to). .001.03-.001.07 keep the v02/v04
# layout (Sts as text, Dbtr/Nm), .001.09-.001.14 the v08 one (Sts/Cd, Dbtr/Pty/Nm).
REWRITES = [
    ("genkgo-camt053-v04.xml", 4, [3, 5, 6, 7]),
    ("genkgo-camt053-v08.xml", 8, [9, 10, 11, 12, 13, 14]),
    ("genkgo-camt053-v02-multi-statement.xml", 2, [3, 4, 5, 6, 7]),
    ("moov-postfinance-camt053-v04.xml", 4, [2, 3, 5, 6, 7]),
    ("genkgo-camt054-v04-batch.xml", 4, [2, 3, 5, 6, 7]),
    ("genkgo-camt054-v08-uetr.xml", 8, [9, 10, 11, 12, 13, 14]),
    ("moov-postfinance-camt052-v04.xml", 4, [2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
    ("moov-fi-camt052-v02-sample.xml", 2, [3, 4, 5, 6, 7]),
]
CASES = [(name, old, new) for name, old, news in REWRITES for new in news]


@pytest.mark.parametrize(("name", "old", "new"), CASES, ids=[f"{n}->{v:02d}" for n, _, v in CASES])
def test_every_namespace_version_gives_the_fixtures_golden_output(
    name: str, old: int, new: int, tmp_path: Path
) -> None:
    source = (CAMT / name).read_bytes()
    message = re.search(rb"camt\.(05[234])\.001\.", source).group(1).decode()  # type: ignore[union-attr]
    before = NS.format(msg=message, ver=old).encode()
    assert before in source
    path = tmp_path / name
    path.write_bytes(source.replace(before, NS.format(msg=message, ver=new).encode()))
    parsed = formats.parse_path(path)
    assert parsed_file_json(name, parsed) == golden(name)


# ---------------------------------------------------------------------------------------------
# .001.01 (2006): its own element names (golden files remit-camt05x-v01.xml)


def test_v01_statement_shapes() -> None:
    parsed = formats.parse_path(CAMT / "remit-camt053-v01.xml")
    assert parsed.format is Format.CAMT053 and parsed.warnings == ()
    (statement,) = parsed.statements
    assert statement.account == "0532013000"  # Acct/Id/BBAN
    assert [b.type for b in statement.balances] == ["OPBD", "CLBD"]  # Bal/Tp/Cd, no CdOrPrtry
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("1000.00"), Decimal("1195.50"))
    batch, debit, fee = statement.entries
    assert [t.end_to_end_id for t in batch.transactions] == ["E2E-V01-1", "E2E-V01-2"]  # Ntry/TxDtls
    first, second = batch.transactions
    assert first.invoices[0].number == "INV-2008-17" and first.invoices[0].amount == Decimal("200.00")  # RfrdDocNb
    assert first.counterparty_account == "0202051000"  # DbtrAcct/Id/BBAN
    assert second.references == ("RF18539007547034",)  # CdtrRefInf/CdtrRef
    ret = debit.transactions[0].return_info
    assert ret is not None and (ret.reason_code, ret.additional_info) == ("MD06", "Refund request by end customer")
    assert batch.booking_date is not None and batch.booking_date.isoformat() == "2008-07-03"  # BookgDt/DtTm
    assert fee.transactions[0].remittance == ("Account fees June 2008",)


def test_v01_batch_count_is_checked() -> None:
    data = (CAMT / "remit-camt053-v01.xml").read_bytes().replace(b"<NbOfTxs>2<", b"<NbOfTxs>3<")
    (warning,) = parse(data).warnings
    assert warning.field == "NtryDtls/Btch/NbOfTxs" and warning.value == "3"


def test_v01_many_details_directly_in_the_entry_are_all_read() -> None:
    """More TxDtls than the parser keeps in the tree (built and freed early, camt.py)."""
    detail = '<TxDtls><Refs><EndToEndId>E{0}</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">1.00</Amt></TxAmt></AmtDtls></TxDtls>'
    source = (CAMT / "remit-camt053-v01.xml").read_text(encoding="utf-8")
    start = source.index("<TxDtls>")
    end = source.index("</Ntry>")
    many = source[:start] + "".join(detail.format(i) for i in range(300)) + source[end:]
    many = many.replace('<Amt Ccy="EUR">250.00</Amt>', '<Amt Ccy="EUR">300.00</Amt>', 1).replace("<NbOfTxs>2<", "<NbOfTxs>300<")
    parsed = parse(many.encode())
    entry = parsed.statements[0].entries[0]
    assert [t.end_to_end_id for t in entry.transactions] == [f"E{i}" for i in range(300)]
    assert [w.field for w in parsed.warnings] == ["Bal/CLBD"]  # 50.00 more credited than CLBD says


@pytest.mark.parametrize(("name", "fmt"), [("remit-camt052-v01.xml", Format.CAMT052), ("remit-camt054-v01.xml", Format.CAMT054)])
def test_v01_report_and_notification(name: str, fmt: Format) -> None:
    data = (CAMT / name).read_bytes()
    assert camt.detect(data[:4096]) is fmt
    parsed = formats.parse_path(CAMT / name)
    assert parsed.format is fmt
    assert [len(e.transactions) for e in parsed.entries()] == [2, 1, 1]


def test_v01_message_element_is_detected_without_a_namespace_in_the_head() -> None:
    assert versions.detect(b"<Document><BkToCstmrStmtV01><GrpHdr>") is Format.CAMT053
    assert versions.detect(b"<Document><BkToCstmrAcctRptV01>") is Format.CAMT052


# ---------------------------------------------------------------------------------------------
# camt.052: the same records as camt.053; the report is told apart by ParsedFile.format and
# its entries by status (BOOK / PDNG / INFO)


def report(ver: int, entries: str, *, balances: str = "") -> bytes:
    element = "BkToCstmrAcctRptV01" if ver == 1 else "BkToCstmrAcctRpt"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS.format(msg="052", ver=ver)}">'
        f"<{element}><GrpHdr><MsgId>R</MsgId><CreDtTm>2025-01-02T12:00:00</CreDtTm></GrpHdr>"
        f"<Rpt><Id>RPT-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{balances}{entries}</Rpt>"
        f"</{element}></Document>\n"
    ).encode()


def report_entry(amount: str, status: str, ver: int) -> str:
    sts = f"<Sts>{status}</Sts>" if ver < 8 else f"<Sts><Cd>{status}</Cd></Sts>"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{sts}'
        f"<AcctSvcrRef>REF-{amount}</AcctSvcrRef></Ntry>"
    )


@pytest.mark.parametrize("ver", range(1, 15))
def test_camt052_every_version_keeps_booked_pending_and_info_apart(ver: int, tmp_path: Path) -> None:
    # ITBD moves with pending items: a report's balances are never checked against entries.
    balances = (
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-02</Dt></Dt></Bal>'
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">9.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-02</Dt></Dt></Bal>'
    )
    body = "".join(report_entry(a, s, ver) for a, s in [("1.00", "BOOK"), ("2.00", "PDNG"), ("3.00", "INFO")])
    path = tmp_path / f"camt052-{ver:02d}.xml"
    path.write_bytes(report(ver, body, balances=balances))
    parsed = formats.parse_path(path)
    assert parsed.format is Format.CAMT052
    assert [(e.status, e.bank_reference) for e in parsed.entries()] == [
        (EntryStatus.BOOKED, "REF-1.00"), (EntryStatus.PENDING, "REF-2.00"), (EntryStatus.INFO, "REF-3.00"),
    ]  # fmt: skip
    assert parsed.warnings == ()


def test_public_camt052_samples() -> None:
    fi = formats.parse_path(CAMT / "moov-fi-camt052-v02-sample.xml")
    assert fi.format is Format.CAMT052
    assert [e.status for e in fi.entries()] == [EntryStatus.PENDING, EntryStatus.BOOKED]  # prenotice, booked
    postfinance = formats.parse_path(CAMT / "moov-postfinance-camt052-v04.xml")
    assert [(e.status, e.direction, e.amount) for e in postfinance.entries()] == [
        (EntryStatus.BOOKED, Direction.DEBIT, Decimal("103.00")),
        (EntryStatus.BOOKED, Direction.DEBIT, Decimal("913.00")),
    ]


# ---------------------------------------------------------------------------------------------
# Refused: not a camt document we can read, with the reason

GOOD_BODY = '<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id><Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>'


def message(ns: str | None, body: str = GOOD_BODY, element: str = "BkToCstmrStmt") -> bytes:
    xmlns = "" if ns is None else f' xmlns="{ns}"'
    return f'<?xml version="1.0"?>\n<Document{xmlns}>\n<{element}>{body}</{element}></Document>'.encode()


@pytest.mark.parametrize(
    ("ns", "element", "reason"),
    [
        (NS.format(msg="053", ver=99), "BkToCstmrStmt", "camt.053.001.99 is not a known version of camt.053 (known: .001.01 to .001.14)"),
        (NS.format(msg="053", ver=0), "BkToCstmrStmt", "camt.053.001.00 is not a known version"),
        (NS.format(msg="053", ver=15), "BkToCstmrStmt", "camt.053.001.15 is not a known version"),
        ("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09", "BkToCstmrStmt", "namespace 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09' is not camt.052/053/054"),
        ("urn:example:bank", "BkToCstmrStmt", "namespace 'urn:example:bank' is not camt.052/053/054"),
        (None, "BkToCstmrStmt", "BkToCstmrStmt has no XML namespace, so the camt version cannot be told"),
        (NS.format(msg="052", ver=8), "BkToCstmrStmt", "the namespace says camt.052.001.08 but the message element is BkToCstmrStmt (camt.053)"),
    ],
)
def test_unreadable_namespaces_are_refused_with_the_reason(ns: str | None, element: str, reason: str) -> None:
    error = refused(message(ns, element=element))
    assert reason in str(error)
    assert error.field == "namespace" and error.value == ns and error.line == 3


def test_refused_before_any_record() -> None:
    records = camt.iter_records(io.BytesIO(message(NS.format(msg="053", ver=99))))
    with pytest.raises(ParseError):
        next(records)


@pytest.mark.parametrize(("element", "inner"), [("BkToCstmrStmt", "Stmt (statement)"), ("BkToCstmrAcctRpt", "Rpt (account report)"), ("BkToCstmrDbtCdtNtfctn", "Ntfctn (notification)")])
def test_a_message_without_statements_is_refused_not_read_as_empty(element: str, inner: str) -> None:
    msg = {"BkToCstmrStmt": "053", "BkToCstmrAcctRpt": "052", "BkToCstmrDbtCdtNtfctn": "054"}[element]
    error = refused(message(NS.format(msg=msg, ver=8), "<GrpHdr><MsgId>M</MsgId></GrpHdr>", element))
    assert f"the {element} message holds no {inner}: there is nothing to import" in str(error)


def test_an_empty_message_in_an_unknown_namespace_names_the_namespace() -> None:
    error = refused(message("urn:example:bank", "<GrpHdr/>"))
    assert "is not camt.052/053/054" in str(error)


def test_refusals_reach_the_ingest_caller_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "wrong.xml"
    path.write_bytes(message(NS.format(msg="053", ver=99)))
    with pytest.raises(ParseError) as caught:
        formats.parse_path(path)
    assert "camt.053.001.99 is not a known version" in str(caught.value)
    pain = tmp_path / "pain.xml"
    pain.write_bytes(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>')
    with pytest.raises(ParseError):
        formats.parse_path(pain)


# ---------------------------------------------------------------------------------------------
# Encodings

def latin_doc(declaration: str, text: bytes, *, bom: bool = False) -> bytes:
    head = b"\xef\xbb\xbf" if bom else b""
    decl = f'<?xml version="1.0" encoding="{declaration}"?>\n'.encode() if declaration else b""
    body = message(NS.format(msg="053", ver=2)).split(b"\n", 1)[1].replace(
        b"<Sts>BOOK</Sts>", b"<Sts>BOOK</Sts><AddtlNtryInf>" + text + b"</AddtlNtryInf>"
    )
    return head + decl + body


def info_and_warnings(data: bytes) -> tuple[str | None, list[str]]:
    parsed = parse(data)
    return next(parsed.entries()).additional_info, [str(w) for w in parsed.warnings]


def test_declared_windows_1252_is_decoded_without_warning() -> None:
    assert info_and_warnings(latin_doc("windows-1252", "Müller €5 – “ok”".encode("cp1252"))) == ("Müller €5 – “ok”", [])
    assert info_and_warnings(latin_doc("CP1252", "Straße".encode("cp1252"))) == ("Straße", [])


def test_declared_iso_8859_1_with_windows_1252_bytes_is_read_as_windows_1252_with_a_warning() -> None:
    text, warnings = info_and_warnings(latin_doc("ISO-8859-1", "Café €5".encode("cp1252")))
    assert text == "Café €5"
    (warning,) = warnings
    assert "line 3, field encoding = \"ISO-8859-1 b'\\\\x80'\"" in warning
    assert "declares ISO-8859-1 but holds bytes 0x80-0x9F" in warning


def test_declared_iso_8859_1_is_plain_latin1() -> None:
    assert info_and_warnings(latin_doc("iso-8859-1", "Café Straße".encode("latin-1"))) == ("Café Straße", [])


def test_utf8_byte_order_mark() -> None:
    assert info_and_warnings(latin_doc("UTF-8", "Müller".encode(), bom=True)) == ("Müller", [])
    assert info_and_warnings(latin_doc("", "Müller".encode(), bom=True)) == ("Müller", [])


def test_byte_order_mark_against_a_latin1_declaration() -> None:
    text, warnings = info_and_warnings(latin_doc("ISO-8859-1", "Müller".encode(), bom=True))
    assert text == "Müller"
    assert warnings == [
        "line 1, field encoding = 'ISO-8859-1': the file starts with a UTF-8 byte order mark but"
        " declares ISO-8859-1: read as UTF-8"
    ]


class Trickle(io.BytesIO):
    """A source that hands out at most `size` bytes a read: every boundary gets exercised."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.size = size

    def read(self, n: int | None = -1) -> bytes:
        return super().read(self.size)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_utf8_split_across_read_chunks_is_not_mistaken_for_latin1(size: int) -> None:
    text = "ÄÖÜ äöü € 𝄞 ß"
    data = latin_doc("UTF-8", text.encode())
    parsed = collect(Format.CAMT053, camt.iter_records(Trickle(data, size)))
    assert next(parsed.entries()).additional_info == text
    assert parsed.warnings == ()


@pytest.mark.parametrize("size", [1, 3, 4096])
def test_latin1_bytes_in_a_utf8_file_at_any_chunk_boundary(size: int) -> None:
    data = latin_doc("UTF-8", "Müller Straße €".encode() + b" M\xfcller \xc3")
    parsed = collect(Format.CAMT053, camt.iter_records(Trickle(data, size)))
    assert next(parsed.entries()).additional_info == "Müller Straße € Müller Ã"
    assert [w.field for w in parsed.warnings] == ["encoding"]


# ---------------------------------------------------------------------------------------------
# Statement integrity (camt.053): opening + booked credits - booked debits = CLBD


def statement(entries: str, *, opening: str = "100.00", closing: str = "150.00", closing_cdi: str = "CRDT",
              opening_type: str = "OPBD", closing_ccy: str = "EUR", msg: str = "053") -> bytes:
    element, inner = {"053": ("BkToCstmrStmt", "Stmt"), "052": ("BkToCstmrAcctRpt", "Rpt"),
                      "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}[msg]  # fmt: skip
    bal = (
        '<Bal><Tp><CdOrPrtry><Cd>{t}</Cd></CdOrPrtry></Tp><Amt Ccy="{c}">{a}</Amt>'
        "<CdtDbtInd>{d}</CdtDbtInd><Dt><Dt>2025-01-02</Dt></Dt></Bal>"
    )
    header = (
        "<Id>STMT-7</Id><ElctrncSeqNb>7</ElctrncSeqNb><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
        + bal.format(t=opening_type, c="EUR", a=opening, d="CRDT")
        + "\n" + bal.format(t="CLBD", c=closing_ccy, a=closing, d=closing_cdi)
    )
    return (
        f'<?xml version="1.0"?>\n<Document xmlns="{NS.format(msg=msg, ver=8)}"><{element}><GrpHdr><MsgId>M</MsgId></GrpHdr>'
        f"<{inner}>{header}{entries}</{inner}></{element}></Document>"
    ).encode()


def booking(amount: str, cdi: str = "CRDT", sts: str = "BOOK", ccy: str = "EUR", value: str = "2025-01-02") -> str:
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{cdi}</CdtDbtInd><Sts><Cd>{sts}</Cd></Sts>'
        f"<ValDt><Dt>{value}</Dt></ValDt></Ntry>"
    )


def balance_warnings(data: bytes) -> list[str]:
    return [str(w) for w in parse(data).warnings if w.field == "Bal/CLBD"]


def test_a_statement_that_adds_up_has_no_warning() -> None:
    assert balance_warnings(statement(booking("80.00") + booking("30.00", "DBIT"))) == []


def test_a_statement_that_does_not_add_up_is_a_warning_naming_it() -> None:
    (warning,) = balance_warnings(statement(booking("80.00") + booking("20.00", "DBIT")))
    assert warning == (
        "line 3, record Stmt 1, field Bal/CLBD = '150.00': statement 'STMT-7' of account"
        " DE89370400440532013000: opening balance OPBD 100.00 EUR + booked credits 80.00 - booked"
        " debits 20.00 = 160.00, but the closing balance CLBD is 150.00 (difference -10.00)"
    )


def test_prcd_is_the_opening_balance_without_opbd_and_debit_balances_are_negative() -> None:
    data = statement(booking("30.00", "DBIT"), opening_type="PRCD", opening="20.00", closing="10.00", closing_cdi="DBIT")
    assert balance_warnings(data) == []
    (warning,) = balance_warnings(statement(booking("30.00", "DBIT"), opening_type="PRCD", opening="20.00", closing="10.00"))
    assert "opening balance PRCD 20.00" in warning and "(difference 20.00)" in warning


def test_pending_and_info_entries_are_not_in_a_booked_balance() -> None:
    data = statement(booking("50.00") + booking("999.00", sts="PDNG") + booking("7.00", "DBIT", sts="INFO"))
    assert balance_warnings(data) == []


def test_entries_valued_after_the_closing_date_may_be_left_out_of_clbd() -> None:
    """PostFinance: CLBD leaves out an entry valued tomorrow (it is in FWAV only)."""
    data = statement(booking("50.00") + booking("25.00", value="2025-01-03"))
    assert balance_warnings(data) == []


@pytest.mark.parametrize(
    "data",
    [
        statement(booking("50.00") + booking("5.00", ccy="USD")),  # an FX entry: cannot be summed
        statement(booking("1.00"), closing_ccy="SEK"),  # balances in two currencies
        statement(booking("1.00"), msg="052"),  # intraday report
        statement(booking("1.00"), msg="054"),  # notification
    ],
    ids=["fx-entry", "two-currencies", "camt052", "camt054"],
)
def test_not_checked(data: bytes) -> None:
    assert balance_warnings(data) == []


# The conformance corpus: statements SOURCES.md says do not add up (balance check MISMATCH)
# warn, unless the difference is entries valued after CLBD (PostFinance) or the balances are
# in two currencies (genkgo's synthetic v04/v08/minimal files).
MISMATCH_WARNED = {
    "genkgo-camt053-v02-all-balance-types.xml",
    "genkgo-camt053-v02-five-decimals.xml",
    "oca-camt053-v02-returns-batch.xml",
}
CORPUS = shared_samples("iso20022", "*.xml")


def test_corpus_balance_warnings_are_the_mismatched_statements() -> None:
    if not CORPUS:
        pytest.skip("conformance corpus not present")
    warned = {p.name for p in CORPUS if any(w.field == "Bal/CLBD" for w in formats.parse_path(p).warnings)}
    assert warned == MISMATCH_WARNED
