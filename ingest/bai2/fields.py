"""A BAI2 record's comma-separated fields (across its 88 continuations) and their values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.digits import MAX_AMOUNT_DIGITS, is_ascii_digits
from core.errors import ParseError
from ingest.bai2.records import Logical, Segment

_AMOUNT = re.compile(r"[+-]?[0-9]{1,%d}" % MAX_AMOUNT_DIGITS)  # ASCII digits only
_CURRENCY = re.compile(r"[A-Z]{3}")


class Fields:
    """Comma-separated fields across a record and its 88 continuations."""

    def __init__(self, record: Logical) -> None:
        self.record = record
        self.index = 0  # segment
        self.pos = 0  # offset in the segment; len+1 when the segment is used up

    @property
    def line(self) -> int:
        segments = self.record.segments
        return segments[min(self.index, len(segments) - 1)].line

    def _current(self) -> str | None:
        segments = self.record.segments
        while self.index < len(segments) and self.pos > len(segments[self.index].text):
            self.index += 1
            self.pos = 0
        return segments[self.index].text if self.index < len(segments) else None

    def exhausted(self) -> bool:
        return self._current() is None

    def next(self, name: str, *, required: bool = False) -> str:
        text = self._current()
        if text is None:
            if required:
                raise self.error(f"record ends before the {name}", name, None)
            return ""
        comma = text.find(",", self.pos)
        end = len(text) if comma < 0 else comma
        value = text[self.pos : end].strip()
        self.pos = end + 1
        return value

    def rest_of_segment(self) -> str | None:
        """What is left of the current segment (16 text), or None when it is used up."""
        segments = self.record.segments
        if self.index >= len(segments) or self.pos > len(segments[self.index].text):
            return None
        text = segments[self.index].text[self.pos :]
        self.pos = len(segments[self.index].text) + 1
        return text

    def later_segments(self) -> list[Segment]:
        return self.record.segments[self.index + 1 :]

    def error(self, message: str, name: str, value: str | None) -> ParseError:
        return ParseError(message, line=self.line, record=self.record.code, field=name, value=value)


def parse_date(fields: Fields, value: str, name: str) -> date:
    if len(value) == 6 and is_ascii_digits(value):
        yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
        try:
            return date(2000 + yy if yy < 70 else 1900 + yy, mm, dd)
        except ValueError:
            pass
    raise fields.error("not a date (YYMMDD)", name, value)


def parse_units(fields: Fields, value: str, name: str) -> int:
    """An amount in minor units: optional sign, digits only (implied decimals)."""
    if not _AMOUNT.fullmatch(value):
        raise fields.error(
            "not an amount (digits with an optional sign, implied decimals)", name, value
        )
    return int(value)


def parse_count(fields: Fields, value: str, name: str) -> int | None:
    if value == "":
        return None
    if not is_ascii_digits(value, MAX_AMOUNT_DIGITS):
        raise fields.error("not a count", name, value)
    return int(value)


def parse_currency(fields: Fields, value: str, name: str) -> str | None:
    if value == "":
        return None
    if not _CURRENCY.fullmatch(value.upper()):
        raise fields.error("not an ISO 4217 currency code", name, value)
    return value.upper()


_SPLIT_AVAILABILITY = (
    "immediate availability", "one-day availability", "two-or-more-day availability"
)


@dataclass(frozen=True, slots=True)
class Funds:
    type: str
    value_date: date | None = None


def parse_funds(fields: Fields) -> Funds:
    """Funds type and its extra fields: S (3 amounts), V (date, time), D (count + pairs)."""
    kind = fields.next("funds type").upper()
    if kind in ("", "Z", "0", "1", "2"):
        return Funds(kind)
    if kind == "S":
        for name in _SPLIT_AVAILABILITY:
            value = fields.next(name, required=True)
            if value:
                parse_units(fields, value, name)
        return Funds(kind)
    if kind == "V":
        value_date = parse_date(fields, fields.next("value date", required=True), "value date")
        fields.next("value time")
        return Funds(kind, value_date)
    if kind == "D":
        raw = fields.next("distribution count", required=True)
        for _ in range(parse_count(fields, raw, "distribution count") or 0):
            days = fields.next("availability days", required=True)
            if not is_ascii_digits(days, 3):
                raise fields.error("not a number of days", "availability days", days)
            amount = fields.next("availability amount", required=True)
            parse_units(fields, amount, "availability amount")
        return Funds(kind)
    raise fields.error("unknown funds type (0, 1, 2, S, V, D, Z)", "funds type", kind)
