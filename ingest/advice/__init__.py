"""Remittance advices: X12 820 and CSV (core/advice.py). Detected like bank files
(ingest/formats.py); `parse` gives the advices, which ingest stores (ingest/advice_store.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from core.advice import Advice
from core.errors import ParseError
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import Format, Record
from ingest.advice import csv_advice, x12_820


def detect(head: bytes) -> Format | None:
    if x12_820.looks_like(head):
        return Format.X12_820
    if csv_advice.looks_like(head):
        return Format.ADVICE_CSV
    return None


def parse(fmt: Format, data: bytes) -> list[Advice]:
    """The advices of a file; ParseError naming line, record/field and value."""
    if fmt is Format.X12_820:
        return x12_820.parse(data)
    if fmt is Format.ADVICE_CSV:
        return csv_advice.parse(data)
    raise ParseError(f"{fmt} is not a remittance advice format")


def iter_records(source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Record]:
    """An advice states no bank bookings: checked (errors raise), nothing yielded."""
    data = source.read(limits.max_file_bytes + 1)
    fmt = detect(data[:4096])
    if fmt is None:
        raise ParseError("not a remittance advice", line=1, field="content", value="")
    parse(fmt, data)
    return iter(())
