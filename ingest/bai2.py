"""BAI2 (BAI "Cash Management Balance Reporting Specifications", version 2) parser.

Streaming: physical lines are read one at a time, split into records, records joined with
their 88 continuations into logical records, and each logical record is turned into
records as soon as the next record starts. Memory stays flat in the file size.

Decisions (see also core/bai_codes.py):
- Text: UTF-8 when the line is valid UTF-8, else Windows-1252; control characters (other
  than tab) are rejected, which is what stops binary junk and EBCDIC.
- Line ends: LF, CRLF and a lone CR all end a physical line.
- Several records on one physical line are split at a '/' followed by the code of a record
  that may legally come next (so "…/16,…" splits after a 16 but "12/03/66" never does).
- The record terminator '/' is optional; one trailing '/' is dropped from every physical
  record (and so from 16 text: moov-io/bai2 does the same). Slashes and commas inside 16
  text are kept: the text is everything after the customer reference.
- 88 continuations extend the previous record's field list (03 summaries, 16 fixed fields
  split over lines, trailers). Once a 16's fixed fields are complete, each further 88 is one
  remittance line of its own.
- Empty fields at a summary boundary in 03 records are defaulted summaries and are skipped
  (both "…,,,/" and "USD,,,,,060" occur in real files).
- Currency: 03 currency, else 02 group currency; when neither is given the spec's default is
  the originator's country currency: a 9-digit ABA routing number as originator means USD
  (with a warning); otherwise None, and the file cannot be stored without a currency.
- Group status 4 ("test only"): every entry of the group is INFO, never cash.
- Statement id: "<group as-of date YYMMDD>-<account>"; one Statement per 03.
- Balances: status-level codes (001-099, 900-919) only, dated with the group as-of date;
  activity totals (100 total credits, 400 total debits, ...) are not balances.
- Entry dates: booking and value date = group as-of date; value date from funds type V.
- A file without a 99 trailer is rejected as truncated; a missing 49 or 98 is a warning.
  Trailer totals are checked level by level: 49 against the account's amounts, 98 against
  the 49s as sent, 99 against the 98s as sent (so one bad account gives one warning).
- Transaction: transaction_id = customer reference; remittance = the 16 text and each 88
  line, raw. Tags are read conservatively, only where a bank's convention is unambiguous:
  Goldman Sachs "EREF:" (end-to-end id), "DBNM:/DACT:/DABA:" (debtor) and "CRNM:/CACT:/
  CABA:" (creditor) — the counterparty is the debtor of a credit, the creditor of a debit —
  "CHKN:" (check number, on check codes only); Citi "BO:"/"BO1:" (by-order-of account and
  name). Other tags (Citi PY/BI/OB/TRID, Goldman REMI/CREF/IDNM) stay in remittance only;
  references and invoices stay empty (no bank here tags invoice numbers).
- Returns (bai_codes.RETURN_CODES): reversal=True; reason_code is the NACHA R-code after
  "Reason:" when present, else the type code's description; Goldman's "Return of Client Ref
  ID:" is the original reference, its quoted "Return Reason:" the additional info.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from core import bai_codes as codes
from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits, check_line_count, line_too_long, too_many
from core.digits import MAX_AMOUNT_DIGITS, is_ascii_digits, readable
from core.money import from_minor
from core.records import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    Format,
    Kind,
    Record,
    ReturnInfo,
    Statement,
    Transaction,
)

_BOM = b"\xef\xbb\xbf"
_CHUNK = 64 * 1024
_EOL = re.compile(rb"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")

RECORD_CODES = ("01", "02", "03", "16", "88", "49", "98", "99")

# Which record codes may follow each record: used only to split several records that
# share one physical line, so that a '/' inside 16 text is not mistaken for a boundary.
_SUCCESSORS: dict[str, frozenset[str]] = {
    "01": frozenset({"02", "88"}),
    "02": frozenset({"03", "98", "88"}),
    "03": frozenset({"16", "49", "88"}),
    "16": frozenset({"16", "49", "88"}),
    "49": frozenset({"03", "98", "88"}),
    "98": frozenset({"02", "99", "88"}),
    "99": frozenset({"01", "88"}),
}
_BOUNDARY = re.compile(r"/[ ]*([0-9][0-9]),")
_AMOUNT = re.compile(r"[+-]?[0-9]{1,%d}" % MAX_AMOUNT_DIGITS)  # ASCII digits only
_CURRENCY = re.compile(r"[A-Z]{3}")


# ---------------------------------------------------------------------------------------
# Physical lines (shared with ingest.lockbox)


def physical_lines(source: BinaryIO, limits: ParseLimits) -> Iterator[tuple[int, str]]:
    """(1-based line number, decoded text) for each physical line; blank lines included."""
    number = 0
    buffer = b""
    eof = False
    while not eof:
        chunk = source.read(_CHUNK)
        eof = not chunk
        buffer += chunk
        start = 0
        while True:
            match = _EOL.search(buffer, start)
            # A CR at the very end of the buffer may be the first half of a CRLF.
            if match is None or (match.group() == b"\r" and match.end() == len(buffer) and not eof):
                break
            number += 1
            yield number, _decode(buffer[start : match.start()], number, limits)
            start = match.end()
        buffer = buffer[start:]
        if len(buffer) > limits.max_line_bytes:
            raise line_too_long(number + 1, str(len(buffer)), limits)
    if buffer:
        yield number + 1, _decode(buffer, number + 1, limits)


def _decode(raw: bytes, number: int, limits: ParseLimits) -> str:
    check_line_count(number, limits)
    if len(raw) > limits.max_line_bytes:
        raise line_too_long(number, str(len(raw)), limits)
    if number == 1 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ParseError(
                "bytes that are neither UTF-8 nor Windows-1252 text (binary data?)",
                line=number,
                field="content",
                value=readable(raw, 40),
            ) from None
    bad = _CONTROL.search(text)
    if bad:
        raise ParseError(
            f"control character U+{ord(bad.group()):04X} in a text file (binary data?)",
            line=number,
            field="content",
            value=text[:40],
        )
    return text


# ---------------------------------------------------------------------------------------
# Records and logical records


@dataclass(slots=True)
class _Segment:
    line: int
    text: str  # after "NN," with trailing blanks and one trailing '/' removed


@dataclass(slots=True)
class _Logical:
    code: str
    segments: list[_Segment]
    size: int

    @property
    def line(self) -> int:
        return self.segments[0].line


def _clean(text: str) -> str:
    text = text.rstrip()
    return text[:-1] if text.endswith("/") else text


def _split_line(text: str, open_code: str | None) -> list[str]:
    """Split one physical line into records (usually exactly one)."""
    pieces: list[str] = []
    start = 0
    code = text[:2]
    effective = open_code if code == "88" and open_code else code
    for match in _BOUNDARY.finditer(text, 3):
        nxt = match.group(1)
        if match.start() < start + 3 or nxt not in _SUCCESSORS.get(effective, frozenset()):
            continue
        pieces.append(text[start : match.start() + 1])
        start = match.start(1)
        code = nxt
        effective = effective if code == "88" else code
    pieces.append(text[start:])
    return pieces


def _record_code(piece: str, line: int) -> str:
    code = piece[:2]
    if code not in RECORD_CODES or (len(piece) > 2 and piece[2] != ","):
        shown = piece.split(",", 1)[0][:20]
        raise ParseError(
            "not a BAI2 record (record codes are 01, 02, 03, 16, 88, 49, 98, 99)",
            line=line,
            record=shown,
            field="record code",
            value=shown,
        )
    return code


def _logical_records(source: BinaryIO, limits: ParseLimits) -> Iterator[_Logical]:
    pending: _Logical | None = None
    for number, text in physical_lines(source, limits):
        if not text.strip():
            continue
        for piece in _split_line(text.strip(), pending.code if pending else None):
            code = _record_code(piece, number)
            segment = _Segment(number, _clean(piece[3:]))
            if code != "88":
                if pending is not None:
                    yield pending
                pending = _Logical(code, [segment], len(segment.text))
                continue
            if pending is None:
                raise ParseError(
                    "88 continuation with no record before it", line=number, record="88",
                    field="record code", value="88",
                )
            pending.segments.append(segment)
            pending.size += len(segment.text)
            if len(pending.segments) > limits.max_entry_items:  # empty 88s add no length
                raise too_many("88 continuation records of one record", len(pending.segments),
                               limits.max_entry_items, line=pending.line, record=pending.code)
            if pending.size > limits.max_text_bytes:
                raise LimitExceeded(
                    f"record {pending.code} with its continuations is longer than "
                    f"{limits.max_text_bytes} bytes",
                    line=pending.line,
                    record=pending.code,
                    field="record length",
                    value=str(pending.size),
                )
    if pending is not None:
        yield pending


class _Fields:
    """Comma-separated fields across a record and its 88 continuations."""

    def __init__(self, record: _Logical) -> None:
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

    def later_segments(self) -> list[_Segment]:
        return self.record.segments[self.index + 1 :]

    def error(self, message: str, name: str, value: str | None) -> ParseError:
        return ParseError(message, line=self.line, record=self.record.code, field=name, value=value)


# ---------------------------------------------------------------------------------------
# Field values


def _parse_date(fields: _Fields, value: str, name: str) -> date:
    if len(value) == 6 and is_ascii_digits(value):
        yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
        try:
            return date(2000 + yy if yy < 70 else 1900 + yy, mm, dd)
        except ValueError:
            pass
    raise fields.error("not a date (YYMMDD)", name, value)


def _parse_units(fields: _Fields, value: str, name: str) -> int:
    """An amount in minor units: optional sign, digits only (implied decimals)."""
    if not _AMOUNT.fullmatch(value):
        raise fields.error(
            "not an amount (digits with an optional sign, implied decimals)", name, value
        )
    return int(value)


def _parse_count(fields: _Fields, value: str, name: str) -> int | None:
    if value == "":
        return None
    if not is_ascii_digits(value, MAX_AMOUNT_DIGITS):
        raise fields.error("not a count", name, value)
    return int(value)


def _parse_currency(fields: _Fields, value: str, name: str) -> str | None:
    if value == "":
        return None
    if not _CURRENCY.fullmatch(value.upper()):
        raise fields.error("not an ISO 4217 currency code", name, value)
    return value.upper()


_SPLIT_AVAILABILITY = (
    "immediate availability", "one-day availability", "two-or-more-day availability"
)


@dataclass(frozen=True, slots=True)
class _Funds:
    type: str
    value_date: date | None = None


def _parse_funds(fields: _Fields) -> _Funds:
    """Funds type and its extra fields: S (3 amounts), V (date, time), D (count + pairs)."""
    kind = fields.next("funds type").upper()
    if kind in ("", "Z", "0", "1", "2"):
        return _Funds(kind)
    if kind == "S":
        for name in _SPLIT_AVAILABILITY:
            value = fields.next(name, required=True)
            if value:
                _parse_units(fields, value, name)
        return _Funds(kind)
    if kind == "V":
        value_date = _parse_date(fields, fields.next("value date", required=True), "value date")
        fields.next("value time")
        return _Funds(kind, value_date)
    if kind == "D":
        raw = fields.next("distribution count", required=True)
        for _ in range(_parse_count(fields, raw, "distribution count") or 0):
            days = fields.next("availability days", required=True)
            if not is_ascii_digits(days, 3):
                raise fields.error("not a number of days", "availability days", days)
            amount = fields.next("availability amount", required=True)
            _parse_units(fields, amount, "availability amount")
        return _Funds(kind)
    raise fields.error("unknown funds type (0, 1, 2, S, V, D, Z)", "funds type", kind)


# ---------------------------------------------------------------------------------------
# Remittance text: tag conventions seen in real BAI2 files

# "EREF: 1111" (Goldman Sachs) or "BO:11111111 BO1:DOE JO" (Citi): a tag at line start.
_LINE_TAG = re.compile(r"([A-Z]{2,4}[0-9]?):\s?(.*)")
# Citi packs numbered sub-tags ("OB3:", "BO1:") into one line.
_SUB_TAG = re.compile(r"\s+(?=[A-Z]{2}[0-9]:)")
_REASON = re.compile(r"\bReason:\s*\"?(R[0-9][0-9])\b")
_REASON_TEXT = re.compile(r"\bReturn Reason:\s*\"([^\"]*)\"")
_ORIGINAL_REF = re.compile(r"\bReturn of Client Ref ID:\s*([^,\s]+)")
_CHECK_PAID_CODES = frozenset({"474", "475"})  # customer reference = check serial number


def _tags(lines: list[str]) -> dict[str, str]:
    """First value of each "TAG:" found at the start of a line (or of a Citi sub-tag)."""
    found: dict[str, str] = {}
    for line in lines:
        for part in _SUB_TAG.split(line):
            match = _LINE_TAG.fullmatch(part.strip())
            if match and match.group(2).strip():
                found.setdefault(match.group(1), match.group(2).strip())
    return found


def _account(routing: str | None, account: str | None) -> str | None:
    if routing and account:
        return f"ABA:{routing}:{account}"
    return account or None


@dataclass(frozen=True, slots=True)
class _Party:
    name: str | None
    account: str | None


def _counterparty(tags: dict[str, str], direction: Direction) -> _Party:
    """The other side: the debtor of a credit, the creditor of a debit.

    Goldman Sachs: DBNM/DACT/DABA (debtor name/account/ABA), CRNM/CACT/CABA (creditor).
    Citi: BO = "by order of" account, BO1 = its name (credits only).
    """
    if direction is Direction.CREDIT:
        name = tags.get("DBNM") or tags.get("BO1")
        account = _account(tags.get("DABA"), tags.get("DACT")) or tags.get("BO")
    else:
        name = tags.get("CRNM")
        account = _account(tags.get("CABA"), tags.get("CACT"))
    return _Party(name, account)


def _return_info(code: str, text: str, original: str | None) -> ReturnInfo:
    reason = _REASON.search(text)
    reason_text = _REASON_TEXT.search(text)
    return ReturnInfo(
        reason_code=reason.group(1) if reason else codes.description(code),
        original_reference=original,
        additional_info=reason_text.group(1) if reason_text else None,
    )


# ---------------------------------------------------------------------------------------
# Parser state


@dataclass(slots=True)
class _Account:
    number: str
    currency: str | None
    line: int
    records: int = 0
    total: int = 0  # sum of every amount in its 03 and 16 records, minor units


@dataclass(slots=True)
class _Group:
    as_of: date
    as_of_raw: str
    currency: str | None
    line: int
    test_only: bool = False  # group status 4: reported for testing, never cash
    us_originator: bool = False  # originator is an ABA routing number: default currency USD
    records: int = 0
    accounts: int = 0
    total: int = 0  # sum of account control totals
    account: _Account | None = None


@dataclass(slots=True)
class _File:
    line: int
    records: int = 0
    groups: int = 0
    total: int = 0  # sum of group control totals
    group: _Group | None = None
    closed: bool = False


@dataclass(slots=True)
class _Parser:
    file: _File | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # statement id -> times used

    def statement_id(self, base: str) -> str:
        """The same account twice under one as-of date gets "-2", "-3": ids stay unique."""
        seen = self.ids.get(base, 0) + 1
        self.ids[base] = seen
        return base if seen == 1 else f"{base}-{seen}"

    def warn(self, message: str, line: int | None, record: str, name: str | None = None,
             value: str | None = None) -> None:
        warning = ParseWarning(message, line=line, record=record, field=name, value=value)
        self.warnings.append(warning)

    def drain(self) -> Iterator[ParseWarning]:
        yield from self.warnings
        self.warnings.clear()

    # -- structure ----------------------------------------------------------------------

    def open_file(self, fields: _Fields) -> None:
        if self.file is not None and not self.file.closed:
            raise fields.error("a second 01 file header before the 99 file trailer",
                               "record code", "01")
        for name in ("sender identification", "receiver identification"):
            fields.next(name)
        created = fields.next("file creation date", required=True)
        _parse_date(fields, created, "file creation date")
        for name in ("file creation time", "file identification number", "physical record length",
                     "block size"):
            fields.next(name)
        version = fields.next("version number")
        if version != "2":
            self.warn("not BAI version 2; read as version 2", fields.line, "01",
                      "version number", version)
        self.file = _File(line=fields.line)

    def require_file(self, fields: _Fields) -> _File:
        if self.file is None or self.file.closed:
            code = fields.record.code
            where = "after the 99 file trailer" if self.file else "before the 01 file header"
            raise fields.error(f"record {code} {where}", "record code", code)
        return self.file

    def require_group(self, fields: _Fields) -> _Group:
        group = self.require_file(fields).group
        if group is None:
            raise fields.error(f"record {fields.record.code} outside a group (no 02 header)",
                               "record code", fields.record.code)
        return group

    def require_account(self, fields: _Fields) -> _Account:
        account = self.require_group(fields).account
        if account is None:
            raise fields.error(f"record {fields.record.code} outside an account (no 03 record)",
                               "record code", fields.record.code)
        return account

    def open_group(self, fields: _Fields) -> None:
        file = self.require_file(fields)
        if file.group is not None:
            self.close_group(file, fields.line, missing=True)
        fields.next("ultimate receiver identification")
        originator = fields.next("originator identification")
        status = fields.next("group status")
        as_of_raw = fields.next("as-of date", required=True)
        as_of = _parse_date(fields, as_of_raw, "as-of date")
        fields.next("as-of time")
        currency = _parse_currency(fields, fields.next("currency code"), "currency code")
        if status not in ("", "1"):
            meaning = {"2": "deletion", "3": "correction", "4": "test only"}.get(status, "unknown")
            self.warn(f"group status {status} ({meaning}): not an ordinary update",
                      fields.line, "02", "group status", status)
        file.group = _Group(as_of=as_of, as_of_raw=as_of_raw, currency=currency, line=fields.line,
                            test_only=status == "4",
                            us_originator=bool(re.fullmatch(r"[0-9]{9}", originator or "")))
        file.groups += 1

    def close_account(self, group: _Group, line: int, *, missing: bool) -> None:
        account = group.account
        if account is None:
            return
        if missing:
            self.warn(f"account {account.number} has no 49 account trailer", line, "49")
        group.total += account.total
        group.account = None

    def close_group(self, file: _File, line: int, *, missing: bool) -> None:
        group = file.group
        if group is None:
            return
        self.close_account(group, line, missing=missing)
        if missing:
            self.warn(f"group as of {group.as_of_raw} has no 98 group trailer", line, "98")
        file.total += group.total
        file.group = None

    # -- records --------------------------------------------------------------------------

    def account(self, fields: _Fields) -> Statement:
        group = self.require_group(fields)
        if group.account is not None:
            self.close_account(group, fields.line, missing=True)
        number = fields.next("customer account number", required=True)
        if not number:
            raise fields.error("empty customer account number", "customer account number", number)
        own = _parse_currency(fields, fields.next("currency code"), "currency code")
        currency = own or group.currency
        if currency is None and group.us_originator:
            currency = "USD"
            self.warn("no currency code; USD assumed (the originator is an ABA routing number)",
                      fields.line, "03", "currency code", "")
        account = _Account(number=number, currency=currency, line=fields.line)
        group.account = account
        group.accounts += 1
        balances, opening, closing = self.summaries(fields, account, group)
        return Statement(
            id=self.statement_id(f"{group.as_of_raw}-{number}"),
            account=number,
            currency=currency,
            opening_balance=opening,
            closing_balance=closing,
            from_date=group.as_of,
            to_date=group.as_of,
            balances=tuple(balances),
        )

    def summaries(self, fields: _Fields, account: _Account, group: _Group
                  ) -> tuple[list[Balance], Decimal | None, Decimal | None]:
        balances: list[Balance] = []
        while not fields.exhausted():
            code = fields.next("type code")
            if code == "":
                continue  # a defaulted summary, or the empty field before a closing '/'
            if codes.classify(code) is None:
                raise fields.error("not a BAI2 type code (3 digits)", "type code", code)
            raw = fields.next("amount")
            _parse_count(fields, fields.next("item count"), "item count")
            _parse_funds(fields)
            if raw == "":
                continue
            units = _parse_units(fields, raw, "amount")
            account.total += units
            if codes.is_balance(code):
                amount = from_minor(units, account.currency)
                balances.append(Balance(code, amount, account.currency, group.as_of.isoformat()))
        by_code = {b.type: b.amount for b in balances}
        return balances, by_code.get("010"), by_code.get("015")

    def detail(self, fields: _Fields) -> Entry:
        account = self.require_account(fields)
        group = self.require_group(fields)
        line = fields.line
        code = fields.next("type code", required=True)
        info = codes.classify(code)
        if info is None:
            raise fields.error("not a BAI2 type code (3 digits)", "type code", code)
        raw = fields.next("amount", required=True)
        if raw == "" and code == codes.NON_MONETARY:
            raw = "0"
        units = _parse_units(fields, raw, "amount")
        account.total += units
        if units < 0:
            self.warn("negative amount on a 16 record; its direction is taken from the type code",
                      line, "16", "amount", raw)
        funds = _parse_funds(fields)
        bank_ref = fields.next("bank reference number") or None
        customer_ref = fields.next("customer reference number") or None
        first = fields.rest_of_segment()
        lines = [t for t in [first, *(s.text for s in fields.later_segments())] if t and t.strip()]
        lines = [t.strip() for t in lines]
        direction, status = self.direction(info, line, code)
        if group.test_only:
            status = EntryStatus.INFO
        currency = account.currency
        amount = from_minor(abs(units), currency)
        return Entry(
            amount=amount,
            currency=currency,
            direction=direction,
            status=status,
            booking_date=group.as_of,
            value_date=funds.value_date or group.as_of,
            bank_reference=bank_ref,
            reversal=code in codes.RETURN_CODES,
            kind=codes.kind_of(code),
            bank_code=code,
            additional_info=first.strip() if first and first.strip() else None,
            transactions=(
                self.transaction(code, amount, currency, direction, customer_ref, lines),
            ),
        )

    def direction(self, info: codes.TypeCode, line: int, code: str
                  ) -> tuple[Direction, EntryStatus]:
        if info.direction is None:
            if code != codes.NON_MONETARY:
                self.warn(f"type code {code} ({info.description}) has no direction; "
                          "reported as info", line, "16", "type code", code)
            return Direction.CREDIT, EntryStatus.INFO
        if codes.is_custom(code):
            self.warn(f"bank-defined type code {code}: direction {info.direction.value} taken from "
                      "the BAI range", line, "16", "type code", code)
        return info.direction, EntryStatus.BOOKED

    @staticmethod
    def transaction(code: str, amount: Decimal, currency: str | None, direction: Direction,
                    customer_ref: str | None, lines: list[str]) -> Transaction:
        tags = _tags(lines)
        party = _counterparty(tags, direction)
        text = "\n".join(lines)
        original = _ORIGINAL_REF.search(text)
        check = None
        if codes.kind_of(code) is Kind.CHECK:  # Goldman also puts CHKN on wires: not a check
            check = tags.get("CHKN") or (customer_ref if code in _CHECK_PAID_CODES else None)
        return Transaction(
            amount=amount,
            currency=currency,
            end_to_end_id=tags.get("EREF"),
            transaction_id=customer_ref,
            check_number=check,
            counterparty_name=party.name,
            counterparty_account=party.account,
            remittance=tuple(lines),
            return_info=_return_info(code, text, original.group(1) if original else None)
            if code in codes.RETURN_CODES
            else None,
        )

    # -- trailers -------------------------------------------------------------------------

    def controls(self, fields: _Fields, where: str, checks: list[tuple[str, str, int]]
                 ) -> int | None:
        """Compare a trailer's fields (read in order) with what the file holds.

        `checks` is (field name, what it counts, the actual value); the first field is the
        control total (signed, minor units, may be blank), the others are counts. Returns the
        reported control total, so that the level above adds up the trailers as sent.
        """
        reported_total: int | None = None
        for index, (name, what, actual) in enumerate(checks):
            raw = fields.next(name)
            if index == 0:
                reported = reported_total = _parse_units(fields, raw, name) if raw else None
            else:
                reported = _parse_count(fields, raw, name)
            if reported is not None and reported != actual:
                self.warn(f"{where} {what}: the trailer says {reported}, the file has {actual}",
                          fields.line, fields.record.code, name, raw)
        return reported_total

    def account_trailer(self, fields: _Fields) -> None:
        group, account = self.require_group(fields), self.require_account(fields)
        reported = self.controls(fields, f"account {account.number}", [
            ("account control total", "control total (sum of its 03 and 16 amounts)",
             account.total),
            ("number of records", "number of records", account.records),
        ])
        if reported is not None:
            account.total = reported
        self.close_account(group, fields.line, missing=False)

    def group_trailer(self, fields: _Fields) -> None:
        file, group = self.require_file(fields), self.require_group(fields)
        self.close_account(group, fields.line, missing=True)
        reported = self.controls(fields, f"group as of {group.as_of_raw}", [
            ("group control total", "control total (sum of its account totals)", group.total),
            ("number of accounts", "number of accounts", group.accounts),
            ("number of records", "number of records", group.records),
        ])
        if reported is not None:
            group.total = reported
        self.close_group(file, fields.line, missing=False)

    def file_trailer(self, fields: _Fields) -> None:
        file = self.require_file(fields)
        self.close_group(file, fields.line, missing=True)
        self.controls(fields, "file", [
            ("file control total", "control total (sum of its group totals)", file.total),
            ("number of groups", "number of groups", file.groups),
            ("number of records", "number of records", file.records),
        ])
        file.closed = True

    # -- dispatch -------------------------------------------------------------------------

    def feed(self, record: _Logical) -> Iterator[Record]:
        """Turn one logical record into records; counts include the record and its 88s."""
        fields = _Fields(record)
        code, n = record.code, len(record.segments)
        if self.file is None and code != "01":
            raise fields.error("a BAI2 file starts with a 01 file header", "record code", code)
        if code == "01":
            self.open_file(fields)
            self.require_file(fields).records = n
            return
        file = self.require_file(fields)
        file.records += n
        if code == "99":
            self.file_trailer(fields)
            return
        if code == "02":
            self.open_group(fields)
            self.require_group(fields).records = n
            return
        group = self.require_group(fields)
        group.records += n
        if code == "98":
            self.group_trailer(fields)
            return
        if code == "03":
            statement = self.account(fields)
            self.require_account(fields).records = n
            yield statement
            return
        self.require_account(fields).records += n
        if code == "16":
            yield self.detail(fields)
        elif code == "49":
            self.account_trailer(fields)


def iter_records(source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Record]:
    """Statements, entries and warnings of a BAI2 file, in file order."""
    parser = _Parser()
    last_line = 0
    for record in _logical_records(source, limits):
        last_line = record.segments[-1].line
        yield from parser.feed(record)
        yield from parser.drain()
    if parser.file is None:
        raise ParseError("empty file: no BAI2 records", line=1, field="content", value="")
    if not parser.file.closed:
        raise ParseError(
            "file ends without a 99 file trailer (truncated?)",
            line=last_line,
            record="99",
            field="record code",
            value=None,
        )


def detect(head: bytes) -> Format | None:
    """BAI2 when the first record is a 01 file header and a 02 group header follows."""
    text = head[len(_BOM) :] if head.startswith(_BOM) else head
    text = text.lstrip(b" \t\r\n")
    if not text.startswith(b"01,"):
        return None
    return Format.BAI2 if re.search(rb"(?:[\r\n]|/)[ ]*02,", text) else None
