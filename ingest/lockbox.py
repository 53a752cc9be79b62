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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from core.digits import MAX_AMOUNT_DIGITS, is_ascii_digits
from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits, too_many
from core.money import D, from_minor
from core.records import (
    Direction,
    Entry,
    EntryStatus,
    Format,
    InvoiceRef,
    Kind,
    Record,
    Statement,
    Transaction,
)
from ingest.bai2 import physical_lines

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
_NACHA_RECORD_SIZE = (35, 37)  # NACHA's file header says "094" here; a lockbox header is blank


# ---------------------------------------------------------------------------------------
# One fixed-width line


@dataclass(frozen=True, slots=True)
class _Line:
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
        parsed = _yymmdd(value)
        if parsed is None:
            raise self.error(f"the {name} is not a date (YYMMDD)", name, value)
        return parsed

    def error(self, message: str, name: str, value: str | None) -> ParseError:
        return ParseError(message, line=self.number, record=self.label, field=name, value=value)

    def warning(self, message: str, name: str | None = None, value: str | None = None
                ) -> ParseWarning:
        return ParseWarning(message, line=self.number, record=self.label, field=name, value=value)


def _yymmdd(value: str) -> date | None:
    if len(value) != 6 or not is_ascii_digits(value):
        return None
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    try:
        return date(2000 + yy if yy < 70 else 1900 + yy, mm, dd)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------
# Invoices in remittance text

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


def _layout_invoices(line: _Line) -> list[InvoiceRef]:
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


# ---------------------------------------------------------------------------------------
# Parser state


@dataclass(slots=True)
class _Check:
    line: _Line
    batch: str
    item: str
    cents: int
    remittance: list[str] = field(default_factory=list)
    invoices: list[InvoiceRef] = field(default_factory=list)
    next_sequence: int = 1
    last_seen: bool = False  # an overflow with indicator 9 has been read


@dataclass(slots=True)
class _Batch:
    count: int = 0
    cents: int = 0
    closed: bool = False


@dataclass(slots=True)
class _Lockbox:
    number: str
    deposit_raw: str
    deposit: date
    line: int
    count: int = 0
    cents: int = 0
    batches: dict[str, _Batch] = field(default_factory=dict)
    items: set[tuple[str, str]] = field(default_factory=set)


