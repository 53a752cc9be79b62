"""Read pain.002 customer payment status reports: the bank's rejects of remit's direct debits.

    detect(head) -> Format.PAIN002 | None
    iter_records(source, *, limits) -> Statement, Entry, ParseWarning

A status report is not a booking, but a rejected debit undoes what remit asked for: each
transaction rejected (TxInfAndSts with TxSts RJCT) becomes a returned debit — a booked debit
entry of the original amount (OrgnlTxRef/Amt/InstdAmt) whose transaction names the original
end-to-end id and the reason code (StsRsnInf/Rsn/Cd), so receivables.dd_settle reopens the
collection (a final reason deactivates its mandate). Accepted and pending statuses, and
rejects of a whole group or payment information block without transaction details, are
reported as warnings (nothing to book). Any version pain.002.001.03 to .14.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from lxml import etree

from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.money import D
from core.records import Direction, Entry, EntryStatus, Format, Kind, Record, ReturnInfo, Statement, Transaction
from iso20022._xml import HARDENED_OPTIONS, check_no_doctype

_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.\d\d")
_REJECTED = "RJCT"


def detect(head: bytes) -> Format | None:
    return Format.PAIN002 if _NAMESPACE.search(head) else None


def iter_records(source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Record]:
    data = source.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise ParseError(f"file is over the limit of {limits.max_file_bytes} bytes")
    if b"<!DOCTYPE" in data[:4096].upper():
        raise ParseError("a DOCTYPE is not accepted in bank files", line=1, field="DOCTYPE")
    try:
        root = etree.fromstring(data, etree.XMLParser(**HARDENED_OPTIONS))
    except etree.XMLSyntaxError as error:
        raise ParseError(f"not well-formed XML: {error.msg}", line=error.lineno or None) from None
    check_no_doctype(root)
    ns = root.nsmap.get(None) or ""
    q = (lambda path: "/".join(f"{{{ns}}}{p}" for p in path.split("/"))) if ns else (lambda path: path)
    report = root.find(q("CstmrPmtStsRpt"))
    if report is None:
        raise ParseError("not a pain.002 status report: no CstmrPmtStsRpt", field="Document")
    message = report.findtext(q("GrpHdr/MsgId")) or None
    created = (report.findtext(q("GrpHdr/CreDtTm")) or "")[:10]
    day = _day(created)
    original = report.findtext(q("OrgnlGrpInfAndSts/OrgnlMsgId"))
    group_status = report.findtext(q("OrgnlGrpInfAndSts/GrpSts"))
    entries: list[Entry] = []
    for block in report.findall(q("OrgnlPmtInfAndSts")):
        block_id = block.findtext(q("OrgnlPmtInfId"))
        details = block.findall(q("TxInfAndSts"))
        if not details and (block.findtext(q("PmtInfSts")) or group_status) == _REJECTED:
            yield ParseWarning(f"payment information {block_id} rejected as a whole without transaction "
                               "details: see the bank; nothing booked", field="OrgnlPmtInfId", value=block_id)
        for tx in details:
            status = tx.findtext(q("TxSts"))
            e2e = tx.findtext(q("OrgnlEndToEndId"))
            if status != _REJECTED:
                continue
            amount_el = tx.find(q("OrgnlTxRef/Amt/InstdAmt"))
            if amount_el is None or not (amount_el.text or "").strip():
                yield ParseWarning(f"rejected transaction {e2e} carries no original amount; not booked",
                                   field="OrgnlTxRef/Amt/InstdAmt", value=e2e)
                continue
            amount, currency = D(amount_el.text.strip()), amount_el.get("Ccy")
            reason = tx.findtext(q("StsRsnInf/Rsn/Cd")) or tx.findtext(q("StsRsnInf/Rsn/Prtry"))
            info = " ".join(t.strip() for t in tx.findall(q("StsRsnInf/AddtlInf")) if t.text) or None
            entries.append(Entry(
                amount=amount, currency=currency, direction=Direction.DEBIT, status=EntryStatus.BOOKED,
                booking_date=day, value_date=day, bank_reference=tx.findtext(q("StsId")) or f"{message}/{e2e}",
                kind=Kind.SEPA,
                transactions=(Transaction(
                    amount=amount, currency=currency, end_to_end_id=e2e,
                    remittance=tuple(x for x in (f"pain.002 reject of {block_id or original}",) if x),
                    return_info=ReturnInfo(reason_code=reason, original_reference=e2e, additional_info=info)),),
            ))
    yield Statement(id=message, account=None, currency=entries[0].currency if entries else None,
                    from_date=day, to_date=day)
    yield from entries


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
