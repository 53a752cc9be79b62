"""Read a customer file (`remit customers import`, DESIGN.md §6): pure, no database.

    parse_customers(data, name) -> CustomerFile(rows=[CustomerRow...], errors=[RowError...])

CSV with a header row, or JSON Lines with the same keys (header names and keys match case-
and space-insensitively, as in the invoice book: reconcile.invoice_files):

    required  customer_id, name, email (the column must be there; an empty value means the
              customer has no address: its email reminders are recorded undeliverable)
    optional  phone, segment (picks a dunning policy), parent_id (the parent or group company:
              in this file or already known), accounts (IBAN, ABA routing:account, ... —
              ';'-separated in CSV, a list or ';'-separated text in JSON Lines)

An optional column that is absent keeps what is stored; present but empty clears it
(`accounts` empty: no imported accounts; learned ones always stay).

Line numbers are what a person opening the file sees: the header is line 1 and blank lines
count; for JSON Lines the line number. Every bad value of a row is reported (line, column,
value), not just the first; the caller stores nothing while there is any.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.accounts import AccountError, normalize_account
from ledger.models import Customer, CustomerAccount
from receivables.segments import SEGMENT_RULE, segment_ok
from reconcile.invoice_files import BookFileError, RowError, column_key, decode, detect_format, shown

__all__ = ["COLUMNS", "CustomerFile", "CustomerRow", "RowError", "BookFileError", "check_email",
           "parse_customers", "parse_records"]

REQUIRED = ("customer_id", "name", "email")
OPTIONAL = ("phone", "segment", "parent_id", "accounts")
COLUMNS = REQUIRED + OPTIONAL
LIST_SEPARATOR = ";"
MAX_ROWS = 1_000_000

MAX_LEN = {
    "customer_id": Customer.__table__.c.id.type.length,
    "name": Customer.__table__.c.name.type.length,
    "email": Customer.__table__.c.email.type.length,
    "phone": Customer.__table__.c.phone.type.length,
    "parent_id": Customer.__table__.c.id.type.length,
    "accounts": CustomerAccount.__table__.c.account.type.length,  # per account
}

# A light check, not RFC 5322: one @, a local part without spaces or the characters that
# break an address header, a domain of dot-separated DNS labels with a top-level name.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}$", re.ASCII)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{2,62}$", re.ASCII)


def check_email(text: str) -> str | None:
    """Why `text` is not an address reminders can go to, or None when it looks like one."""
    local = text.rpartition("@")[0]
    if not _EMAIL.match(text) or local.startswith(".") or local.endswith(".") or ".." in local:
        return "not an e-mail address (name@example.com)"
    if len(local) > 64:
        return "the part before @ is longer than 64 characters"
    return None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    line: int
    customer_id: str
    name: str
    email: str | None
    phone: str | None = None
    segment: str | None = None
    parent_id: str | None = None
    accounts: tuple[str, ...] = ()  # normalized (core.accounts), in file order, no repeats
    given: frozenset[str] = frozenset(OPTIONAL)  # optional columns this row carries


@dataclass
class CustomerFile:
    format: str  # csv | jsonl
    rows: list[CustomerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len({e.row for e in self.errors})


def parse_customers(data: bytes, name: str, *, format: str | None = None) -> CustomerFile:
    """The file's rows and every error in it. Raises BookFileError when the file as a whole
    cannot be read (not UTF-8, no header, a required column missing, a JSON array)."""
    text = decode(data)
    fmt = format or detect_format(name, text)
    out = CustomerFile(format=fmt)
    records = _csv(text, out) if fmt == "csv" else _jsonl(text, out)
    parse_records(records, out)
    return out


def parse_records(records: Iterator[tuple[int, dict[str, Any]]], out: CustomerFile) -> None:
    """Validate (line, values) records into `out`; also the API's JSON list."""
    first_line: dict[str, int] = {}
    for line, raw in records:
        row = _row(line, raw, out.errors)
        if row is None:
            continue
        if row.customer_id in first_line:
            out.errors.append(RowError(line, "customer_id", row.customer_id,
                                       f"given twice: first on line {first_line[row.customer_id]}"))
            continue
        first_line[row.customer_id] = line
        out.rows.append(row)
        if len(out.rows) > MAX_ROWS:
            raise BookFileError(f"more than {MAX_ROWS} customers: split the file")


def _text(line: int, raw: dict[str, Any], column: str, errors: list[RowError], *,
          required: bool = False) -> str | None:
    value = raw.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(RowError(line, column, shown(value), "required, but missing or empty"))
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.append(RowError(line, column, shown(value), "expected text"))
        return None
    text = str(value).strip()
    if "\x00" in text:
        errors.append(RowError(line, column, shown(text), "contains a NUL character (\\u0000)"))
        return None
    if not _utf8(text):
        errors.append(RowError(line, column, shown(text.encode("utf-8", "replace").decode()),
                               "contains an unpaired surrogate (not text)"))
        return None
    limit = MAX_LEN.get(column)
    if limit is not None and column != "accounts" and len(text) > limit:
        errors.append(RowError(line, column, shown(text), f"longer than {limit} characters"))
        return None
    return text


