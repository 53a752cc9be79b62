"""OFX 1.x structure as banks write it (issue 13): end tags missing, misplaced or stray.

The scanner repairs what a lenient SGML reader would (implied end tags from the OFX
vocabulary), warns naming the line and the element, and refuses a transaction it cannot
delimit. Files are built from the helpers of test_ofx.py; lines are those of `sgml()`.
"""

from __future__ import annotations

import io

import pytest

from core.records import Direction, Format, collect
from ingest import ofx
from tests.parsers.test_ofx import (
    messages,
    parse,
    rejection,
    sgml,
    signed,
    stmttrn,
    xml,
    xml_stmttrn,
)
from tests.support import SAMPLES

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated method findAll")


def test_unclosed_stmttrn_ends_at_the_next_one() -> None:
    text = sgml(stmttrn("1.00").replace("</STMTTRN>", "")
                + stmttrn("-2.00", trntype="DEBIT", fitid="F2"))
    parsed = parse(text)
    assert signed(parsed) == [["1.00", "-2.00"]]
    assert [e.bank_reference for e in parsed.entries()] == ["F1", "F2"]
    assert messages(parsed) == [
        "line 21, field STMTTRN: <STMTTRN> of line 19 is not closed before <STMTTRN>, "
        "which it cannot contain: ended there"
    ]


def test_no_stmttrn_end_tag_anywhere() -> None:
    # Before issue 13 a STMTTRN never closed in the file read as a leaf: "STMTTRN without TRNAMT".
    text = sgml(stmttrn("1.00") + stmttrn("2.00", fitid="F2") + stmttrn("3.00", fitid="F3"))
    parsed = parse(text.replace("</STMTTRN>", ""))
    assert signed(parsed) == [["1.00", "2.00", "3.00"]]
    assert [w.line for w in parsed.warnings] == [21, 23, 25]  # the last ends at </BANKTRANLIST>
    assert messages(parsed)[-1] == (
        "line 25, field STMTTRN: <STMTTRN> of line 23 is not closed before </BANKTRANLIST>: "
        "ended there"
    )


def test_missing_banktranlist_end_tag() -> None:
    # Before: BANKTRANLIST read as a leaf, its transactions outside it, and ofxparse (which
    # looks for STMTTRN in BANKTRANLIST) would have had none.
    text = sgml(stmttrn("1.00") + stmttrn("2.00", fitid="F2")).replace("</BANKTRANLIST>", "")
    parsed = parse(text)
    assert signed(parsed) == [["1.00", "2.00"]]
    (statement,) = parsed.statements
    assert str(statement.closing_balance) == "100.00"
    assert str(statement.to_date) == "2024-01-31"
    assert messages(parsed) == [
        "line 24, field BANKTRANLIST: <BANKTRANLIST> of line 18 is not closed before "
        "<LEDGERBAL>, which it cannot contain: ended there"
    ]


def test_aggregates_closed_out_of_order() -> None:
    payee = "<PAYEE><NAME>ACME Corp\n"
    text = sgml(stmttrn("-4.00", trntype="DEBIT", extra=payee))
    text = text.replace("</STMTTRN>", "</STMTTRN></PAYEE>")  # PAYEE closed after its STMTTRN
    text = text.replace("</LEDGERBAL>\n</STMTRS>", "</STMTRS></LEDGERBAL>\n")
    parsed = parse(text)
    (entry,) = parsed.entries()
    assert entry.direction is Direction.DEBIT
    assert entry.transactions[0].counterparty_name == "ACME Corp"
    assert str(parsed.statements[0].closing_balance) == "100.00"
    assert messages(parsed) == [
        "line 21, field PAYEE: <PAYEE> of line 20 is not closed before </STMTTRN>: ended there",
        "line 21, field PAYEE: closing tag </PAYEE> without a matching <PAYEE>: ignored",
        "line 23, field LEDGERBAL: <LEDGERBAL> of line 23 is not closed before </STMTRS>: "
        "ended there",
        "line 23, field LEDGERBAL: closing tag </LEDGERBAL> without a matching <LEDGERBAL>: "
        "ignored",
    ]


