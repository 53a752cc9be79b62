"""Streaming NACHA reader: detect() and iter_records() (the parser API of ingest/formats.py).

Reads one record at a time and holds at most one entry with its addenda, so memory stays
flat in the file size. Tolerates what real files do: CRLF/LF/CR line ends, lines shorter
than 94 characters (padded), several records on one line or no line breaks at all,
'9999...' block fill, and missing file header / file control / batch controls (with a
warning). Refuses, with a ParseError naming line, record, field and value, what cannot be
read safely: non-numeric amounts and counts, unknown record types, addenda without an
entry, bytes that are not printable ASCII.

"line" in errors and warnings is the 1-based record number, which is the text line for
files with one record per line (nearly all of them). Detection and the cutting of the bytes
into records are in physical.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from core.digits import readable
from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits, too_many
from core.money import from_minor
from core.records import Direction, Record, Statement
from ingest.ach import codes
from ingest.ach.mapping import CURRENCY, batch_date, build_entry, made_by_originator, yymmdd
from ingest.ach.physical import detect, physical_records
from ingest.ach.records import (
    RECORD_LENGTH,
    Addenda,
    Addenda05,
    Addenda98,
    Addenda98Refused,
    Addenda99,
    Addenda99Contested,
    Addenda99Dishonored,
    ADVEntryDetail,
    BatchControl,
    BatchHeader,
    EntryDetail,
    FieldError,
    FileControl,
    FileHeader,
    aba_check_digit,
    batch_header_problems,
    file_header_problems,
    parse_addenda,
)
from ingest.ach.text import repaired, unreadable

__all__ = ["detect", "iter_records"]

# --- the reader ---------------------------------------------------------------------------


@dataclass
class _Batch:
    ordinal: int
    line: int
    header: BatchHeader
    day: date | None
    adv: bool
    outgoing: bool  # the file was made by this batch's originator
    entries: int = 0
    addenda: int = 0
    entry_hash: int = 0
    debit: int = 0
    credit: int = 0

    @property
    def name(self) -> str:
        return f"batch {self.ordinal}"


@dataclass
class _Pending:
    line: int
    record: str
    detail: EntryDetail | ADVEntryDetail
    addenda: list[Addenda] = field(default_factory=list)


@dataclass
class _File:
    header: FileHeader | None
    closed: bool = False  # file control seen
    batches: int = 0
    adv_batches: int = 0
    entry_addenda: int = 0
    entry_hash: int = 0
    debit: int = 0
    credit: int = 0
    records: int = 0  # non-fill records, for the block count
    last_batch_number: int | None = None


class _Reader:
    def __init__(self, limits: ParseLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.file: _File | None = None
        self.batch: _Batch | None = None
        self.pending: _Pending | None = None
        self.seen_records = False
        self.out: list[Record] = []

    # -- helpers --

    def warn(self, message: str, line: int | None, record: str, field: str | None = None,
             value: str | None = None) -> None:
        self.out.append(ParseWarning(message, line=line, record=record, field=field, value=value))

    def describe(self, kind: str) -> str:
        batch = self.batch
        if kind == "1":
            return "file header (type 1)"
        if kind == "5":
            ordinal = (self.file.batches if self.file else 0) + 1
            return f"batch {ordinal} header (type 5)"
        if kind == "6" and batch:
            return f"{batch.name} entry {batch.entries + 1} (type 6)"
        if kind == "7" and batch and self.pending:
            entry = self.pending.record.removesuffix(" (type 6)")
            return f"{entry} addenda {len(self.pending.addenda) + 1} (type 7)"
        if kind == "8" and batch:
            return f"{batch.name} control (type 8)"
        if kind == "9":
            return "file control (type 9)"
        names = {"6": "entry detail", "7": "addenda", "8": "batch control"}
        shown = kind if kind.isascii() or ord(kind) > 0xFF else readable(kind.encode("latin-1"))
        return f"{names[kind]} (type {kind})" if kind in names else f"with type code {shown!r}"

    # -- records --

    def feed(self, line: int, text: str) -> None:
        kind = text[:1]
        record = self.describe(kind)
        if not (text.isascii() and text.isprintable()):
            text = self.repair(line, record, text)
        if len(text) > RECORD_LENGTH:
            raise ParseError(
                f"record is {len(text)} characters long; NACHA records are {RECORD_LENGTH}",
                line=line, record=record, field="record length", value=text[:60],
            )
        if text.strip("9 ") == "" and kind == "9":  # block fill
            return
        self.seen_records = True
        padded = text.ljust(RECORD_LENGTH)
        try:
            handler = {"1": self.file_header, "5": self.batch_header, "6": self.entry,
                       "7": self.addenda, "8": self.batch_control, "9": self.file_control}.get(kind)
            if handler is None:
                raise ParseError(
                    "unknown record type code (expected 1, 5, 6, 7, 8 or 9)",
                    line=line, record=record, field="record type code", value=kind,
                )
            if self.file is not None and self.file.closed and kind != "1":
                raise ParseError(
                    "record after the file control (type 9); only block fill or a new file "
                    "header may follow",
                    line=line, record=record, field="record type code", value=kind,
                )
            handler(line, record, padded)
        except FieldError as error:
            raise ParseError(error.message, line=line, record=record, field=error.field,
                             value=error.value) from None

    def repair(self, line: int, record: str, text: str) -> str:
        """The record with its free-text fields made printable ASCII (ingest/ach/text.py)."""
        return repaired(line, record, text, self.batch.header.sec_code if self.batch else None, self.warn)

    def unreadable(self, line: int, record: str, text: str) -> ParseError:
        return unreadable(line, record, text, self.batch.header.sec_code if self.batch else None)

    def ensure_file(self, line: int) -> _File:
        if self.file is None:
            self.warn("no file header (type 1): the file starts with a batch; file-level "
                      "fields are unknown", line, "file header (type 1)")
            self.file = _File(header=None)
        return self.file

    def file_header(self, line: int, record: str, text: str) -> None:
        if self.file is not None:
            self.close_batch(line, missing_control=True)
            if not self.file.closed:
                self.warn("no file control (type 9) before the next file header", line,
                          "file control (type 9)")
        header = FileHeader.parse(text)
        for name, value, message in file_header_problems(text):
            self.warn(message, line, record, name, value)
        self.file = _File(header=header, records=1)

    def batch_header(self, line: int, record: str, text: str) -> None:
        file = self.ensure_file(line)
        self.close_batch(line, missing_control=True)
        header = BatchHeader.parse(text)
        adv = header.sec_code == "ADV"
        if (adv and file.batches > file.adv_batches) or (not adv and file.adv_batches):
            raise ParseError("ADV batches cannot share a file with other batches (their "
                             "controls have another layout)", line=line, record=record,
                             field="standard entry class code", value=header.sec_code)
        for name, value, message in batch_header_problems(text):
            if name != "batch number":  # statement_id() warns about it
                self.warn(message, line, record, name, value)
        file.batches += 1
        file.adv_batches += adv
        file.records += 1
        creation = yymmdd(file.header.creation_date) if file.header else None
        day = batch_date(header, creation, lambda m, f, v: self.warn(m, line, record, f, v))
        batch = _Batch(ordinal=file.batches, line=line, header=header, day=day, adv=adv,
                       outgoing=made_by_originator(header, file.header))
        self.batch = batch
        self.out.append(Statement(
            id=self.statement_id(file, header, line, record),
            # The immediate destination is the routing number of the bank the file was sent
            # to: the only account-like identifier of "our side" every NACHA file has.
            account=(file.header.immediate_destination or None) if file.header else None,
            currency=CURRENCY,
            from_date=day,
            to_date=day,
        ))

    def statement_id(self, file: _File, header: BatchHeader, line: int, record: str) -> str:
        number = int(header.batch_number) if header.batch_number.isdigit() else None
        label = str(number) if number is not None else header.batch_number or "?"
        last = file.last_batch_number
        if number is None or (last is not None and number <= last):
            self.warn("batch numbers should ascend through the file", line, record,
                      "batch number", header.batch_number)
            label = f"{label}#{file.batches}"  # keep statement ids unique
        else:
            file.last_batch_number = number
        if file.header:
            h = file.header
            modifier = h.file_id_modifier or "_"
            return f"{h.immediate_origin}-{h.creation_date}-{modifier}-batch-{label}"
        return f"{header.odfi}-{header.effective_date}-batch-{label}"

    def entry(self, line: int, record: str, text: str) -> None:
        batch = self.batch
        if batch is None:
            raise ParseError("entry detail record outside a batch (no batch header before it)",
                             line=line, record=record, field="record type code", value="6")
        self.flush()
        header = batch.header
        detail: EntryDetail | ADVEntryDetail
        if batch.adv:
            detail = ADVEntryDetail.parse(text)
        else:
            detail = EntryDetail.parse(text, header.sec_code, iat=header.is_iat_layout)
        if detail.check_digit != aba_check_digit(detail.rdfi):
            self.warn(f"check digit does not match routing {detail.rdfi} (expected "
                      f"{aba_check_digit(detail.rdfi)})", line, record, "check digit",
                      detail.check_digit)
        batch.entries += 1
        batch.entry_hash += int(detail.rdfi)
        if codes.direction(detail.transaction_code) is Direction.CREDIT:
            batch.credit += detail.amount
        else:
            batch.debit += detail.amount
        self.file.records += 1  # type: ignore[union-attr]
        self.pending = _Pending(line=line, record=record, detail=detail)

    def addenda(self, line: int, record: str, text: str) -> None:
        pending = self.pending
        if pending is None:
            raise ParseError("addenda record without an entry detail record before it",
                             line=line, record=record, field="record type code", value="7")
        addenda = parse_addenda(text)
        self.check_chain(line, record, addenda)
        if isinstance(addenda, Addenda99) and addenda.return_code not in codes.RETURN_CODES:
            self.warn("unknown return reason code (accepted as bank-specific)", line, record,
                      "return reason code", addenda.return_code)
        if isinstance(addenda, (Addenda98, Addenda98Refused)):
            for problem in addenda.corrected()[1]:
                self.warn(problem, line, record, "corrected data", addenda.corrected_data)
        if isinstance(addenda, Addenda98Refused) and (
                addenda.change_code not in codes.CHANGE_CODES):
            self.warn("a refused NOC names the change code it refuses (65-67); "
                      f"{addenda.change_code!r} is not one", line, record, "change code",
                      addenda.change_code)
        if isinstance(addenda, Addenda98) and addenda.change_code not in codes.CHANGE_CODES:
            retired = addenda.change_code in codes.RETIRED_CHANGE_CODES
            self.warn("retired change code" if retired else "unknown change code (accepted)",
                      line, record, "change code", addenda.change_code)
        if len(pending.addenda) >= self.limits.max_entry_items:
            raise too_many("addenda records of one entry", len(pending.addenda) + 1,
                           self.limits.max_entry_items, line=line, record=record)
        pending.addenda.append(addenda)
        self.batch.addenda += 1  # type: ignore[union-attr]
        self.file.records += 1  # type: ignore[union-attr]

    def check_chain(self, line: int, record: str, addenda: Addenda) -> None:
        """Dishonored (R61-R70) and contested (R71-R77) returns: the fields that tie them to
        the return they answer, named when they cannot be read."""
        if isinstance(addenda, Addenda99Dishonored):
            fields = (("original entry trace number", addenda.original_trace, 15),
                      ("return trace number", addenda.return_trace, 15),
                      ("return settlement date", addenda.return_settlement_date, 3),
                      ("return reason code", addenda.return_reason_code, 2))
        elif isinstance(addenda, Addenda99Contested):
            fields = (("original entry trace number", addenda.original_trace, 15),
                      ("return trace number", addenda.return_trace, 15),
                      ("return reason code", addenda.return_reason_code, 2),
                      ("dishonored return trace number", addenda.dishonored_trace, 15),
                      ("dishonored return reason code", addenda.dishonored_reason_code, 2))
        else:
            return
        for name, value, width in fields:
            if not (len(value) == width and value.isdigit()):
                self.warn(f"{name} should be {width} digits", line, record, name, value)

    def flush(self) -> None:
        """Emit the pending entry: its addenda are complete once another record starts."""
        pending, batch = self.pending, self.batch
        if pending is None or batch is None:
            return
        self.pending = None
        detail, addenda = pending.detail, pending.addenda

        def warn(message: str, field: str, value: str) -> None:
            self.warn(message, pending.line, pending.record, field, value)

        indicator = detail.addenda_indicator
        if indicator == "0" and addenda:
            warn(f"addenda record indicator is 0 but {len(addenda)} addenda follow",
                 "addenda record indicator", indicator)
        elif indicator == "1" and not addenda:
            warn("addenda record indicator is 1 but no addenda follow", "addenda record indicator",
                 indicator)
        if (isinstance(detail, EntryDetail) and detail.addenda_count is not None
                and batch.header.sec_code in codes.CATX_SEC_CODES):
            count = sum(isinstance(a, Addenda05) for a in addenda)
            if count != detail.addenda_count:
                warn(f"number of addenda records is {detail.addenda_count} but {count} "
                     "addenda 05 follow",
                     "number of addenda records", str(detail.addenda_count))
        self.out.append(build_entry(batch.header, batch.day, detail, addenda, warn,
                                    outgoing=batch.outgoing))

    def close_batch(self, line: int, *, missing_control: bool) -> _Batch | None:
        self.flush()
        batch, self.batch = self.batch, None
        if batch is not None and missing_control:
            self.warn(f"no batch control (type 8) for {batch.name} (header on line {batch.line})",
                      line, f"{batch.name} control (type 8)")
        if batch is not None:
            file = self.file
            assert file is not None
            file.entry_addenda += batch.entries + batch.addenda
            file.entry_hash += batch.entry_hash
            file.debit += batch.debit
            file.credit += batch.credit
        return batch

    def batch_control(self, line: int, record: str, text: str) -> None:
        if self.batch is None:
            self.warn("batch control without a batch header; ignored", line, record)
            return
        adv = self.batch.adv
        batch = self.close_batch(line, missing_control=False)
        assert batch is not None and self.file is not None
        self.file.records += 1
        padded: list[tuple[str, str]] = []
        control = BatchControl.parse(text, adv=adv, repaired=padded)
        self.padded(line, record, padded)
        header = batch.header
        where = f"batch number {header.batch_number or '?'}"
        known = header.service_class_code in codes.SERVICE_CLASS_CODES
        for name, stated, expected in (
            ("service class code", f"{control.service_class_code:03d}",
             f"{header.service_class_code:03d}" if known else ""),
            ("company identification", control.company_id, "" if adv else header.company_id),
            ("originating DFI identification", control.odfi, header.odfi),
            ("batch number", control.batch_number, header.batch_number),
        ):
            if stated.strip() and expected and stated != expected:  # a blank echo is common
                self.warn(f"{name} {stated!r} does not match {expected!r} in the batch header "
                          f"(line {batch.line}, {where})", line, record, name, stated)
        self.compare(line, record, "entry/addenda count", control.entry_addenda_count,
                     batch.entries + batch.addenda, "entry and addenda records in the batch",
                     where)
        self.compare(line, record, "entry hash", control.entry_hash, batch.entry_hash % 10**10,
                     "the sum of the entries' routing numbers", where)
        self.compare(line, record, "total debit", control.total_debit, batch.debit,
                     "in the batch's debit entries", where)
        self.compare(line, record, "total credit", control.total_credit, batch.credit,
                     "in the batch's credit entries", where)

    def padded(self, line: int, record: str, padded: list[tuple[str, str]]) -> None:
        for name, raw in padded:
            self.warn(f"{name} is padded with spaces instead of zeros; read as "
                      f"{int(raw.strip() or '0')}", line, record, name, raw)

    def compare(
        self, line: int, record: str, field: str, stated: int, actual: int, what: str,
        where: str = "",
    ) -> None:
        """A control figure (`stated`) against what the records add up to (`actual`): the
        entries are kept as read, so a mismatch is a warning naming both figures."""
        if stated == actual:
            return
        if field.startswith("total"):  # amounts: show dollars, not cents
            shown, expected = from_minor(stated, CURRENCY), from_minor(actual, CURRENCY)
        else:
            shown, expected = stated, actual
        of = f" of {where}" if where else ""
        self.warn(f"{field} {shown} does not match {expected} {what}{of}; the entries are "
                  "kept as read", line, record, field, str(shown))

    def file_control(self, line: int, record: str, text: str) -> None:
        file = self.ensure_file(line)
        self.close_batch(line, missing_control=True)
        file.records += 1
        padded: list[tuple[str, str]] = []
        control = FileControl.parse(text, adv=file.adv_batches > 0, repaired=padded)
        self.padded(line, record, padded)
        file.closed = True
        blocks = -(-file.records // 10)
        self.compare(line, record, "batch count", control.batch_count, file.batches,
                     "batches in the file")
        self.compare(line, record, "block count", control.block_count, blocks,
                     f"blocks of 10 records ({file.records} records)")
        self.compare(line, record, "entry/addenda count", control.entry_addenda_count,
                     file.entry_addenda, "entry and addenda records in the file")
        self.compare(line, record, "entry hash", control.entry_hash, file.entry_hash % 10**10,
                     "the sum of the entries' routing numbers")
        self.compare(line, record, "total debit", control.total_debit, file.debit,
                     "in the file's debit entries")
        self.compare(line, record, "total credit", control.total_credit, file.credit,
                     "in the file's credit entries")

    def finish(self, line: int) -> None:
        if not self.seen_records:
            raise ParseError("empty file: no NACHA records", line=max(line, 1),
                             record="file header (type 1)", field="record type code", value="")
        if self.file is not None:
            self.close_batch(line, missing_control=True)
            if not self.file.closed:
                self.warn("no file control (type 9) at the end of the file", line,
                          "file control (type 9)")


def iter_records(source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Record]:
    """Stream a NACHA file as Statement (one per batch), Entry and ParseWarning records."""
    reader = _Reader(limits)
    last = 0
    for last, text in physical_records(source, limits):
        reader.feed(last, text)
        if reader.out:
            yield from reader.out
            reader.out.clear()
    reader.finish(last)
    yield from reader.out
