"""Streaming NACHA reader: detect() and iter_records() (the parser API of ingest/formats.py).

Reads one record at a time and holds at most one entry with its addenda, so memory stays
flat in the file size. Tolerates what real files do: CRLF/LF/CR line ends, lines shorter
than 94 characters (padded), several records on one line or no line breaks at all,
'9999...' block fill, and missing file header / file control / batch controls (with a
warning). Refuses, with a ParseError naming line, record, field and value, what cannot be
read safely: non-numeric amounts and counts, unknown record types, addenda without an
entry, bytes that are not printable ASCII.

"line" in errors and warnings is the 1-based record number, which is the text line for
files with one record per line (nearly all of them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from core.digits import readable
from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits, check_line_count, line_too_long, too_many
from core.money import from_minor
from core.records import Direction, Format, Record, Statement
from ingest.ach import codes
from ingest.ach.mapping import CURRENCY, batch_date, build_entry, made_by_originator, yymmdd
from ingest.ach.records import (
    RECORD_LENGTH,
    Addenda,
    Addenda05,
    Addenda98,
    Addenda99,
    ADVEntryDetail,
    BatchControl,
    BatchHeader,
    EntryDetail,
    FieldError,
    FileControl,
    FileHeader,
    aba_check_digit,
    field_at,
    parse_addenda,
)

# --- detection ----------------------------------------------------------------------------


def _is_file_header(line: bytes) -> bool:
    # '1' + priority '01', then record size 094, blocking factor 10, format code 1 (35-40).
    return line.startswith(b"101") and len(line) >= 40 and line[34:40] == b"094101"


def _is_batch_header(line: bytes) -> bool:
    return (
        line[:1] == b"5"
        and line[1:4].isdigit()
        and int(line[1:4]) in codes.SERVICE_CLASS_CODES
        and line[50:53].decode("ascii", "replace") in codes.SEC_CODES
    )


def _is_entry(line: bytes) -> bool:
    code = line[1:3]
    return (
        line[:1] == b"6"
        and code.isdigit()
        and (int(code) in codes.TRANSACTION_CODES or int(code) in codes.ADV_TRANSACTION_CODES)
        and line[3:11].isdigit()
    )


def _starts_record(rest: bytes) -> bool:
    """Whether what follows a first record of 94 bytes is a next record (no line breaks)."""
    return rest[:1] in (b"5", b"6", b"9")


def detect(head: bytes) -> Format | None:
    """Format.ACH for a NACHA file: a '101…094101' file header, or (header-less fragments
    such as returns extracted from a file) a valid batch header followed by an entry."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = [line for line in text.split(b"\n") if line.strip()]
    if not lines:
        return None
    first = lines[0]
    if len(first) > RECORD_LENGTH and _starts_record(first[RECORD_LENGTH:]):
        lines = [first[:RECORD_LENGTH], first[RECORD_LENGTH:]] + lines[1:]  # no line breaks
        first = lines[0]
    if _is_file_header(first):
        return Format.ACH
    if _is_batch_header(first) and len(lines) > 1 and _is_entry(lines[1]):
        return Format.ACH
    return None


# --- physical records ---------------------------------------------------------------------

_CHUNK = 64 * 1024


def _records(source: BinaryIO, limits: ParseLimits) -> Iterator[tuple[int, str]]:
    """(line number, record text) per record; blank lines are skipped but counted.

    Reads fixed-size chunks (memory stays flat) and splits on LF, CRLF or CR. Bytes are
    decoded as latin-1 (one character per byte) so that any byte reaches the ASCII check
    in the reader, which says where it is. A line longer than the line limit is accepted
    only as a file without line breaks: a run of 94-character records.
    """
    number = 0
    buffer = b""
    unbroken = False
    started = False
    eof = False
    while not eof:
        chunk = source.read(_CHUNK)
        eof = not chunk
        buffer += chunk
        if not started:
            if len(buffer) < 3 and not eof:
                continue
            started = True
            if buffer.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte order mark
                buffer = buffer[3:]
        if unbroken:
            buffer = buffer.replace(b"\r", b"").replace(b"\n", b"")
            cut = len(buffer) if eof else len(buffer) - len(buffer) % RECORD_LENGTH
            for i in range(0, cut, RECORD_LENGTH):
                number += 1
                check_line_count(number, limits)
                record = buffer[i : i + RECORD_LENGTH]
                if record.strip():
                    yield number, record.decode("latin-1")
            buffer = buffer[cut:]
            continue
        lines = buffer.splitlines(keepends=True)
        buffer = b""
        # Keep back an unfinished line, or one ending in CR whose LF may open the next chunk.
        if lines and not eof and not lines[-1].endswith(b"\n"):
            buffer = lines.pop()
        for raw in lines:
            for piece in _split(raw.rstrip(b"\r\n").decode("latin-1")) or [None]:
                number += 1
                check_line_count(number, limits)
                if piece is not None:
                    yield number, piece
        if len(buffer) > limits.max_line_bytes:
            if buffer[:1] in (b"1", b"5") and _starts_record(buffer[RECORD_LENGTH:]):
                unbroken = True
                continue
            raise line_too_long(number + 1, readable(buffer, 40), limits)


