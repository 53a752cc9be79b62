"""ANSI X12 820 (payment order / remittance advice) read as remittance advices.

One advice per transaction set (ST*820 ... SE): BPR02 is the payment's amount and BPR16 its
date, TRN02 the trace the payment carries (its end-to-end id or bank reference), CUR02 the
currency when given, N1*PR (in the header or an ENT loop) the payer, and each RMR*IV/OI/R7
an invoice line: RMR04 paid, RMR06 the discount taken. Segments are read with the ACH CTX
reader (ingest/ach/x12.py). Errors name the line, segment, element and value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from core.advice import Advice, AdviceLine
from core.errors import ParseError
from core.money import AmountError, D
from ingest.ach.x12 import INVOICE_QUALIFIERS, segments

_AMOUNT = re.compile(r"-?\d+(\.\d*)?|-?\.\d+")  # X12 "R": explicit decimal point, no separators


def looks_like(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \r\n\t")[:4096].decode("latin-1")
    if not text.startswith("ISA") or len(text) < 4:
        return False
    element = text[3]
    return re.search(r"(^|[^A-Za-z0-9])ST" + re.escape(element) + r"820" + re.escape(element), text) is not None


def _amount(value: str, *, line: int, record: str, field: str, required: bool = True) -> Decimal:
    if not value and not required:
        return Decimal(0)
    if not _AMOUNT.fullmatch(value):
        raise ParseError("not an X12 amount (digits with an optional decimal point)" if value
                         else "amount missing", line=line, record=record, field=field, value=value)
    try:
        return D(value)
    except AmountError as error:
        raise ParseError(str(error), line=line, record=record, field=field, value=value) from None


def _date(value: str, *, line: int, field: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise ParseError("not a date (CCYYMMDD)", line=line, record="BPR", field=field, value=value) from None


class _Set:
    def __init__(self, line: int) -> None:
        self.line = line
        self.amount: Decimal | None = None
        self.payment_date: date | None = None
        self.trace: str | None = None
        self.currency: str | None = None
        self.payer: str | None = None
        self.lines: list[AdviceLine] = []

    def advice(self) -> Advice:
        if self.amount is None:
            raise ParseError("transaction set has no BPR (payment amount)", line=self.line, record="ST",
                             field="BPR02", value="")
        return Advice(payer=self.payer, payment_reference=self.trace, amount=self.amount,
                      currency=self.currency, payment_date=self.payment_date, lines=tuple(self.lines),
                      line=self.line)


def parse(data: bytes) -> list[Advice]:
    text = data.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    advices: list[Advice] = []
    current: _Set | None = None
    for line, fields in segments(text):
        tag = fields[0].upper()
        get = (lambda i: fields[i] if len(fields) > i else "")  # noqa: E731 - element i or ""
        if tag == "ST":
            if get(1) != "820":
                raise ParseError("not an 820 transaction set", line=line, record="ST", field="ST01", value=get(1))
            current = _Set(line)
            continue
        if tag in ("ISA", "GS", "GE", "IEA"):
            continue
        if current is None:
            raise ParseError("segment outside a transaction set (ST*820)", line=line, record=tag,
                             field=tag, value="*".join(fields)[:40])
        if tag == "SE":
            advices.append(current.advice())
            current = None
        elif tag == "BPR":
            current.amount = _amount(get(2), line=line, record="BPR", field="BPR02")
            if current.amount <= 0:
                raise ParseError("payment amount must be positive", line=line, record="BPR", field="BPR02",
                                 value=get(2))
            current.payment_date = _date(get(16), line=line, field="BPR16")
        elif tag == "TRN":
            current.trace = get(2) or None
        elif tag == "CUR":
            currency = get(2).upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                raise ParseError("not an ISO currency code", line=line, record="CUR", field="CUR02", value=get(2))
            current.currency = currency
        elif tag == "N1" and get(1).upper() == "PR" and current.payer is None:
            current.payer = get(2) or None
        elif tag == "RMR" and get(1).upper() in INVOICE_QUALIFIERS:
            number = get(2)
            if not number:
                raise ParseError("invoice number missing", line=line, record="RMR", field="RMR02", value="")
            paid = _amount(get(4), line=line, record="RMR", field="RMR04")
            discount = _amount(get(6), line=line, record="RMR", field="RMR06", required=False)
            current.lines.append(AdviceLine(number, paid, discount, line))
    if current is not None:
        raise ParseError("transaction set not closed (no SE)", line=current.line, record="ST", field="SE",
                         value="")
    if not advices:
        raise ParseError("no 820 transaction set", line=1, record="ISA", field="ST", value="")
    return advices
