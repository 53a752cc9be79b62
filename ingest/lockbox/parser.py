"""The parser's state, record by record: lockboxes (5 … 8) become Statements, checks (6 with
their 4 overflows) Entries, and the 7, 8 and 9 controls are checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from core.digits import is_ascii_digits
from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits, too_many
from core.money import from_minor
from core.records import (
    Direction,
    Entry,
    EntryStatus,
    InvoiceRef,
    Kind,
    Record,
    Statement,
    Transaction,
)
from ingest.lockbox.invoices import layout_invoices, memo_invoices
from ingest.lockbox.layout import BANK_CODE, CURRENCY, RECORD_TYPES, Layout, Line


# The field of the one warning per out-of-balance batch; its value is batch_reference(...),
# which every bank_reference of the batch's entries starts with (followed by "-<item>").
OUT_OF_BALANCE = "out-of-balance batch"


def batch_reference(lockbox: str, deposit_raw: str, batch: str) -> str:
    return f"{lockbox}-{deposit_raw}-{batch}"


@dataclass(slots=True)
class _Check:
    line: Line
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
class Parser:
    layout: Layout
    limits: ParseLimits = DEFAULT_LIMITS
    records: int = 0
    started: bool = False
    finished: bool = False
    lockbox: _Lockbox | None = None
    check: _Check | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # statement id -> times used

    def line(self, number: int, text: str) -> Line:
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
        return Line(number, text, columns, label)

    def feed(self, line: Line) -> Iterator[Record]:
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

    def header(self, line: Line) -> None:
        self.started = True
        if not is_ascii_digits(line.get("priority")):
            raise line.error("the priority code is not a number", "priority", line.get("priority"))
        line.date("processing date")

    def open_lockbox(self, line: Line) -> Iterator[Record]:
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

    def require_lockbox(self, line: Line) -> _Lockbox:
        if self.lockbox is None:
            raise line.error("record outside a lockbox (no type 5 lockbox header before it)",
                             "record type", line.text[0])
        return self.lockbox

    def open_check(self, line: Line) -> None:
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
        check.invoices.extend(layout_invoices(line))
        self.check = check

    def overflow(self, line: Line) -> None:
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
        check.invoices.extend(layout_invoices(line))

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
            bank_reference=f"{batch_reference(lockbox.number, lockbox.deposit_raw, check.batch)}-{check.item}",
            kind=Kind.LOCKBOX,
            bank_code=BANK_CODE,
            transactions=(transaction,),
        )

    # -- controls -------------------------------------------------------------------------

    def compare(self, line: Line, what: str, name: str, reported: int, actual: int,
                money: bool = False) -> None:
        if reported == actual:
            return
        shown = (lambda cents: str(from_minor(cents, CURRENCY))) if money else str
        self.warnings.append(line.warning(
            f"{what}: the trailer says {shown(reported)}, the file has {shown(actual)}",
            name, line.get(name)))

    def same_lockbox(self, line: Line, lockbox: _Lockbox) -> None:
        number, deposit = line.get("lockbox number"), line.get("deposit date")
        if number and number != lockbox.number:
            self.warnings.append(line.warning(
                f"lockbox number differs from the open lockbox {lockbox.number}",
                "lockbox number", number))
        if deposit and deposit != lockbox.deposit_raw:
            self.warnings.append(line.warning(
                f"deposit date differs from the open lockbox's {lockbox.deposit_raw}",
                "deposit date", deposit))

    def batch_total(self, line: Line) -> None:
        lockbox = self.require_lockbox(line)
        batch = line.require("batch number")
        self.same_lockbox(line, lockbox)
        totals = lockbox.batches.setdefault(batch, _Batch())
        totals.closed = True
        count, cents = line.digits("number of remittances"), line.digits("batch total")
        self.compare(line, f"batch {batch} number of remittances", "number of remittances",
                     count, totals.count)
        self.compare(line, f"batch {batch} total", "batch total", cents, totals.cents, money=True)
        if (count, cents) != (totals.count, totals.cents):
            reference = batch_reference(lockbox.number, lockbox.deposit_raw, batch)
            self.warnings.append(replace(line.warning(
                f"batch {batch} of lockbox {lockbox.number} is out of balance (the type 7 says "
                f"{count} checks, {from_minor(cents, CURRENCY)}; the file has {totals.count}, "
                f"{from_minor(totals.cents, CURRENCY)}): its checks, bank references "
                f"{lockbox.number}-{lockbox.deposit_raw}-{batch}-*, go to review, not applied",
                OUT_OF_BALANCE, reference), hold=reference))

    def lockbox_total(self, line: Line) -> None:
        lockbox = self.require_lockbox(line)
        self.same_lockbox(line, lockbox)
        self.compare(line, f"lockbox {lockbox.number} number of checks", "number of checks",
                     line.digits("number of checks"), lockbox.count)
        self.compare(line, f"lockbox {lockbox.number} total", "lockbox total",
                     line.digits("lockbox total"), lockbox.cents, money=True)
        self.close_lockbox(line)

    def close_lockbox(self, line: Line) -> None:
        lockbox = self.lockbox
        if lockbox is None:
            return
        for batch, totals in lockbox.batches.items():
            if not totals.closed:
                self.warnings.append(line.warning(
                    f"batch {batch} of lockbox {lockbox.number} has no type 7 batch total",
                    "batch number", batch))
        self.lockbox = None

    def trailer(self, line: Line) -> None:
        if self.lockbox is not None:
            self.warnings.append(line.warning(
                f"lockbox {self.lockbox.number} has no type 8 lockbox total", "record type", "8"))
            self.close_lockbox(line)
        self.compare(line, "number of records", "number of records",
                     line.digits("number of records"), self.records)
        self.finished = True
