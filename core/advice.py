"""A remittance advice: what a payer says one payment pays, invoice by invoice.

Parsed from an X12 820 (BPR amount and date, TRN trace, N1 payer, RMR lines) or a CSV
advice (ingest/advice/). Stored on arrival and linked to the bank payment it describes
(reconcile/advice.py), before or after that payment arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class AdviceLine:
    """One invoice the payment pays: the cash paid on it and the discount taken."""

    invoice_number: str
    paid: Decimal
    discount: Decimal = Decimal(0)
    line: int | None = None  # where the file says it (for messages)


@dataclass(frozen=True, slots=True)
class Advice:
    payer: str | None
    payment_reference: str | None  # 820 TRN02 / CSV payment_reference
    amount: Decimal  # the payment's amount (820 BPR02 / CSV payment_amount)
    currency: str | None = None  # 820 CUR02 when given
    payment_date: date | None = None  # 820 BPR16 (effective entry date)
    lines: tuple[AdviceLine, ...] = ()
    line: int | None = None  # where the advice starts in its file
