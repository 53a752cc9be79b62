"""Errors and warnings that name where they happened.

    RemitError            carries its HTTP meaning (`status_code`), as polar's PolarError does:
     │                    api/problems.py answers any of them as a problem response
     ├── NotFound         404: no such payment, invoice, dispute, plan, ...
     ├── Conflict         409: refused by the state of the book (over-application, paid, stale)
     ├── Invalid          422: input that can never work (an unknown reason, a bad amount)
     ├── ParseError       422: a file that cannot be read (fatal for that file)
     └── LimitExceeded    a file that breaks a safety limit (size, depth, lines)

Warnings are values (`ParseWarning`), yielded by parsers beside the records they concern.
Every message names the file, the record or line, the field and the offending value.
"""

from __future__ import annotations

from dataclasses import dataclass


def _where(
    file: str | None, line: int | None, record: str | None, field: str | None, value: str | None
) -> str:
    parts = []
    if file:
        parts.append(file)
    if line is not None:
        parts.append(f"line {line}")
    if record:
        parts.append(f"record {record}")
    if field:
        shown = value if value is None or len(value) <= 60 else value[:57] + "..."
        parts.append(f"field {field}" + ("" if value is None else f" = {shown!r}"))
    return ", ".join(parts)


class RemitError(Exception):
    """Base of remit's own exceptions; `status_code` is what it means over HTTP."""

    status_code = 500


class NotFound(RemitError):
    status_code = 404


class Conflict(RemitError):
    status_code = 409


class Invalid(RemitError, ValueError):
    status_code = 422


class ParseError(RemitError):
    """A bank file that cannot be parsed. Carries its location for the rejection message."""

    status_code = 422

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.record = record
        self.field = field
        self.value = value

    def with_file(self, file: str) -> "ParseError":
        if self.file is None:
            self.file = file
        return self

    def __str__(self) -> str:
        where = _where(self.file, self.line, self.record, self.field, self.value)
        return f"{where}: {self.message}" if where else self.message


class LimitExceeded(ParseError):
    """A safety limit was hit (file size, XML depth, text size, line count)."""


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something odd but survivable in a file: a control-total mismatch, an unknown code."""

    message: str
    line: int | None = None
    record: str | None = None
    field: str | None = None
    value: str | None = None
    # A statement that does not add up (its balances against its entries): the ingest layer
    # flags the file, or refuses it under REMIT_STATEMENT_INTEGRITY=reject (ingest/integrity.py).
    integrity: bool = False
    # With `integrity`: (expected, found) — the figure the statement should show and the one it
    # shows, as amounts — for the review item the check raises.
    figures: tuple[str, str] | None = None
    # The bank reference prefix of payments the file says must not be applied (a lockbox batch
    # out of balance): stored, then sent to review at ingest (ingest/held.py).
    hold: str | None = None

    def __str__(self) -> str:
        where = _where(None, self.line, self.record, self.field, self.value)
        return f"{where}: {self.message}" if where else self.message
