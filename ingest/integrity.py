"""Statement integrity: does a statement add up, and does it follow on from the last one?

Why apart from the store: the checks are arithmetic over what a file states, the same for
camt, BAI2 and OFX (whatever parser made the Statement records), and a treasury team reads
their messages beside the file. Two checks, each only where the bank gave the figures:

  * balance: opening balance + booked credits − booked debits = closing balance;
  * continuity: the opening balance equals the closing balance of the latest earlier
    statement of the same account (a gap or a repeat of bookings in between shows there).

A failure is a warning on the file naming statement, account and both figures; with
REMIT_STATEMENT_INTEGRITY=reject the file is refused instead (nothing of it stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.errors import ParseError
from core.money import format_amount
from core.records import Direction, Entry, EntryStatus, Statement

PREFIX = "statement integrity: "


@dataclass
class BalanceCheck:
    """One statement's opening + credits − debits, kept as its entries stream past."""

    statement: Statement
    label: str  # "statement 2 (STMT-7, account DE89…)"
    net: Decimal = field(default_factory=Decimal)
    entries: int = 0

    def add(self, entry: Entry) -> None:
        if entry.status is EntryStatus.BOOKED:
            self.net += entry.amount if entry.direction is Direction.CREDIT else -entry.amount
            self.entries += 1

    def problem(self) -> str | None:
        st = self.statement
        if st.opening_balance is None or st.closing_balance is None:
            return None
        expected = st.opening_balance + self.net
        if expected == st.closing_balance:
            return None
        ccy = f" {st.currency}" if st.currency else ""
        return (f"{PREFIX}{self.label}: opening {format_amount(st.opening_balance)}{ccy} + "
                f"{self.entries} booked entries ({format_amount(self.net)}) = {format_amount(expected)}, "
                f"but the closing balance is {format_amount(st.closing_balance)} "
                f"(difference {format_amount(st.closing_balance - expected)})")


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
                      record=f"statement {seq}", field="closing_balance")
