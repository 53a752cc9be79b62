"""Read an invoice book file (`remit invoices import`, DESIGN.md §6): pure, no database.

    parse_book(data, name) -> Book(rows=[InvoiceRow...], errors=[RowError...], warnings=[...])

CSV with a header row, or JSON Lines with the same keys. Columns (header names are matched
case- and space-insensitively; unknown columns are ignored with one warning):

    required  invoice_number, customer_id, customer_name, currency, amount, issue_date
    optional  open_amount (default: amount), due_date (default: from the terms' net days),
              terms, po_number, customer_accounts (';'-separated IBAN / ABA routing:account),
              customer_aliases (';'-separated other names the customer pays under; an
              extension of the §6 contract), parent_customer_id (the customer's parent or
              group company, which may pay its invoices: reconcile.groups; an extension too)

An optional column that is absent (not in the CSV header, not a key of the JSON line) is
not the same as an empty one: an update keeps the stored value of an absent column (see
`InvoiceRow.given`), an empty one clears it.

A bad value rejects its row (a `RowError` naming row, column and value; every bad column of
the row is reported, not just the first); the other rows are unaffected. Only a file that
cannot be read at all (not UTF-8, no header, required columns missing, not JSON Lines)
raises `BookFileError`.

Row numbers are what a person opening the file sees: for CSV the spreadsheet row (the header
is row 1, blank rows count), for JSON Lines the line number.

Money is exact: plain decimal text with a decimal point ("1250.00", "1,250.00"), or a JSON
string or integer. Floats, exponents, decimal commas and more decimals than the currency
has are errors, never rounded.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from core.accounts import AccountError, normalize_account
from core.money import (
    MAX_AMOUNT_TEXT,
    AmountError,
    D,
    exponent,
    from_minor,
    is_currency,
    to_minor,
)
from core.terms import parse_terms
from reconcile.invoice_files import (
    COLUMNS,
    OPTIONAL,
    REQUIRED,
    BookFileError,
    JsonFloat,
    RowError,
    column_key,
    decode,
    describe,
    detect_format,
    read_csv,
    read_jsonl,
    shown,
)

__all__ = ["COLUMNS", "OPTIONAL", "REQUIRED", "Book", "BookFileError", "InvoiceRow", "RowError", "column_key",
           "describe", "detect_format", "parse_book", "parse_row"]

# Column sizes of the schema (ledger/models/): checked here so SQLite (which ignores
# VARCHAR lengths) and PostgreSQL (which enforces them) accept exactly the same rows.
MAX_LEN = {
    "invoice_number": 64,
    "customer_id": 64,
    "customer_name": 512,
    "terms": 64,
    "po_number": 64,
    "customer_accounts": 128,  # per account
    "customer_aliases": 512,  # per alias
    "parent_customer_id": 64,
}
MAX_INTEGER_DIGITS = 15  # 10^15 major units: far above any invoice, far below BIGINT minor units
LIST_SEPARATOR = ";"

_PLAIN_AMOUNT = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)  # ASCII: \d alone takes "١٢٣"
# Thousands separators only next to a decimal point: "1,250" alone could be 1.25 in a
# decimal-comma locale, so it is rejected rather than guessed.
_GROUPED_AMOUNT = re.compile(r"^\d{1,3}(?:,\d{3})+\.\d+$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One valid row of the invoice book. Money in integer minor units of `currency`."""

    row: int
    invoice_number: str
    customer_id: str
    customer_name: str
    currency: str
    amount_minor: int
    open_minor: int
    issue_date: date
    due_date: date | None = None
    terms: str | None = None  # as written, known to core.terms or not
    po_number: str | None = None
    accounts: tuple[str, ...] = ()  # normalized (core.accounts)
    aliases: tuple[str, ...] = ()
    parent_id: str | None = None  # parent_customer_id; empty = no parent
    # Optional columns this row actually carries (a CSV header's columns, a JSON line's keys;
    # due_date also when derived from the terms). An update leaves the others as stored: an
    # export without a po_number column must not wipe every PO. Present-but-empty clears.
    given: frozenset[str] = frozenset(OPTIONAL)

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency)

    @property
    def open_amount(self) -> Decimal:
        return from_minor(self.open_minor, self.currency)

    def content(self) -> tuple[Any, ...]:
        """Everything but the row number: two rows with equal content say the same thing."""
        return (self.invoice_number, self.customer_id, self.customer_name, self.currency,
                self.amount_minor, self.open_minor, self.issue_date, self.due_date, self.terms,
                self.po_number, self.accounts, self.aliases, self.parent_id, self.given)


