"""A CSV remittance advice: one row per invoice paid, rows of one payment together.

Columns (a header row, in this order): payer, payment_reference, payment_amount,
invoice_number, paid_amount, discount (may be empty). Rows with the same payer, payment
reference and amount make one advice. Errors name the line, column and value.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from core.advice import Advice, AdviceLine
from core.errors import ParseError
from core.money import AmountError, D

COLUMNS = ("payer", "payment_reference", "payment_amount", "invoice_number", "paid_amount", "discount")
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")


def _header(line: str) -> list[str]:
    return [c.strip().strip('"').lower() for c in line.split(",")]


def looks_like(head: bytes) -> bool:
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    return tuple(_header(first)) == COLUMNS


def _amount(value: str, *, line: int, field: str, required: bool = True) -> Decimal:
    value = value.strip()
    if not value and not required:
        return Decimal(0)
    if not _AMOUNT.fullmatch(value):
        raise ParseError("not an amount (digits, an optional decimal point, no separators)" if value
                         else "amount missing", line=line, field=field, value=value)
    try:
        return D(value)
    except AmountError as error:
        raise ParseError(str(error), line=line, field=field, value=value) from None


def parse(data: bytes) -> list[Advice]:
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        raise ParseError("not UTF-8 text", line=data[: error.start].count(b"\n") + 1, field="content",
                         value=data[error.start:error.start + 8].hex()) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or tuple(c.strip().lower() for c in header) != COLUMNS:
        raise ParseError(f"the header must be {','.join(COLUMNS)}", line=1, field="header",
                         value=",".join(header or [])[:80])
    groups: dict[tuple[str, str], list[AdviceLine]] = {}
    heads: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for row in rows:
        line = rows.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(COLUMNS):
            raise ParseError(f"{len(row)} columns, not {len(COLUMNS)}", line=line, field="row",
                             value=",".join(row)[:80])
        payer, reference, amount_text, number, paid_text, discount_text = (c.strip() for c in row)
        if not reference and not payer:
            raise ParseError("a row needs a payer or a payment reference", line=line, field="payment_reference",
                             value="")
        amount = _amount(amount_text, line=line, field="payment_amount")
        if amount <= 0:
            raise ParseError("payment amount must be positive", line=line, field="payment_amount", value=amount_text)
        if not number:
            raise ParseError("invoice number missing", line=line, field="invoice_number", value="")
        paid = _amount(paid_text, line=line, field="paid_amount")
        discount = _amount(discount_text, line=line, field="discount", required=False)
        key = (payer, reference)
        if key in heads and heads[key][0] != amount:
            raise ParseError(f"payment {reference or payer} was given as {heads[key][0]} on line {heads[key][1]}",
                             line=line, field="payment_amount", value=amount_text)
        heads.setdefault(key, (amount, line))
        groups.setdefault(key, []).append(AdviceLine(number, paid, discount, line))
    if not groups:
        raise ParseError("no advice rows", line=1, field="rows", value="")
    return [Advice(payer=payer or None, payment_reference=reference or None, amount=heads[(payer, reference)][0],
                   lines=tuple(lines), line=heads[(payer, reference)][1])
            for (payer, reference), lines in groups.items()]
