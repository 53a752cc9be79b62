"""Statement integrity: opening balance + booked credits - booked debits = closing balance.

Checked for camt.053 statements (Stmt) that carry an opening booked balance (OPBD, else
PRCD, as Statement.opening_balance) and a closing booked balance (CLBD) in one currency. A
mismatch is a WARNING naming the statement, its account, both figures and the difference:
the file is still the bank's record of the day, but a treasury user must know it does not
add up (a missing page, a truncated file, an entry the bank left out).

Not checked (no warning either way): camt.052 reports and camt.054 notifications (intraday
balances move with pending items), statements without both balances, balances in two
currencies, or statements holding a booked entry in another currency (an FX entry's amount
says nothing about the account currency). Only booked entries count (PDNG/INFO are not in a
booked balance). An entry valued after the CLBD date may be left out of CLBD by the bank
(PostFinance puts it only in the forward balance FWAV): the check passes when the
difference is exactly such entries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.errors import ParseWarning
from core.records import Direction, Entry, EntryStatus, Statement

_ZERO = Decimal(0)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


class BalanceCheck:
    """Sums one statement's booked entries, then compares with its balances."""

    __slots__ = ("statement", "label", "line", "currency", "opening", "opening_type",
                 "closing", "closing_day", "credits", "debits", "later", "usable")  # fmt: skip

    def __init__(self, statement: Statement, label: str, closing_line: int | None) -> None:
        self.statement = statement
        self.label = label
        self.line = closing_line
        self.credits = self.debits = self.later = _ZERO
        self.usable = True
        balances = statement.balances
        opening = next((b for b in balances if b.type == "OPBD"), None) or next(
            (b for b in balances if b.type == "PRCD"), None
        )
        closing = next((b for b in balances if b.type == "CLBD"), None)
        self.opening_type = opening.type if opening is not None else ""
        self.opening = None if opening is None else opening.amount
        self.closing = None if closing is None else closing.amount
        self.closing_day = None if closing is None else _day(closing.date)
        currencies = {b.currency or statement.currency for b in (opening, closing) if b is not None}
        self.currency = next(iter(currencies)) if len(currencies) == 1 else None
        if opening is None or closing is None or len(currencies) != 1:
            self.usable = False

    @classmethod
    def of(cls, statement: Statement, label: str, closing_line: int | None) -> BalanceCheck | None:
        check = cls(statement, label, closing_line)
        return check if check.usable else None

    def add(self, entry: Entry) -> None:
        if entry.status is not EntryStatus.BOOKED or not self.usable:
            return
        if self.currency is not None and entry.currency not in (None, self.currency):
            self.usable = False  # an entry in another currency: the sums say nothing
            return
        signed = entry.amount if entry.direction is Direction.CREDIT else -entry.amount
        if entry.direction is Direction.CREDIT:
            self.credits += entry.amount
        else:
            self.debits += entry.amount
        day = entry.value_date
        if day is not None and self.closing_day is not None and day > self.closing_day:
            self.later += signed

    def warning(self) -> ParseWarning | None:
        if not self.usable or self.opening is None or self.closing is None:
            return None
        computed = self.opening + self.credits - self.debits
        if computed == self.closing or computed - self.later == self.closing:
            return None
        statement = self.statement
        ccy = f" {self.currency}" if self.currency else ""
        return ParseWarning(
            f"statement {statement.id!r} of account {statement.account}: opening balance"
            f" {self.opening_type} {self.opening}{ccy} + booked credits {self.credits} - booked"
            f" debits {self.debits} = {computed}, but the closing balance CLBD is"
            f" {self.closing} (difference {self.closing - computed})",
            line=self.line,
            record=self.label,
            field="Bal/CLBD",
            value=str(self.closing),
            integrity=True,
            figures=(str(computed), str(self.closing)),
        )
