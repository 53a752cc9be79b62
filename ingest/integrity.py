"""Statement integrity: does a statement add up, and does it follow on from the last one?

Two checks, each only where the bank gave the figures:

  * balance: opening balance + booked credits − booked debits = closing balance — made by
    the parsers, which know their format's balance codes (camt OPBD/PRCD/CLBD and entries
    valued after the closing date, BAI2 010/015 else 040/045): a ParseWarning marked
    `integrity` (OFX gives no opening balance, lockbox and NACHA no balances at all);
  * continuity: the opening balance equals the closing balance of the latest earlier
    statement of the same account in another file (a gap or a repeat of bookings in between
    shows there) — made by the store, which sees the statements already stored.

A failure is a warning on the file, `statement integrity: ...`, naming statement, account and
both figures; with REMIT_STATEMENT_INTEGRITY=reject the file is refused instead (nothing of
it stored).
"""

from __future__ import annotations

from decimal import Decimal

from core.errors import ParseError
from core.money import format_amount
from core.records import Statement

PREFIX = "statement integrity: "


def continuity_problem(label: str, statement: Statement, previous: tuple[str | None, Decimal] | None) -> str | None:
    """The opening balance against the previous statement's closing (id, balance) of the account."""
    if previous is None or statement.opening_balance is None:
        return None
    previous_id, closing = previous
    if statement.opening_balance == closing:
        return None
    return (f"{PREFIX}{label}: opening balance {format_amount(statement.opening_balance)} is not the closing "
            f"balance {format_amount(closing)} of the previous statement {previous_id or '(no id)'} of the "
            f"account (difference {format_amount(statement.opening_balance - closing)})")


def label_of(seq: int, statement: Statement) -> str:
    parts = [p for p in (statement.id, f"account {statement.account}" if statement.account else None) if p]
    return f"statement {seq}" + (f" ({', '.join(parts)})" if parts else "")


def refuse(message: str, seq: int) -> ParseError:
    return ParseError(message.removeprefix(PREFIX) + " (REMIT_STATEMENT_INTEGRITY=reject)",
                      record=f"statement {seq}")
