"""pain.002 status reports: rejects of a transaction, of a payment information block and of a
whole message become returned debits naming what was rejected and why (golden files + facts)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from core.contract import parsed_file_json
from core.errors import ParseError
from core.records import Direction, Format, collect
from ingest import formats
from iso20022 import pain002
from tests.support import SAMPLES, check_golden

PAIN002 = SAMPLES / "pain002"


def _report(group: str, blocks: str = "", version: str = "10") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-7</MsgId><CreDtTm>2026-12-02T07:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts>{group}</OrgnlGrpInfAndSts>{blocks}
</CstmrPmtStsRpt></Document>""".encode()


def _parse(data: bytes):  # type: ignore[no-untyped-def]
    return collect(Format.PAIN002, pain002.iter_records(io.BytesIO(data)))


@pytest.mark.parametrize("name", ["group-reject.xml", "pmtinf-reject.xml"])
def test_golden(name: str) -> None:
    path = PAIN002 / name
    assert formats.detect_format(path.read_bytes()[: formats.HEAD_BYTES]) is Format.PAIN002
    check_golden(path, parsed_file_json(name, formats.parse_path(path)))


def test_a_whole_message_reject_is_one_returned_debit_naming_the_message() -> None:
    parsed = formats.parse_path(PAIN002 / "group-reject.xml")
    [entry] = parsed.entries()
    [tx] = entry.transactions
    assert (entry.amount, entry.currency, entry.direction) == (Decimal("245.50"), "EUR", Direction.DEBIT)
    assert tx.return_info is not None
    assert (tx.return_info.original_reference, tx.return_info.reason_code) == ("RDD261201001", "MD01")
    assert tx.end_to_end_id is None and "whole message RDD261201001" in tx.remittance[0]
    assert parsed.warnings == ()


def test_a_block_reject_and_a_transaction_reject_with_the_blocks_reason() -> None:
    parsed = formats.parse_path(PAIN002 / "pmtinf-reject.xml")
    rows = [(e.amount, e.transactions[0].return_info.original_reference, e.transactions[0].return_info.reason_code)
            for e in parsed.entries() if e.transactions[0].return_info]
    assert rows == [(Decimal("165.00"), "RDD261201002SF", "DT01"),
                    (Decimal("80.50"), "RDD261201002SR-00001", "AC04")]  # the accepted one books nothing


def test_without_a_control_sum_the_reject_carries_no_amount() -> None:
    parsed = _parse(_report("<OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>",
                            "<OrgnlPmtInfAndSts><OrgnlPmtInfId>M1SR</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>"
                            "<StsRsnInf><Rsn><Prtry>X99</Prtry></Rsn></StsRsnInf></OrgnlPmtInfAndSts>"))
    [entry] = parsed.entries()
    assert (entry.amount, entry.currency, entry.transactions[0].amount) == (Decimal(0), "EUR", None)
    assert entry.transactions[0].return_info.reason_code == "X99"
    assert "control sum not given" in entry.transactions[0].remittance[0]


def test_a_block_without_its_own_reason_takes_the_groups() -> None:
    parsed = _parse(_report("<OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"
                            "<GrpSts>PART</GrpSts><StsRsnInf><Rsn><Cd>AM05</Cd></Rsn></StsRsnInf>",
                            "<OrgnlPmtInfAndSts><OrgnlPmtInfId>M1SF</OrgnlPmtInfId><OrgnlCtrlSum>10</OrgnlCtrlSum>"
                            "<PmtInfSts>RJCT</PmtInfSts></OrgnlPmtInfAndSts>"))
    [entry] = parsed.entries()
    assert entry.transactions[0].return_info.reason_code == "AM05"
    assert entry.bank_reference == "STS-7/M1SF"


def test_a_level_reject_of_no_known_currency_is_a_warning() -> None:
    parsed = _parse(_report("<OrgnlMsgId>P1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
                            "<GrpSts>RJCT</GrpSts>"))
    assert list(parsed.entries()) == []
    assert ["names no currency" in str(w) for w in parsed.warnings] == [True]


def test_a_block_reject_without_its_id_is_a_warning() -> None:
    parsed = _parse(_report("<OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>",
                            "<OrgnlPmtInfAndSts><PmtInfSts>RJCT</PmtInfSts></OrgnlPmtInfAndSts>"))
    assert list(parsed.entries()) == [] and "names no OrgnlPmtInfId" in str(parsed.warnings[0])


def test_accepted_and_pending_book_nothing_and_a_bad_control_sum_is_refused() -> None:
    parsed = _parse(_report("<OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"
                            "<GrpSts>ACCP</GrpSts>",
                            "<OrgnlPmtInfAndSts><OrgnlPmtInfId>M1SF</OrgnlPmtInfId><PmtInfSts>PDNG</PmtInfSts>"
                            "</OrgnlPmtInfAndSts>"))
    assert list(parsed.entries()) == [] and parsed.warnings == ()
    with pytest.raises(ParseError) as error:
        _parse(_report("<OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>"
                       "<OrgnlCtrlSum>1,00</OrgnlCtrlSum><GrpSts>RJCT</GrpSts>"))
    assert error.value.field == "OrgnlCtrlSum"