@dataclass(slots=True)
class _Parser:
    layout: Layout
    limits: ParseLimits = DEFAULT_LIMITS
    records: int = 0
    started: bool = False
    finished: bool = False
    lockbox: _Lockbox | None = None
    check: _Check | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # statement id -> times used

    def line(self, number: int, text: str) -> _Line:
        kind = text[0]
        if kind not in RECORD_TYPES:
            raise ParseError(
                "not a lockbox record type (1, 2, 5, 6, 4, 7, 8, 9)",
                line=number, record=f"type {kind}", field="record type", value=text[:20],
            )
        columns = self.layout.records.get(kind, {})
        label = f"type {kind}"
        if kind in "647" and "batch number" in columns:
            batch = text[columns["batch number"][0] - 1 : columns["batch number"][1]].strip()
            label += f" batch {batch}"
            if kind in "64":
                first, last = columns["item number"]
                label += f" item {text[first - 1 : last].strip()}"
        elif kind in "58" and "lockbox number" in columns:
            first, last = columns["lockbox number"]
            label += f" lockbox {text[first - 1 : last].strip()}"
        return _Line(number, text, columns, label)

    def feed(self, line: _Line) -> Iterator[Record]:
        kind = line.text[0]
        self.records += 1
        if self.finished:
            raise line.error("record after the 9 file trailer", "record type", kind)
        if not self.started:
            if kind != "1":
                raise line.error("a lockbox file starts with a type 1 header", "record type", kind)
            self.header(line)
            return
        if kind != "4":
            yield from self.flush_check()
        if kind == "1":
            raise line.error("a second type 1 header", "record type", kind)
        if kind == "2":
            return  # service record: nothing the records need
        if kind == "5":
            yield from self.open_lockbox(line)
        elif kind == "6":
            self.open_check(line)
        elif kind == "4":
            self.overflow(line)
        elif kind == "7":
            self.batch_total(line)
        elif kind == "8":
            self.lockbox_total(line)
        elif kind == "9":
            self.trailer(line)

    def drain(self) -> Iterator[ParseWarning]:
        yield from self.warnings
        self.warnings.clear()

    # -- records --------------------------------------------------------------------------

    def header(self, line: _Line) -> None:
        self.started = True
        if not is_ascii_digits(line.get("priority")):
            raise line.error("the priority code is not a number", "priority", line.get("priority"))
        line.date("processing date")

    def open_lockbox(self, line: _Line) -> Iterator[Record]:
        number = line.require("lockbox number")
        deposit_raw = line.require("deposit date")
        deposit = line.date("deposit date")
        open_box = self.lockbox
        if open_box is not None:
            if (open_box.number, open_box.deposit_raw) == (number, deposit_raw):
                return  # a batch header inside the same lockbox
            self.warnings.append(line.warning(
                f"lockbox {open_box.number} has no type 8 lockbox total", "record type", "8"))
            self.close_lockbox(line)
        self.lockbox = _Lockbox(number, deposit_raw, deposit, line.number)
        base = f"{number}-{deposit_raw}"
        self.ids[base] = seen = self.ids.get(base, 0) + 1
        yield Statement(
            id=base if seen == 1 else f"{base}-{seen}",  # a lockbox reopened later in the file
            account=number,
            currency=CURRENCY,
            from_date=deposit,
            to_date=deposit,
        )

    def require_lockbox(self, line: _Line) -> _Lockbox:
        if self.lockbox is None:
            raise line.error("record outside a lockbox (no type 5 lockbox header before it)",
                             "record type", line.text[0])
        return self.lockbox

    def open_check(self, line: _Line) -> None:
        lockbox = self.require_lockbox(line)
        batch, item = line.require("batch number"), line.require("item number")
        cents = line.digits("check amount")
        if (batch, item) in lockbox.items:
            self.warnings.append(line.warning(
                f"batch {batch} item {item} appears twice in lockbox {lockbox.number}",
                "item number", item))
        lockbox.items.add((batch, item))
        totals = lockbox.batches.setdefault(batch, _Batch())
        if totals.closed:
            self.warnings.append(line.warning(
                f"check after the type 7 total of batch {batch}", "batch number", batch))
        totals.count += 1
        totals.cents += cents
        lockbox.count += 1
        lockbox.cents += cents
        check = _Check(line, batch, item, cents)
        check.invoices.extend(_layout_invoices(line))
        self.check = check

    def overflow(self, line: _Line) -> None:
        check = self.check
        batch, item = line.get("batch number"), line.get("item number")
        if check is None or (check.batch, check.item) != (batch, item):
            after = "no check" if check is None else f"batch {check.batch} item {check.item}"
            self.warnings.append(line.warning(
                f"overflow record for batch {batch} item {item} follows {after}; ignored",
                "item number", item))
            return
        related = line.get("overflow record type")
        if related not in ("", "6"):
            self.warnings.append(line.warning("overflow record type is not 6 (check detail)",
                                              "overflow record type", related))
        sequence = line.get("overflow sequence")
        if check.last_seen:
            self.warnings.append(line.warning("overflow record after the last one (indicator 9)",
                                              "overflow indicator", line.get("overflow indicator")))
        if sequence != f"{check.next_sequence:0{len(sequence) or 2}d}":
            self.warnings.append(line.warning(
                f"overflow sequence {sequence!r}, expected {check.next_sequence}",
                "overflow sequence", sequence))
        # Resynchronise on the number read, so that one gap gives one warning.
        resync = is_ascii_digits(sequence, 9)
        check.next_sequence = int(sequence) + 1 if resync else check.next_sequence + 1
        check.last_seen = line.get("overflow indicator") == "9"
        if len(check.remittance) + len(check.invoices) >= self.limits.max_entry_items:
            raise too_many("overflow records and invoices of one check",
                           len(check.remittance) + len(check.invoices) + 1,
                           self.limits.max_entry_items, line=line.number, record=line.label)
        memo = line.get("memo")
        if memo:
            check.remittance.append(memo)
            if self.layout.memo_invoices:
                check.invoices.extend(memo_invoices(memo))
        check.invoices.extend(_layout_invoices(line))

    def flush_check(self) -> Iterator[Record]:
        check, lockbox = self.check, self.lockbox
        if check is None or lockbox is None:
            return
        self.check = None
        if check.next_sequence > 1 and not check.last_seen:
            self.warnings.append(check.line.warning(
                "overflow records end without a last-overflow indicator 9", "overflow indicator"))
        yield self.entry(check, lockbox)

    def entry(self, check: _Check, lockbox: _Lockbox) -> Entry:
        line = check.line
        routing = line.get("routing number").replace(" ", "")
        account = line.get("account number").replace(" ", "")
        amount = from_minor(check.cents, CURRENCY)
        transaction = Transaction(
            amount=amount,
            currency=CURRENCY,
            transaction_id=f"{check.batch}-{check.item}",
            check_number=line.get("check number") or None,
            counterparty_name=line.get("remitter name") or None,
            counterparty_account=f"ABA:{routing}:{account}" if routing and account else None,
            remittance=tuple(check.remittance),
            invoices=tuple(check.invoices),
        )
        return Entry(
            amount=amount,
            currency=CURRENCY,
            direction=Direction.CREDIT,
            status=EntryStatus.BOOKED,
            booking_date=lockbox.deposit,
            value_date=lockbox.deposit,
            bank_reference=f"{lockbox.number}-{lockbox.deposit_raw}-{check.batch}-{check.item}",
            kind=Kind.LOCKBOX,
            bank_code=BANK_CODE,
            transactions=(transaction,),
        )

    # -- controls -------------------------------------------------------------------------

    def compare(self, line: _Line, what: str, name: str, reported: int, actual: int,
                money: bool = False) -> None:
        if reported == actual:
            return
        shown = (lambda cents: str(from_minor(cents, CURRENCY))) if money else str
        self.warnings.append(line.warning(
            f"{what}: the trailer says {shown(reported)}, the file has {shown(actual)}",
            name, line.get(name)))

    def same_lockbox(self, line: _Line, lockbox: _Lockbox) -> None:
        number, deposit = line.get("lockbox number"), line.get("deposit date")
        if number and number != lockbox.number:
            self.warnings.append(line.warning(
                f"lockbox number differs from the open lockbox {lockbox.number}",
                "lockbox number", number))
        if deposit and deposit != lockbox.deposit_raw:
            self.warnings.append(line.warning(
                f"deposit date differs from the open lockbox's {lockbox.deposit_raw}",
                "deposit date", deposit))

    def batch_total(self, line: _Line) -> None:
        lockbox = self.require_lockbox(line)
        batch = line.require("batch number")
        self.same_lockbox(line, lockbox)
        totals = lockbox.batches.setdefault(batch, _Batch())
        totals.closed = True
        self.compare(line, f"batch {batch} number of remittances", "number of remittances",
                     line.digits("number of remittances"), totals.count)
        self.compare(line, f"batch {batch} total", "batch total", line.digits("batch total"),
                     totals.cents, money=True)

    def lockbox_total(self, line: _Line) -> None:
        lockbox = self.require_lockbox(line)
        self.same_lockbox(line, lockbox)
        self.compare(line, f"lockbox {lockbox.number} number of checks", "number of checks",
                     line.digits("number of checks"), lockbox.count)
        self.compare(line, f"lockbox {lockbox.number} total", "lockbox total",
                     line.digits("lockbox total"), lockbox.cents, money=True)
        self.close_lockbox(line)

    def close_lockbox(self, line: _Line) -> None:
        lockbox = self.lockbox
        if lockbox is None:
            return
        for batch, totals in lockbox.batches.items():
            if not totals.closed:
                self.warnings.append(line.warning(
                    f"batch {batch} of lockbox {lockbox.number} has no type 7 batch total",
                    "batch number", batch))
        self.lockbox = None

    def trailer(self, line: _Line) -> None:
        if self.lockbox is not None:
            self.warnings.append(line.warning(
                f"lockbox {self.lockbox.number} has no type 8 lockbox total", "record type", "8"))
            self.close_lockbox(line)
        self.compare(line, "number of records", "number of records",
                     line.digits("number of records"), self.records)
        self.finished = True


def iter_records(
    source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS, layout: Layout = BAI_STANDARD
) -> Iterator[Record]:
    """Statements (one per lockbox), entries (one per check) and warnings, in file order."""
    parser = _Parser(layout, limits)
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
    if _yymmdd(_columns(first, header["processing date"])) is None:
        return None
    if not is_ascii_digits(_columns(first, header["processing time"]).strip()):
        return None
    if second.startswith("2"):
        return Format.LOCKBOX
    if second.startswith("5") and _yymmdd(_columns(second, lockbox["deposit date"])) is not None:
        return Format.LOCKBOX
    return None
