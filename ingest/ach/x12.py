"""Remittance text in ACH addenda: joining CTX addenda and reading X12 820 RMR segments.

A CTX entry carries an X12 820 payment order split over up to 9,999 addenda 05 records of
80 characters each, cut without regard to segment boundaries. CCD+/PPD+ entries carry one
segment (typically `RMR*IV*<invoice>**<amount>\\`) in a single addenda.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from core.money import AmountError, D
from core.records import InvoiceRef

# RMR01 qualifiers that name an invoice: seller's invoice, original invoice, A/R open item.
INVOICE_QUALIFIERS = frozenset({"IV", "OI", "R7"})

_TERMINATORS = re.compile(r"[~\\\n]")


def join_ctx(parts: Iterable[str]) -> str:
    """Join CTX payment-info fields (trailing blanks removed) in sequence order.

    X12 content runs on across records, so the 80-character fields are joined as written
    (blanks at a cut are data). Free text without X12 segment terminators is joined with a
    single blank instead, so 'Debit First Account' and 'Debit Second Account' stay readable.
    """
    parts = list(parts)
    if any(_TERMINATORS.search(p) for p in parts):
        return "".join(p.ljust(80) for p in parts[:-1]) + (parts[-1] if parts else "")
    return " ".join(p.strip() for p in parts if p.strip())


def _separators(text: str) -> tuple[str, re.Pattern[str]]:
    """Element separator and segment terminator: from the ISA envelope when there is one."""
    start = text.find("ISA")
    if start != -1 and len(text) >= start + 106:
        element, terminator = text[start + 3], text[start + 105]
        if not terminator.isalnum() and terminator != element:
            return element, re.compile(re.escape(terminator) + r"|\n")
    return "*", _TERMINATORS


# Segments a person (and the matcher) reads as remittance: invoices (RMR), references (REF),
# notes (NTE), parties (N1) and adjustments (ADX). The envelope and payment order (ISA, GS,
# ST, BPR, TRN, DTM, ...) are control data: their dates and trace numbers read as numbers.
READABLE_SEGMENTS = frozenset({"RMR", "REF", "NTE", "N1", "ADX"})


def readable(text: str) -> list[str]:
    """The remittance lines of CTX payment info: an X12 820's readable segments, one per line;
    free text (no segment terminators) as it is."""
    if not _TERMINATORS.search(text) and "ISA" not in text:
        return [text] if text.strip() else []
    element, terminators = _separators(text)
    lines = []
    for segment in terminators.split(text):
        segment = segment.strip()
        if segment.split(element, 1)[0].strip().upper() in READABLE_SEGMENTS:
            lines.append(segment)
    return lines


def parse_rmr(text: str) -> tuple[InvoiceRef, ...]:
    """Invoices named by RMR segments: RMR*<qualifier>*<number>*<action>*<amount paid>*...

    Only invoice qualifiers count (IV, OI, R7); PO numbers and other references stay in the
    remittance text. An amount that is absent or not a number gives `amount=None`.
    """
    if "RMR" not in text.upper():
        return ()
    element, terminators = _separators(text)
    found: list[InvoiceRef] = []
    for segment in terminators.split(text):
        fields = [f.strip() for f in segment.strip().split(element)]
        if len(fields) < 3 or fields[0].upper() != "RMR":
            continue
        qualifier, number = fields[1].upper(), fields[2]
        if qualifier not in INVOICE_QUALIFIERS or not number:
            continue
        paid = fields[4] if len(fields) > 4 else ""  # RMR04: monetary amount paid
        found.append(InvoiceRef(number=number, amount=_amount(paid)))
    return tuple(found)


def _amount(text: str) -> Decimal | None:
    # X12 "R" data type: explicit decimal point, optional minus sign, no thousands separators.
    if not re.fullmatch(r"-?\d+(\.\d*)?|-?\.\d+", text):
        return None
    try:
        return D(text)
    except AmountError:
        return None


def segments(text: str) -> Iterator[tuple[int, list[str]]]:
    """Every segment of X12 text as (line, elements), the line counted from 1 where the segment
    starts; separators from the ISA envelope when there is one, else `*` and `~`/`\\`/newline."""
    element, terminators = _separators(text)
    line, position = 1, 0
    for match in [*terminators.finditer(text), None]:
        end = len(text) if match is None else match.start()
        raw = text[position:end]
        stripped = raw.lstrip()
        start_line = line + raw[: len(raw) - len(stripped)].count("\n")
        line += raw.count("\n") + (1 if match is not None and match.group() == "\n" else 0)
        if match is not None:
            position = match.end()
        if stripped.strip():
            yield start_line, [f.strip() for f in stripped.strip().split(element)]