@dataclass(frozen=True, slots=True)
class Book:
    """A parsed invoice book: the valid rows, the rejected values, and warnings."""

    format: str  # "csv" | "jsonl"
    rows_read: int  # data rows seen (blank ones not counted)
    rows: tuple[InvoiceRow, ...]
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- one row


@dataclass
class _RowReader:
    """Validates the raw values of one row, collecting every error rather than the first."""

    row: int
    raw: Mapping[str, object]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fail(self, column: str | None, value: object, message: str) -> None:
        self.errors.append(RowError(self.row, column, shown(value), message))

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.raw.get(column)
        if type(value) is str:  # every CSV value: the short way (a book has millions of them)
            text = value.strip()
            if not text:
                if required:
                    self.fail(column, value, "required, but missing or empty")
                return None
            return self._checked_text(column, text)
        if _blank(value):
            if required:
                self.fail(column, value, "required, but missing or empty")
            return None
        if isinstance(value, (bool, JsonFloat)) or not isinstance(value, (str, int)):
            # JSON Lines only; an identifier sent as 10421.0 has already lost information.
            self.fail(column, value, "expected text")
            return None
        return self._checked_text(column, str(value).strip())

    def _checked_text(self, column: str, text: str) -> str | None:
        if "\x00" in text:  # PostgreSQL cannot store NUL (SQLite would): a row error on both
            self.fail(column, text, "contains a NUL character (\\u0000)")
            return None
        limit = MAX_LEN.get(column)
        if limit is not None and len(text) > limit:
            self.fail(column, text, f"longer than {limit} characters")
            return None
        return text

    def currency(self) -> str | None:
        text = self.text("currency", required=True)
        if text is None:
            return None
        if not (_CURRENCY.match(text) and is_currency(text.upper())):
            self.fail("currency", text, "not an ISO 4217 currency code (three letters, e.g. EUR)")
            return None
        return text.upper()

    def amount(self, column: str, currency: str | None, *, required: bool) -> int | None:
        """Integer minor units, or None (absent, or an error was recorded)."""
        value = self.raw.get(column)
        if _blank(value):
            if required:
                self.fail(column, value, "required, but missing or empty")
            return None
        if isinstance(value, JsonFloat):
            self.fail(column, str(value),
                      "a JSON number with a decimal point or exponent is a float: send money as a "
                      'string ("1250.00") or as an integer')
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(column, value, "expected an amount")
            return None
        text = str(value).strip()
        if text.startswith("-"):
            self.fail(column, text, "negative amounts are not invoices (credit notes are not imported)")
            return None
        if not (_PLAIN_AMOUNT.match(text) or _GROUPED_AMOUNT.match(text)):
            self.fail(column, text,
                      "not a plain decimal amount: digits with a decimal point, e.g. 1250.00 "
                      "(no exponent, no decimal comma, no currency sign)")
            return None
        plain = text.replace(",", "")
        whole, _, fraction = plain.partition(".")
        if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
            self.fail(column, text, "too large")
            return None
        if currency is None:
            return None  # the currency's own error is reported; precision cannot be judged
        places = exponent(currency)
        if len(fraction) == places:  # the usual "1250.00": exact as it stands, no Decimal needed
            return int(whole + fraction)
        if len(plain) > MAX_AMOUNT_TEXT:
            self.fail(column, text, f"longer than {MAX_AMOUNT_TEXT} characters")
            return None
        try:
            return to_minor(D(plain), currency)
        except AmountError:
            self.fail(column, text, f"{currency} has {places} decimal place(s); amounts are never rounded")
            return None

    def date(self, column: str, *, required: bool) -> date | None:
        text = self.text(column, required=required)
        if text is None:
            return None
        day = _iso_date(text)
        if day is None:
            self.fail(column, text, "not a date in ISO form YYYY-MM-DD")
        return day

    def items(self, column: str) -> list[str]:
        """A ';'-separated list (or, in JSON Lines, a list of strings); blanks dropped."""
        value = self.raw.get(column)
        if value is None:
            return []
        if isinstance(value, str):
            parts = value.split(LIST_SEPARATOR)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            parts = list(value)
        else:
            self.fail(column, value, "expected ';'-separated text or a list of strings")
            return []
        if any("\x00" in p for p in parts):
            self.fail(column, value, "contains a NUL character (\\u0000)")
            return []
        return [p.strip() for p in parts if p.strip()]

    def accounts(self) -> tuple[str, ...]:
        found: list[str] = []
        limit = MAX_LEN["customer_accounts"]
        for item in self.items("customer_accounts"):
            account, error = _normalized_account(item)
            if error is not None:
                self.fail("customer_accounts", item, error)
                continue
            if account is None:
                continue
            if len(account) > limit:
                self.fail("customer_accounts", item, f"longer than {limit} characters")
            elif account not in found:
                found.append(account)
        return tuple(found)

    def aliases(self, customer_name: str | None) -> tuple[str, ...]:
        found: list[str] = []
        limit = MAX_LEN["customer_aliases"]
        for item in self.items("customer_aliases"):
            alias = re.sub(r"\s+", " ", item)
            if len(alias) > limit:
                self.fail("customer_aliases", item, f"longer than {limit} characters")
            # The customer's own name is matched anyway: storing it again adds nothing.
            elif alias not in found and alias.casefold() != (customer_name or "").casefold():
                found.append(alias)
        return tuple(found)


