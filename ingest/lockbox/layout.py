"""Where a bank puts each field: `Layout` (1-based inclusive column ranges per record type),
`BAI_STANDARD`, and `Line`, one fixed-width record read through a layout (its errors and
warnings name the record and the field)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.digits import MAX_AMOUNT_DIGITS, is_ascii_digits
from core.errors import ParseError, ParseWarning

CURRENCY = "USD"
BANK_CODE = "LOCKBOX"

Columns = tuple[int, int]  # 1-based, inclusive


@dataclass(frozen=True, slots=True)
class Layout:
    """Column positions of one bank's lockbox records.

    `records` maps a record type ('1', '2', '5', '6', '4', '7', '8', '9') to its fields.
    Fields named `invoice_<n>` / `invoice_<n>_amount` (on 6 or 4 records) are invoice
    numbers and the amounts paid on them (implied 2 decimals). `memo_invoices` says whether
    invoice numbers may also be read out of the free-text `memo` of overflow records.
    """

    name: str
    records: Mapping[str, Mapping[str, Columns]]
    memo_invoices: bool = True


BAI_STANDARD = Layout(
    name="bai-standard",
    records={
        "1": {"priority": (2, 3), "destination": (4, 13), "origin": (14, 23),
              "processing date": (24, 29), "processing time": (30, 33)},
        "2": {"destination and origin": (2, 21), "reference code": (22, 31),
              "service type": (32, 34), "record size": (35, 37), "blocking factor": (38, 41),
              "format code": (42, 42)},
        "5": {"batch number": (2, 4), "reference code": (5, 7), "lockbox number": (8, 14),
              "deposit date": (15, 20), "destination and origin": (21, 40)},
        "6": {"batch number": (2, 4), "item number": (5, 7), "check amount": (8, 17),
              "routing number": (18, 26), "account number": (27, 36), "check number": (37, 46),
              "check date": (47, 52), "remitter name": (53, 82), "payee name": (83, 160)},
        "4": {"batch number": (2, 4), "item number": (5, 7), "overflow record type": (8, 8),
              "overflow sequence": (9, 10), "overflow indicator": (11, 11), "memo": (12, 41)},
        "7": {"batch number": (2, 4), "item number": (5, 7), "lockbox number": (8, 14),
              "deposit date": (15, 20), "number of remittances": (21, 23),
              "batch total": (24, 33)},
        "8": {"batch number": (2, 4), "item number": (5, 7), "lockbox number": (8, 14),
              "deposit date": (15, 20), "number of checks": (21, 24), "lockbox total": (25, 34)},
        "9": {"number of records": (2, 7)},
    },
)

RECORD_TYPES = frozenset("12564789")


# ---------------------------------------------------------------------------------------
# One fixed-width line


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    columns: Mapping[str, Columns]
    label: str  # names the record in messages: "type 6 batch 001 item 003"

    def get(self, name: str) -> str:
        """The field's text, blanks trimmed; "" when the layout does not have the field."""
        if name not in self.columns:
            return ""
        first, last = self.columns[name]
        return self.text[first - 1 : last].strip()

    def require(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise self.error(f"the {name} is missing (record too short or blank)", name, value)
        return value

    def digits(self, name: str) -> int:
        value = self.require(name)
        if not is_ascii_digits(value, MAX_AMOUNT_DIGITS):
            raise self.error(f"the {name} is not a number", name, value)
        return int(value)

    def date(self, name: str) -> date:
        value = self.require(name)
        parsed = yymmdd(value)
        if parsed is None:
            raise self.error(f"the {name} is not a date (YYMMDD)", name, value)
        return parsed

    def error(self, message: str, name: str, value: str | None) -> ParseError:
        return ParseError(message, line=self.number, record=self.label, field=name, value=value)

    def warning(self, message: str, name: str | None = None, value: str | None = None
                ) -> ParseWarning:
        return ParseWarning(message, line=self.number, record=self.label, field=name, value=value)


def yymmdd(value: str) -> date | None:
    if len(value) != 6 or not is_ascii_digits(value):
        return None
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    try:
        return date(2000 + yy if yy < 70 else 1900 + yy, mm, dd)
    except ValueError:
        return None