def _accounts(line: int, raw: dict[str, Any], errors: list[RowError]) -> tuple[str, ...]:
    value = raw.get("accounts")
    if value is None:
        return ()
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split(LIST_SEPARATOR)
    else:
        errors.append(RowError(line, "accounts", shown(value), "expected a list or ';'-separated text"))
        return ()
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            errors.append(RowError(line, "accounts", shown(item), "expected text"))
            continue
        if not item.strip():
            continue
        if not _utf8(item):
            errors.append(RowError(line, "accounts", None, "contains an unpaired surrogate (not text)"))
            continue
        try:
            account = normalize_account(item)
        except AccountError as error:
            errors.append(RowError(line, "accounts", shown(item), str(error)))
            continue
        if account is None:
            continue
        if len(account) > MAX_LEN["accounts"] or "\x00" in account:
            errors.append(RowError(line, "accounts", shown(item), "not an account (too long or a NUL)"))
            continue
        if account not in out:
            out.append(account)
    return tuple(out)


def _row(line: int, raw: dict[str, Any], errors: list[RowError]) -> CustomerRow | None:
    before = len(errors)
    for column in REQUIRED:
        if column not in raw:
            errors.append(RowError(line, column, None, "required column missing"))
    cid = _text(line, raw, "customer_id", errors, required=True)
    name = _text(line, raw, "name", errors, required=True)
    email = _text(line, raw, "email", errors)
    if email is not None and (why := check_email(email)):
        errors.append(RowError(line, "email", shown(email), why))
    phone = _text(line, raw, "phone", errors)
    if phone is not None and not _PHONE.match(phone):
        errors.append(RowError(line, "phone", shown(phone), "not a phone number (digits, spaces, + ( ) . / -)"))
    segment = _text(line, raw, "segment", errors)
    if segment is not None and not segment_ok(segment):
        errors.append(RowError(line, "segment", shown(segment), f"a segment is {SEGMENT_RULE}"))
    parent = _text(line, raw, "parent_id", errors)
    if parent is not None and parent == cid:
        errors.append(RowError(line, "parent_id", shown(parent), "a customer cannot be its own parent"))
    accounts = _accounts(line, raw, errors)
    if len(errors) > before or cid is None or name is None:
        return None
    return CustomerRow(line, cid, name, email, phone, segment,
                       parent, accounts, frozenset(c for c in OPTIONAL if c in raw))


# -- the two file formats ---------------------------------------------------------------------


def _csv(text: str, out: CustomerFile) -> Iterator[tuple[int, dict[str, Any]]]:
    # Line ends as CSV knows them (\n, \r, \r\n): str.splitlines would also cut at \x85,
    # \u2028 and friends, which may stand inside a quoted name.
    lines = _LINE.findall(text)
    if not lines or not lines[0].strip():
        raise BookFileError("empty file: expected a header row naming the columns "
                            f"({', '.join(COLUMNS)})")
    header_line = lines[0]
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = [column_key(c) for c in next(reader)]
    except csv.Error as error:
        raise BookFileError(f"not a readable CSV file (line 1): {error}") from None
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise BookFileError(f"column(s) named twice in the header: {', '.join(twice)}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BookFileError(f"required column(s) missing from the header: {', '.join(missing)} "
                            f"(expected: {', '.join(COLUMNS)})")
    unknown = sorted({h for h in header if h and h not in COLUMNS})
    if unknown:
        out.warnings.append(f"ignored unknown column(s): {', '.join(unknown)}")

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        line = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise BookFileError(f"not a readable CSV file (line {reader.line_num}): {error}") from None
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in record):
                continue
            if len(record) != len(header):
                out.errors.append(RowError(start, None, shown(delimiter.join(record)),
                                           f"{len(record)} fields, the header has {len(header)} "
                                           "(a value with an unquoted delimiter?)"))
                continue
            yield start, {h: v for h, v in zip(header, record, strict=True) if h in COLUMNS}

    return records()


def _jsonl(text: str, out: CustomerFile) -> Iterator[tuple[int, dict[str, Any]]]:
    if text.lstrip().startswith("["):
        raise BookFileError("a JSON array: expected JSON Lines (one customer object per line)")
    unknown: set[str] = set()
    seen = False
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        seen = True
        try:
            obj = json.loads(line, parse_float=lambda s: s, parse_constant=_no_constant)
        except ValueError as error:
            out.errors.append(RowError(number, None, shown(line), f"not valid JSON: {error}"))
            continue
        if not isinstance(obj, dict):
            out.errors.append(RowError(number, None, shown(line), "expected a JSON object"))
            continue
        values = {}
        for key, value in obj.items():
            k = column_key(str(key))
            if k in COLUMNS:
                values[k] = value
            else:
                unknown.add(k)
        yield number, values
    if not seen:
        raise BookFileError("empty file: expected one JSON object per line")
    if unknown:
        out.warnings.append(f"ignored unknown key(s): {', '.join(sorted(unknown))}")


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")
