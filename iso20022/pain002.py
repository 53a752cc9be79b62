"""Read pain.002 customer payment status reports: the bank's rejects of remit's direct debits.

    detect(head) -> Format.PAIN002 | None
    iter_records(source, *, limits) -> Statement, Entry, ParseWarning

A status report is not a booking, but a rejected debit undoes what remit asked for, so each
reject becomes a returned debit: a booked debit entry whose transaction's ReturnInfo names
what was rejected (`original_reference`) and the reason code (StsRsnInf/Rsn/Cd or Prtry;
a level without one takes the enclosing level's). receivables.dd_settle resolves it against
the collections and returns them (a final reason deactivates the mandate):

- a transaction (TxInfAndSts, TxSts RJCT): its OrgnlEndToEndId, of its original amount
  (OrgnlTxRef/Amt/InstdAmt);
- a payment information block (OrgnlPmtInfAndSts, PmtInfSts RJCT): its OrgnlPmtInfId (the
  pain.008 PmtInfId, a collection's batch_ref), after the block's transaction details;
- the whole message (OrgnlGrpInfAndSts, GrpSts RJCT): its OrgnlMsgId (the pain.008 MsgId),
  last; its blocks then need no entry of their own.

A block or message entry's amount is its OrgnlCtrlSum; without one the transaction carries
no amount (the entry books 0) and dd_settle goes by the reference alone. Its currency is the
report's (any InstdAmt@Ccy), else EUR for a pain.008 original (SEPA debits are euro by
scheme rules); a level reject of anything else with no currency is a warning. Accepted and
pending statuses book nothing. Any version pain.002.001.03 to .14.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from lxml import etree

from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.money import AmountError, D
from core.records import Direction, Entry, EntryStatus, Format, Kind, Record, ReturnInfo, Statement, Transaction
from iso20022._xml import HARDENED_OPTIONS, check_no_doctype

_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.\d\d")
_REJECTED = "RJCT"
Q = Callable[[str], str]


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
    q: Q = (lambda path: "/".join(f"{{{ns}}}{p}" for p in path.split("/"))) if ns else (lambda path: path)
    report = root.find(q("CstmrPmtStsRpt"))
    if report is None:
        raise ParseError("not a pain.002 status report: no CstmrPmtStsRpt", field="Document")
    message = report.findtext(q("GrpHdr/MsgId")) or None
    day = _day((report.findtext(q("GrpHdr/CreDtTm")) or "")[:10])
    group = report.find(q("OrgnlGrpInfAndSts"))
    original = group.findtext(q("OrgnlMsgId")) if group is not None else None
    group_rejected = group is not None and group.findtext(q("GrpSts")) == _REJECTED
    group_reason = _reason(group, q) if group is not None else (None, None)
    # A level reject names no amount's currency: the report's, else the scheme's (SEPA: EUR).
    named = next((el.get("Ccy") for el in report.iter(q("InstdAmt")) if el.get("Ccy")), None)
    name = (group.findtext(q("OrgnlMsgNmId")) or "") if group is not None else ""
    currency = named or ("EUR" if name.startswith("pain.008") else None)
    entries: list[Entry] = []
    for block in report.findall(q("OrgnlPmtInfAndSts")):
        block_id = block.findtext(q("OrgnlPmtInfId"))
        own = _reason(block, q)
        block_reason = own if own[0] else group_reason
        for tx in block.findall(q("TxInfAndSts")):
            if tx.findtext(q("TxSts")) != _REJECTED:
                continue
            found = _transaction(tx, q, message, block_id or original, block_reason, day)
            if isinstance(found, ParseWarning):
                yield found
            else:
                entries.append(found)
        if block.findtext(q("PmtInfSts")) == _REJECTED and not group_rejected:
            whole = _whole(block, q, "payment information", block_id, block_reason, currency, message, day)
            if isinstance(whole, ParseWarning):
                yield whole
            elif whole is not None:
                entries.append(whole)
    if group_rejected and group is not None:
        whole = _whole(group, q, "message", original, group_reason, currency, message, day)
        if isinstance(whole, ParseWarning):
            yield whole
        elif whole is not None:
            entries.append(whole)
    yield Statement(id=message, account=None, currency=entries[0].currency if entries else None,
                    from_date=day, to_date=day)
    yield from entries


def _transaction(tx: etree._Element, q: Q, message: str | None, where: str | None,
                 outer: tuple[str | None, str | None], day: date | None) -> Entry | ParseWarning:
    e2e = tx.findtext(q("OrgnlEndToEndId"))
    amount_el = tx.find(q("OrgnlTxRef/Amt/InstdAmt"))
    if amount_el is None or not (amount_el.text or "").strip():
        return ParseWarning(f"rejected transaction {e2e} carries no original amount; not booked",
                            field="OrgnlTxRef/Amt/InstdAmt", value=e2e)
    amount, currency = _amount(amount_el.text or "", "OrgnlTxRef/Amt/InstdAmt"), amount_el.get("Ccy")
    own = _reason(tx, q)
    reason, info = own if own[0] else (outer[0], own[1] or outer[1])
    return Entry(
        amount=amount, currency=currency, direction=Direction.DEBIT, status=EntryStatus.BOOKED,
        booking_date=day, value_date=day, bank_reference=tx.findtext(q("StsId")) or f"{message}/{e2e}",
        kind=Kind.SEPA,
        transactions=(Transaction(
            amount=amount, currency=currency, end_to_end_id=e2e,
            remittance=(f"pain.002 reject of {where}",),
            return_info=ReturnInfo(reason_code=reason, original_reference=e2e, additional_info=info)),),
    )


def _whole(level: etree._Element, q: Q, what: str, ref: str | None, reason: tuple[str | None, str | None],
           currency: str | None, message: str | None, day: date | None) -> Entry | ParseWarning | None:
    """A returned debit for a whole payment information block or message (its reference)."""
    field = "OrgnlPmtInfId" if what == "payment information" else "OrgnlMsgId"
    if not ref:
        return ParseWarning(f"a {what} rejected as a whole names no {field}; not booked", field=field)
    if currency is None:
        return ParseWarning(f"{what} {ref} rejected as a whole, but the report names no currency and the original "
                            "is not a pain.008; not booked", field=field, value=ref)
    total = (level.findtext(q("OrgnlCtrlSum")) or "").strip()
    amount = _amount(total, "OrgnlCtrlSum") if total else None
    count = (level.findtext(q("OrgnlNbOfTxs")) or "").strip()
    extent = ", ".join(x for x in (f"{count} transaction(s)" if count else "",
                                   f"{total} {currency}" if total else "control sum not given") if x)
    return Entry(
        amount=amount if amount is not None else Decimal(0), currency=currency, direction=Direction.DEBIT,
        status=EntryStatus.BOOKED, booking_date=day, value_date=day, bank_reference=f"{message}/{ref}",
        kind=Kind.SEPA,
        transactions=(Transaction(
            amount=amount, currency=currency,
            remittance=(f"pain.002 reject of the whole {what} {ref} ({extent})",),
            return_info=ReturnInfo(reason_code=reason[0], original_reference=ref, additional_info=reason[1])),),
    )


def _reason(level: etree._Element, q: Q) -> tuple[str | None, str | None]:
    """The level's status reason code (Cd, else Prtry) and its additional information."""
    code = level.findtext(q("StsRsnInf/Rsn/Cd")) or level.findtext(q("StsRsnInf/Rsn/Prtry")) or None
    info = " ".join(t.text.strip() for t in level.findall(q("StsRsnInf/AddtlInf")) if t.text) or None
    return code, info


def _amount(text: str, field: str) -> Decimal:
    try:
        return D(text.strip())
    except AmountError:
        raise ParseError(f"not a decimal amount: {text.strip()!r}", field=field, value=text.strip()) from None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
