"""An invoice book as a file (`remit invoices import`, DESIGN.md §6): its text, its format,
its records (CSV or JSON Lines) read one at a time, its columns, and the error type every
problem with a row is reported in. reconcile/invoice_rows.py validates the rows' values.

Streaming on purpose: a 500k-row book is never held as a list of records or raw rows, and
its text is never copied whole (no StringIO, no split of the whole text).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

REQUIRED = ("invoice_number", "customer_id", "customer_name", "currency", "amount", "issue_date")
OPTIONAL = ("open_amount", "due_date", "terms", "po_number", "customer_accounts", "customer_aliases",
            "parent_customer_id")
COLUMNS = REQUIRED + OPTIONAL

SHOWN_VALUE_CHARS = 200  # a hostile file must not turn one error into a megabyte of output


class BookFileError(ValueError):
    """The file as a whole cannot be read: nothing in it may be imported."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad value: the row it is in, its column (None for the row as a whole), the value."""

    row: int
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        return describe(self.row, self.column, self.value, self.message)

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


def describe(row: int, column: str | None, value: str | None, message: str) -> str:
    """'row N, column C = 'V': message' — the one wording of errors and warnings."""
    where = f"row {row}"
    if column:
        where += f", column {column}"
        if value is not None:
            where += f" = {value!r}"
    return f"{where}: {message}"


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its (key, value) pairs, in order, duplicates kept."""


class JsonFloat(str):
    """A JSON number with a fraction or exponent, kept as its text so it can be refused."""


def shown(value: object) -> str | None:
    """A value as the error message shows it (JSON values as JSON, long text cut short)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 3] + "..."


def column_key(name: str) -> str:
    """'Invoice Number', ' invoice_number ', 'INVOICE-NUMBER' -> 'invoice_number'."""
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError as error:
        raise BookFileError(
            f"not UTF-8 text (byte {error.start}): save the file as UTF-8 (e.g. Excel 'CSV UTF-8')"
        ) from None


def detect_format(name: str, text: str) -> str:
    """'jsonl' or 'csv', from the file name, else from the first character."""
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return "jsonl" if _OBJECT_START.match(text) else "csv"


# text.lstrip().startswith(...) without copying a whole book (\s is str.isspace's whitespace).
_OBJECT_START = re.compile(r"\s*[{\[]")
_ARRAY_START = re.compile(r"\s*\[")


def _unknown_columns_warning(unknown: set[str]) -> str:
    return f"ignored unknown column(s): {', '.join(sorted(unknown))}"


def _csv_dialect(header_line: str) -> str:
    """The delimiter: ',' unless the header plainly uses ';' or tabs (European Excel, TSV)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


# Line ends as io.StringIO(newline="") splits them (\n, \r, \r\n), without copying the text:
# a 500k-row book is read one record at a time, never held as a list of records.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str) -> Iterator[str]:
    return (m.group() for m in _LINE.finditer(text))


def _split(text: str, sep: str) -> Iterator[str]:
    """text.split(sep), one piece at a time."""
    start = 0
    while (end := text.find(sep, start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def read_csv(text: str, errors: list[RowError], warnings: list[str]) -> Iterator[tuple[int, dict[str, object]]]:
    """(row number, values by column) of each data row, read as they are consumed; rows
    that cannot be read go to `errors`, file-wide remarks to `warnings`."""
    end = text.find("\n")
    reader = csv.reader(_lines(text), delimiter=_csv_dialect(text if end < 0 else text[:end]))

    def records() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as error:
            raise BookFileError(f"not a readable CSV file (record {reader.line_num}): {error}") from None

    stream = records()
    first = next(stream, None)
    if first is None or not any(c.strip() for c in first):
        raise BookFileError("empty file: expected a header row naming the columns")
    header = [column_key(c) for c in first]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise BookFileError(f"column(s) named twice in the header: {', '.join(duplicated)}")
    _require_columns(set(header))
    unknown = {h for h in header if h and h not in COLUMNS}
    if unknown:
        warnings.append(_unknown_columns_warning(unknown))
    for number, record in enumerate(stream, start=2):
        if not any(c.strip() for c in record):
            continue  # blank line, or a spreadsheet's trailing ",,,,"
        if len(record) != len(header):
            # A stray delimiter (an unquoted "Contoso, Ltd") shifts every later value into the
            # wrong column: never guess which one moved.
            errors.append(RowError(number, None, shown(",".join(record)),
                                   f"{len(record)} fields, the header has {len(header)} "
                                   "(a value with an unquoted delimiter?)"))
            continue
        yield number, {h: v for h, v in zip(header, record) if h in COLUMNS}


def _require_columns(present: set[str]) -> None:
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        raise BookFileError(
            f"required column(s) missing from the header: {', '.join(missing)} "
            f"(expected: {', '.join(COLUMNS)})"
        )


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def read_jsonl(text: str, errors: list[RowError], warnings: list[str]) -> Iterator[tuple[int, dict[str, object]]]:
    """As _read_csv, for JSON Lines."""
    if _ARRAY_START.match(text):
        raise BookFileError("a JSON array: expected JSON Lines (one invoice object per line)")
    read = 0
    unknown: set[str] = set()
    # split("\n"), not splitlines(): U+2028 and friends may stand unescaped inside JSON strings.
    for number, line in enumerate(_split(text, "\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            # Pairs, not a dict: json.loads would silently keep the last of two equal keys.
            obj = json.loads(line, parse_float=JsonFloat, parse_constant=_reject_constant,
                             object_pairs_hook=_Pairs)
        except ValueError as error:
            errors.append(RowError(number, None, shown(line), f"not valid JSON: {error}"))
            continue
        if not isinstance(obj, _Pairs):
            errors.append(RowError(number, None, shown(line), "expected a JSON object"))
            continue
        values: dict[str, object] = {}
        twice: list[str] = []
        for key, value in obj:
            k = column_key(key)
            if k in values:
                twice.append(k)
            elif k in COLUMNS:
                values[k] = value
            else:
                unknown.add(k)
        if twice:
            errors.extend(RowError(number, k, None, "key given twice (keys ignore case and spaces)")
                          for k in twice)
            continue
        read += 1
        yield number, values  # absent required keys are reported by parse_row
    if not read and not errors:
        raise BookFileError("empty file: expected one JSON object per line")
    if unknown:
        warnings.append(_unknown_columns_warning(unknown))
