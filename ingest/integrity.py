"""Statement integrity: does a statement add up, and does it follow on from the last one?

Two checks, each only where the bank gave the figures:

  * balance: opening balance + booked credits − booked debits = closing balance — made by
    the parsers, which know their format's balance codes (camt OPBD/PRCD/CLBD and entries
    valued after the closing date, BAI2 010/015 else 040/045): a ParseWarning marked
    `integrity` (OFX gives no opening balance, lockbox and NACHA no balances at all);
  * continuity: the opening balance equals the closing balance of the latest earlier
    statement of the same account in another file (a gap or a repeat of bookings in between
    shows there) — made by the store, which sees the statements already stored.

  * sequence: the bank's statement numbers (camt ElctrncSeqNb / LglSeqNb, BAI2 file id)
    without a gap or a repeat — ingest/sequences.py.

A failure is a warning on the file, `statement integrity: ...`, naming statement, account and
both figures, and a statement check (ledger.models.StatementCheck) that waits for a person;
with REMIT_STATEMENT_INTEGRITY=reject the file is refused instead (nothing of it stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.errors import ParseError, ParseWarning
from core.money import format_amount
from core.records import Statement
from ledger.repositories import statement_checks

PREFIX = "statement integrity: "


@dataclass(frozen=True)
class Failure:
    """A failed check: the file's warning and the statement check a person reviews."""

    kind: str  # balance | continuity | sequence
    message: str  # starts with PREFIX
    expected: str | None = None
    found: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def balance_failure(warning: ParseWarning) -> Failure:
    """The parser's balance check (a ParseWarning marked `integrity`)."""
    expected, found = warning.figures or (None, warning.value)
    return Failure("balance", PREFIX + str(warning), expected, found)


def continuity_problem(label: str, statement: Statement, previous: tuple[str | None, Decimal] | None) -> Failure | None:
    """The opening balance against the previous statement's closing (id, balance) of the account."""
    if previous is None or statement.opening_balance is None:
        return None
    previous_id, closing = previous
    if statement.opening_balance == closing:
        return None
    return Failure(
        "continuity",
        f"{PREFIX}{label}: opening balance {format_amount(statement.opening_balance)} is not the closing "
        f"balance {format_amount(closing)} of the previous statement {previous_id or '(no id)'} of the "
        f"account (difference {format_amount(statement.opening_balance - closing)})",
        expected=format_amount(closing), found=format_amount(statement.opening_balance),
        detail={"previous_statement": previous_id,
                "from_date": statement.from_date.isoformat() if statement.from_date else None})


def resolve_bridged(session: Session, statement: Statement, *, file_id: int, actor: str) -> None:
    """Resolve the account's open continuity checks this statement fills: it ends before the
    flagged statement begins and closes at the flagged statement's opening balance (the
    statement that was missing arrived late)."""
    if not statement.account or statement.closing_balance is None or statement.to_date is None:
        return
    closing = format_amount(statement.closing_balance)
    for check_id, detail in statement_checks.open_of_kind(session, "continuity", statement.account):
        flagged = detail.get("from_date")
        check = statement_checks.get(session, check_id)
        if check is None or check.found != closing or not flagged or statement.to_date >= date.fromisoformat(flagged):
            continue
        statement_checks.close(session, check_id, status="resolved", actor=actor, resolution=(
            f"the statement in between arrived: {statement.id or '(no id)'} in file {file_id} closes at {closing}"))


def label_of(seq: int, statement: Statement) -> str:
    parts = [p for p in (statement.id, f"account {statement.account}" if statement.account else None) if p]
    return f"statement {seq}" + (f" ({', '.join(parts)})" if parts else "")


def refuse(message: str, seq: int) -> ParseError:
    return ParseError(message.removeprefix(PREFIX) + " (REMIT_STATEMENT_INTEGRITY=reject)",
                      record=f"statement {seq}")
