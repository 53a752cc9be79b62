"""BAI lockbox transmission parser (record types 1, 2, 5, 6, 4, 7, 8, 9), table-driven.

Banks share the record types and their order but not the columns (../shared/lockbox/FORMAT.md
§3), so every column position lives in a `Layout`: a table of 1-based inclusive column
ranges per record type. `BAI_STANDARD` is the one layout verified against a public file
(github.com/FundersClub/bai-lockbox); another bank's layout is another `Layout` value passed
to `iter_records(..., layout=...)`.

Decisions:
- One Statement per lockbox (type 5 … 8): id "<lockbox>-<deposit date YYMMDD>", account =
  the lockbox number as written, currency USD (BAI lockbox is a US format with no currency
  field), no balances. A second 5 record for the same open lockbox is a batch header, not a
  new lockbox.
- One Entry per check (type 6): credit, kind lockbox, booked, dated with the deposit date,
  bank_reference "<lockbox>-<deposit date>-<batch>-<item>", bank_code "LOCKBOX". Its one
  Transaction: transaction_id "<batch>-<item>", check number and remitter as written
  (blanks trimmed), counterparty_account "ABA:<routing>:<account>" with the MICR account as
  written minus spaces (leading zeros kept: they are part of the MICR field).
- Overflow (type 4) records attach to the check just before them with the same batch+item;
  their memo texts become remittance lines in sequence order. Invoices come from layout
  invoice columns when a layout has them, and from memo text only when the memo is nothing
  but invoice-like tokens (each with a digit, optionally followed by an amount with two
  decimals, optionally after an "INV"/"INVOICE" keyword) — "CE554" is an invoice,
  "PAYMENT FOR MAY" is not.
- Controls: 7 (batch count and total), 8 (lockbox count and total) and 9 (record count) are
  checked; a mismatch or a missing 7/8 is a ParseWarning. A file without a 9 is rejected as
  truncated.
- A batch out of balance (its type 7 count or total differs from its checks) must go to
  review instead of being applied. Its checks are yielded before the 7 is read (streaming),
  and no field of core.records.Entry says "hold for review", so the parser says it once per
  batch: a ParseWarning whose field is OUT_OF_BALANCE and whose value is the batch's
  reference "<lockbox>-<deposit date>-<batch>", the prefix of each of its entries'
  bank_reference. `out_of_balance_batches(warnings)` and `in_unbalanced_batch(entry, batches)`
  read it back without parsing any message.

Layout: layout.py (Layout, BAI_STANDARD, a fixed-width Line read through one), invoices.py
(invoices from layout columns and memo text), parser.py (lockboxes, checks and controls);
detect and iter_records are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from core.digits import is_ascii_digits
from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import Entry, Format, Record
from ingest.bai2 import physical_lines
from ingest.lockbox.invoices import memo_invoices
from ingest.lockbox.layout import (
    BAI_STANDARD,
    BANK_CODE,
    CURRENCY,
    RECORD_TYPES,
    Columns,
    Layout,
    yymmdd,
)
from ingest.lockbox.parser import OUT_OF_BALANCE, Parser, batch_reference

__all__ = [
    "BAI_STANDARD",
    "BANK_CODE",
    "CURRENCY",
    "RECORD_TYPES",
    "Columns",
    "Layout",
    "detect",
    "iter_records",
    "OUT_OF_BALANCE",
    "batch_reference",
    "in_unbalanced_batch",
    "memo_invoices",
    "out_of_balance_batches",
]

_NACHA_RECORD_SIZE = (35, 37)  # NACHA's file header says "094" here; a lockbox header is blank


def iter_records(
    source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS, layout: Layout = BAI_STANDARD
) -> Iterator[Record]:
    """Statements (one per lockbox), entries (one per check) and warnings, in file order."""
    parser = Parser(layout, limits)
    last = 0
    for number, text in physical_lines(source, limits):
        if not text.strip():
            continue
        last = number
        yield from parser.feed(parser.line(number, text.rstrip()))
        yield from parser.drain()
    yield from parser.flush_check()
    if not parser.started:
        raise ParseError("empty file: no lockbox records", line=1, field="content", value="")
    if not parser.finished:
        raise ParseError("file ends without a type 9 trailer (truncated?)", line=last,
                         record="type 9", field="record type", value=None)


def out_of_balance_batches(warnings: Iterable[object]) -> frozenset[str]:
    """The references ("<lockbox>-<deposit date>-<batch>") of the batches out of balance."""
    return frozenset(
        w.hold for w in warnings
        if isinstance(w, ParseWarning) and w.field == OUT_OF_BALANCE and w.hold
    )


def in_unbalanced_batch(entry: Entry, batches: frozenset[str]) -> bool:
    """Whether a lockbox entry belongs to one of `batches` (its bank_reference + "-<item>")."""
    reference = entry.bank_reference or ""
    return reference.rpartition("-")[0] in batches


def _columns(text: str, columns: Columns) -> str:
    return text[columns[0] - 1 : columns[1]]


def detect(head: bytes, *, layout: Layout = BAI_STANDARD) -> Format | None:
    """A type 1 header of the lockbox shape followed by a type 2 service or 5 lockbox record.

    NACHA ACH files start with the same "1" + priority + destination + origin + date + time
    header; theirs carries the record size "094" in columns 35-37, which rules them out.
    """
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    lines = [line for line in text.decode("latin-1").splitlines() if line.strip()][:2]
    if len(lines) < 2:
        return None
    first, second = lines
    header, lockbox = layout.records["1"], layout.records["5"]
    if not (first.startswith("1") and is_ascii_digits(_columns(first, header["priority"]))):
        return None
    if _columns(first, _NACHA_RECORD_SIZE) == "094":
        return None
    if yymmdd(_columns(first, header["processing date"])) is None:
        return None
    if not is_ascii_digits(_columns(first, header["processing time"]).strip()):
        return None
    if second.startswith("2"):
        return Format.LOCKBOX
    if second.startswith("5") and yymmdd(_columns(second, lockbox["deposit date"])) is not None:
        return Format.LOCKBOX
    return None