# A book repeats a customer's accounts on each of its invoices, and uses a handful of terms:
# validating each distinct value once keeps a 500k-row book's parse linear and cheap.
@lru_cache(maxsize=65536)
def _normalized_account(item: str) -> tuple[str | None, str | None]:
    """(normalized account, None) or (None, the reason it is refused)."""
    try:
        return normalize_account(item), None
    except AccountError as error:
        return None, str(error)


_cached_terms = lru_cache(maxsize=4096)(parse_terms)
_T = TypeVar("_T")


@lru_cache(maxsize=65536)
def _shared(value: _T) -> _T:
    """The first of equal (immutable) values, for later rows to share."""
    return value


@lru_cache(maxsize=65536)
def _iso_date(text: str) -> date | None:
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _net_due(terms_text: str, issue: date) -> date | None:
    return _cached_terms(terms_text)[0].net_due(issue)


def parse_row(
    row: int, raw: Mapping[str, object]
) -> tuple[InvoiceRow | None, list[RowError], list[str]]:
    """Validate one row's values (keys already normalized by `column_key`)."""
    r = _RowReader(row, raw)
    number = r.text("invoice_number", required=True)
    customer_id = r.text("customer_id", required=True)
    customer_name = r.text("customer_name", required=True)
    currency = r.currency()
    amount = r.amount("amount", currency, required=True)
    open_minor = r.amount("open_amount", currency, required=False)
    issue = r.date("issue_date", required=True)
    due = r.date("due_date", required=False)
    terms_text = r.text("terms")
    po_number = r.text("po_number")
    accounts = r.accounts()
    aliases = r.aliases(customer_name)
    parent_id = r.text("parent_customer_id")
    if parent_id is not None and parent_id == customer_id:
        r.fail("parent_customer_id", parent_id, "a customer cannot be its own parent")

    if open_minor is None and _blank(raw.get("open_amount")) and amount is not None:
        open_minor = amount  # an AR export without balances: the invoice is wholly open
    if amount is not None and open_minor is not None and open_minor > amount:
        r.fail("open_amount", raw.get("open_amount"),
               f"more than the invoice amount ({from_minor(amount, currency)})")

    given = {c for c in OPTIONAL if c in raw}
    if terms_text is not None:
        _, warning = _cached_terms(terms_text)
        if warning:
            r.warnings.append(describe(row, "terms", terms_text,
                                       "unknown payment terms, kept as text: no early-payment "
                                       "discount and no due date derived from them"))
        if due is None and issue is not None:
            due = _net_due(terms_text, issue)
            if due is not None:
                given.add("due_date")
    if issue is not None and due is not None and due < issue:
        r.fail("due_date", raw.get("due_date") or due.isoformat(),
               f"before the issue date {issue.isoformat()}")

    if r.errors:
        return None, r.errors, r.warnings
    assert number and customer_id and customer_name and currency and issue
    assert amount is not None and open_minor is not None
    # A customer's id, name, accounts and terms repeat on each of its rows: one copy each
    # (a 500k-row book would otherwise hold half a million copies of a few thousand values).
    return (
        InvoiceRow(row=row, invoice_number=number, customer_id=sys.intern(customer_id),
                   customer_name=sys.intern(customer_name), currency=sys.intern(currency),
                   amount_minor=amount, open_minor=open_minor, issue_date=issue, due_date=due,
                   terms=None if terms_text is None else sys.intern(terms_text), po_number=po_number,
                   accounts=_shared(accounts), aliases=_shared(aliases),
                   parent_id=None if parent_id is None else sys.intern(parent_id),
                   given=_shared(frozenset(given))),
        [],
        r.warnings,
    )


