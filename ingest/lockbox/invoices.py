"""Invoices of a check: a layout's invoice columns, and memo text that is nothing but
invoice-like tokens (the rule is in the package docstring)."""

from __future__ import annotations

import re

from core.digits import MAX_AMOUNT_DIGITS, is_ascii_digits
from core.money import D, from_minor
from core.records import InvoiceRef
from ingest.lockbox.layout import CURRENCY, Line

_KEYWORD = re.compile(r"(?:INV|INVOICE|INVOICES|INV#|INV:|INVOICE:|INVOICE#|#)", re.IGNORECASE)
_AMOUNT = re.compile(r"\$?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,15})\.([0-9]{2})")
_INVOICE = re.compile(r"(?:INV#|INV:|#)?([A-Z0-9][A-Z0-9\-/.]{0,24})", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*[;,]\s*(?![0-9]{3}\b)|\s+")  # a comma before 3 digits is a thousands mark
_DATE = re.compile(r"[0-9]{1,2}[/-][0-9]{1,2}[/-][0-9]{2,4}|[0-9]{4}-[0-9]{2}-[0-9]{2}")


def memo_invoices(memo: str) -> tuple[InvoiceRef, ...]:
    """Invoices when the memo is only invoice numbers (each optionally with an amount)."""
    invoices: list[InvoiceRef] = []
    for token in _SEPARATOR.split(memo.strip()):
        if not token or _KEYWORD.fullmatch(token):
            continue
        amount = _AMOUNT.fullmatch(token)
        if amount:
            if not invoices or invoices[-1].amount is not None:
                return ()  # an amount with no invoice number before it
            value = D(amount.group(1).replace(",", "") + "." + amount.group(2))
            invoices[-1] = InvoiceRef(invoices[-1].number, value)
            continue
        number = _INVOICE.fullmatch(token)
        if not number or not any("0" <= c <= "9" for c in token) or _DATE.fullmatch(token):
            return ()  # free text: keep it as remittance only
        invoices.append(InvoiceRef(number.group(1)))
    return tuple(invoices)


def layout_invoices(line: Line) -> list[InvoiceRef]:
    invoices = []
    for name in line.columns:
        if not re.fullmatch(r"invoice_\d+", name):
            continue
        number = line.get(name)
        if not number:
            continue
        amount_name = f"{name}_amount"
        raw = line.get(amount_name) if amount_name in line.columns else ""
        if raw and not is_ascii_digits(raw, MAX_AMOUNT_DIGITS):
            raise line.error(f"the {amount_name} is not a number of cents", amount_name, raw)
        invoices.append(InvoiceRef(number, from_minor(int(raw), CURRENCY) if raw else None))
    return invoices