def test_stray_closing_tag_is_a_warning() -> None:
    # Deliberate change (issue 13): a closing tag without its opening tag was a ParseError.
    parsed = parse(sgml(stmttrn("1.00")).replace("</STMTTRN>", "</STMTRN>", 1))
    assert signed(parsed) == [["1.00"]]
    assert messages(parsed) == [
        "line 20, field STMTRN: closing tag </STMTRN> without a matching <STMTRN>: ignored",
        "line 21, field STMTTRN: <STMTTRN> of line 19 is not closed before </BANKTRANLIST>: "
        "ended there",
    ]


def test_leaf_closed_in_one_transaction_and_not_in_the_next() -> None:
    # NAME is closed once, so ofxparse's rule (a closing tag anywhere makes an aggregate) read
    # the unclosed NAME of the second transaction as holding its MEMO: "BETAINV-2".
    first = stmttrn("1.00", extra="<NAME>ALPHA</NAME>\n<MEMO>INV-1\n")
    second = stmttrn("2.00", fitid="F2", extra="<NAME>BETA\n<MEMO>INV-2\n")
    parsed = parse(sgml(first + second))
    names = [(e.transactions[0].counterparty_name, e.transactions[0].remittance)
             for e in parsed.entries()]
    assert names == [("ALPHA", ("INV-1", "ALPHA")), ("BETA", ("INV-2", "BETA"))]
    assert parsed.warnings == ()


def test_xml_leaves_and_unknown_extensions_are_unchanged() -> None:
    extra = "<INTU.XID>7</INTU.XID><MEMO>m</MEMO>"
    parsed = parse(xml(xml_stmttrn("-1.00", extra=extra) + xml_stmttrn("-2.00", fitid="X2")))
    assert signed(parsed) == [["-1.00", "-2.00"]]
    assert parsed.warnings == ()


@pytest.mark.parametrize("broken,field,line", [
    # the STMTTRN closed after its first field: the rest has no transaction to belong to
    (("<TRNAMT>1.00<FITID>", "<TRNAMT>1.00</STMTTRN><FITID>"), "FITID", 19),
    # the second transaction's <STMTTRN> missing
    (("<STMTTRN><TRNTYPE>DEBIT", "<TRNTYPE>DEBIT"), "TRNTYPE", 21),
])
def test_a_transaction_that_cannot_be_delimited_is_refused(
    broken: tuple[str, str], field: str, line: int
) -> None:
    text = sgml(stmttrn("1.00") + stmttrn("-2.00", trntype="DEBIT", fitid="F2"))
    assert broken[0] in text
    error = rejection(text.replace(*broken, 1))
    assert (error.line, error.record, error.field) == (line, "BANKTRANLIST", field)
    assert "outside any <STMTTRN>: a transaction cannot be delimited" in str(error)


# A real file (ofxparse's checking.ofx, MIT, in fixtures/samples/ofx) broken the ways banks
# break it reads as the original does, with warnings.

def _real(name: str) -> tuple[list[tuple[str, str, str | None]], bytes]:
    data = (SAMPLES / "ofx" / name).read_bytes()
    parsed = collect(Format.OFX, ofx.iter_records(io.BytesIO(data)))
    return [(str(e.amount), e.direction.value, e.bank_reference) for e in parsed.entries()], data


@pytest.mark.parametrize("name", ["ofxparse-checking.ofx", "ofxparse-bank_medium.ofx"])
def test_real_file_without_stmttrn_and_banktranlist_end_tags(name: str) -> None:
    original, data = _real(name)
    assert b"</STMTTRN>" in data and b"</BANKTRANLIST>" in data
    broken = data.replace(b"</STMTTRN>", b"").replace(b"</BANKTRANLIST>", b"")
    parsed = collect(Format.OFX, ofx.iter_records(io.BytesIO(broken)))
    entries = [(str(e.amount), e.direction.value, e.bank_reference) for e in parsed.entries()]
    assert entries == original and len(original) == 3
    assert [w.field for w in parsed.warnings] == ["STMTTRN", "STMTTRN", "STMTTRN", "BANKTRANLIST"]