# --------------------------------------------------------------------------- files


def _duplicates(rows: list[InvoiceRow]) -> tuple[list[InvoiceRow], list[RowError], list[str]]:
    """One invoice number twice: identical rows are harmless (a warning), differing ones are
    ambiguous, so every occurrence is rejected rather than letting file order pick a winner."""
    by_number: dict[str, list[InvoiceRow]] = defaultdict(list)
    for r in rows:
        by_number[r.invoice_number].append(r)
    errors: list[RowError] = []
    warnings: list[str] = []
    rejected: set[int] = set()
    for number, group in by_number.items():
        if len(group) < 2:
            continue
        where = ", ".join(str(r.row) for r in group)
        if len({r.content() for r in group}) == 1:
            warnings.extend(
                describe(r.row, "invoice_number", number, f"repeats row {group[0].row} exactly")
                for r in group[1:])
            continue
        for r in group:
            rejected.add(r.row)
            errors.append(RowError(
                r.row, "invoice_number", number,
                f"appears in rows {where} with different values: none of them imported"))
    return [r for r in rows if r.row not in rejected], errors, warnings


def _renamed_customers(rows: list[InvoiceRow]) -> list[str]:
    """A customer named differently in one file: the rows are imported in order, so the last
    name wins — worth saying, since it is usually an export mistake."""
    names: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        names[r.customer_id].setdefault(r.customer_name, r.row)
    warnings = []
    for customer_id, seen in names.items():
        if len(seen) > 1:
            last = next(r.customer_name for r in reversed(rows) if r.customer_id == customer_id)
            listed = "; ".join(f"{n!r} (row {row})" for n, row in seen.items())
            warnings.append(f"customer {customer_id} has {len(seen)} names in this file: {listed}; "
                            f"the last, {last!r}, is kept")
    return warnings


def parse_book(data: bytes, name: str = "", *, format: str | None = None) -> Book:
    """Parse a whole invoice book. Raises BookFileError only when nothing can be read."""
    text = decode(data)
    fmt = format or detect_format(name, text)
    if fmt not in ("csv", "jsonl"):
        raise BookFileError(f"unknown invoice book format {fmt!r}: csv or jsonl")
    unreadable: list[RowError] = []  # rows the reader could not split into values
    file_warnings: list[str] = []
    read = read_csv if fmt == "csv" else read_jsonl
    errors: list[RowError] = []
    warnings: list[str] = []
    good: list[InvoiceRow] = []
    parsed = 0
    for number, raw in read(text, unreadable, file_warnings):
        parsed += 1
        row, row_errors, row_warnings = parse_row(number, raw)
        errors.extend(row_errors)
        warnings.extend(row_warnings)
        if row is not None:
            good.append(row)
    good, dup_errors, dup_warnings = _duplicates(good)
    errors.extend(dup_errors)
    errors.extend(unreadable)
    warnings = [*file_warnings, *warnings, *dup_warnings, *_renamed_customers(good)]
    rows_read = parsed + len({e.row for e in unreadable})  # bad JSON, shifted CSV
    return Book(format=fmt, rows_read=rows_read, rows=tuple(good),
                errors=tuple(sorted(errors, key=lambda e: e.row)), warnings=tuple(warnings))