def _split(body: str) -> list[str]:
    """The records of one text line: none (blank), one, or several (blocked files)."""
    if not body.strip() or body == "\x1a":  # blank line, DOS end-of-file mark
        return []
    if len(body) <= RECORD_LENGTH or not body[RECORD_LENGTH:].strip():
        return [body[:RECORD_LENGTH]]
    if len(body) % RECORD_LENGTH == 0:
        return [body[i : i + RECORD_LENGTH] for i in range(0, len(body), RECORD_LENGTH)]
    return [body]  # the reader reports its length


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
        shown = kind if kind.isascii() else readable(kind.encode("latin-1"))
        return f"{names[kind]} (type {kind})" if kind in names else f"with type code {shown!r}"

    # -- records --

    def feed(self, line: int, text: str) -> None:
        kind = text[:1]
        record = self.describe(kind)
        if not (text.isascii() and text.isprintable()):
            raise self.unreadable(line, record, text)
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

    def unreadable(self, line: int, record: str, text: str) -> ParseError:
        """A byte that is not printable ASCII: name its field and show that field as text."""
        column = next(i for i, c in enumerate(text) if not " " <= c <= "~")
        bad = text[column]
        what = "binary data" if bad < " " or bad == "\x7f" else "non-ASCII text"
        sec = self.batch.header.sec_code if self.batch else None
        name, first, last = field_at(text, column + 1, sec)
        raw = text.encode("latin-1")  # the reader decodes one character per byte
        end = max(last, column + 1)
        while end < len(raw) and 0x80 <= raw[end] < 0xC0:  # the rest of a UTF-8 character
            end += 1
        return ParseError(
            f"{what} (byte 0x{ord(bad):02x} in column {column + 1}): "
            "NACHA files are printable ASCII",
            line=line, record=record, field=name,
            value=readable(raw[min(first - 1, column) : end]),
        )

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
        for name, value, expected in (("record size", header.record_size, "094"),
                                      ("blocking factor", header.blocking_factor, "10"),
                                      ("format code", header.format_code, "1")):
            if value != expected:
                self.warn(f"{name} should be {expected}", line, record, name, value)
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
        if header.sec_code not in codes.SEC_CODES:
            self.warn("unknown standard entry class code", line, record,
                      "standard entry class code", header.sec_code)
        if header.service_class_code not in codes.SERVICE_CLASS_CODES:
            self.warn("unknown service class code", line, record, "service class code",
                      str(header.service_class_code))
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
        if isinstance(addenda, Addenda99) and addenda.return_code not in codes.RETURN_CODES:
            self.warn("unknown return reason code (accepted as bank-specific)", line, record,
                      "return reason code", addenda.return_code)
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
        control = BatchControl.parse(text, adv=adv)
        self.compare(line, record, "entry/addenda count", control.entry_addenda_count,
                     batch.entries + batch.addenda, "entry and addenda records in the batch")
        self.compare(line, record, "entry hash", control.entry_hash, batch.entry_hash % 10**10,
                     "the sum of the entries' routing numbers")
        self.compare(line, record, "total debit", control.total_debit, batch.debit,
                     "in the batch's debit entries")
        self.compare(line, record, "total credit", control.total_credit, batch.credit,
                     "in the batch's credit entries")

    def compare(
        self, line: int, record: str, field: str, stated: int, actual: int, what: str
    ) -> None:
        if stated == actual:
            return
        if field.startswith("total"):  # amounts: show dollars, not cents
            shown, expected = from_minor(stated, CURRENCY), from_minor(actual, CURRENCY)
        else:
            shown, expected = stated, actual
        self.warn(f"{field} {shown} does not match {expected} {what}", line, record, field,
                  str(shown))

    def file_control(self, line: int, record: str, text: str) -> None:
        file = self.ensure_file(line)
        self.close_batch(line, missing_control=True)
        file.records += 1
        control = FileControl.parse(text, adv=file.adv_batches > 0)
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
    for last, text in _records(source, limits):
        reader.feed(last, text)
        if reader.out:
            yield from reader.out
            reader.out.clear()
    reader.finish(last)
    yield from reader.out
