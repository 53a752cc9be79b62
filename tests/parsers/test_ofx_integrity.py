"""Statement integrity checks OFX supports (issue 13): duplicated FITIDs, DTSTART after DTEND.

LEDGERBAL is not checked against the transactions: OFX gives no opening balance.
"""

from __future__ import annotations

import pytest

from tests.parsers.test_ofx import messages, parse, sgml, signed, stmttrn, xml, xml_stmttrn

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated method findAll")


def test_duplicated_fitid_names_both_transactions() -> None:
    parsed = parse(sgml(stmttrn("1.00") + stmttrn("2.00", fitid="F2") + stmttrn("3.00")))
    assert signed(parsed) == [["1.00", "2.00", "3.00"]]  # all kept
    assert messages(parsed) == [
        "line 23, record STMTTRN, field FITID = 'F1': FITID 'F1' is also the FITID of the "
        "STMTTRN of line 19 in this statement: de-duplication by FITID would drop one of them"
    ]


def test_same_fitid_in_two_statements_is_no_warning() -> None:
    text = xml(xml_stmttrn("-1.00"))
    body = text[text.index("<STMTTRNRS>") : text.index("</BANKMSGSRSV1>")]
    body = body.replace("<ACCTID>777", "<ACCTID>888")
    parsed = parse(text.replace("</BANKMSGSRSV1>", body + "</BANKMSGSRSV1>"))
    assert len(parsed.statements) == 2 and parsed.warnings == ()


def test_dtstart_after_dtend() -> None:
    text = sgml(stmttrn("1.00")).replace("<DTSTART>20240101", "<DTSTART>20240201")
    parsed = parse(text)
    assert messages(parsed) == [
        "line 18, record BANKTRANLIST, field DTSTART = '20240201': "
        "DTSTART 2024-02-01 is after DTEND 2024-01-31"
    ]
    assert parse(sgml(stmttrn("1.00"))).warnings == ()
