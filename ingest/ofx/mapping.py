"""ofxparse's accounts mapped to remit records (step 4 and the mapping decisions of the
package's docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bs4.element import Tag
from ofxparse.ofxparse import Account, AccountType

from core.errors import ParseError, ParseWarning
from core.money import ZERO
from core.records import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    Kind,
    Record,
    Statement,
    Transaction,
)
from ingest.ofx.reader import Txn, leaf
from ingest.ofx.scanner import Response

_KINDS = {
    "CHECK": Kind.CHECK,
    "DIRECTDEP": Kind.ACH,
    "DIRECTDEBIT": Kind.ACH,
    "POS": Kind.CARD,
    "ATM": Kind.CARD,
}
# Only the types whose name fixes the direction; INT, FEE, XFER, POS... go both ways.
_TYPE_DIRECTIONS = {
    **dict.fromkeys(("CREDIT", "DEP", "DIRECTDEP", "DIV"), Direction.CREDIT),
    **dict.fromkeys(("DEBIT", "DIRECTDEBIT", "CHECK", "SRVCHG"), Direction.DEBIT),
}
_TRNTYPES = frozenset(
    "CREDIT DEBIT INT DIV FEE SRVCHG DEP ATM POS XFER CHECK PAYMENT CASH DIRECTDEP DIRECTDEBIT"
    " REPEATPMT HOLD OTHER".split()
)
_Warn = Callable[[str, str, str | None], None]


def to_records(
    statements: list[tuple[Account, Tag]],
    skipped: int,
    responses: tuple[Response, ...],
    transactions: tuple[list[Txn], ...],
) -> list[Record]:
    if not statements:
        raise _no_statement(skipped, responses)
    records: list[Record] = [_status_warning(r) for r in responses if r.code != 0]
    if skipped:
        records.append(
            ParseWarning(
                f"{skipped} investment statement(s) or account list(s) skipped: "
                "only bank and credit-card statements are read"
            )
        )
    used_ids: set[str] = set()
    for (account, tag), txns in zip(statements, transactions, strict=True):
        records.extend(_statement_records(account, tag, txns, used_ids))
    return records


def _no_statement(skipped: int, responses: tuple[Response, ...]) -> ParseError:
    for response in responses:  # the sign-on comes first, as in the file
        if response.code != 0:
            detail = f": {response.message}" if response.message else ""
            return ParseError(
                f"bank returned error {response.code} ({response.severity}){detail}; "
                "the file holds no statement",
                line=response.line,
                record=response.name,
                field="STATUS",
                value=str(response.code),
            )
    if skipped:
        return ParseError(
            "no bank or credit-card statement (STMTRS, CCSTMTRS): investment statements and "
            "account lists are not supported"
        )
    return ParseError("no bank or credit-card statement (STMTRS, CCSTMTRS) in the file")


def _status_warning(response: Response) -> ParseWarning:
    detail = f": {response.message}" if response.message else ""
    missing = "; no statement in this response" if not response.has_statement else ""
    return ParseWarning(
        f"bank returned status {response.code} ({response.severity}){detail}{missing}",
        line=response.line,
        record=response.name,
        field="STATUS",
        value=str(response.code),
    )


def _statement_records(
    account: Account, tag: Tag, txns: list[Txn], used_ids: set[str]
) -> list[Record]:
    stmt = account.statement
    # Not ofxparse's account_id: it takes the first ACCTID anywhere, a transfer's BANKACCTTO
    # included when BANKACCTFROM is missing.
    account_id = leaf(tag.find(["bankacctfrom", "ccacctfrom"], recursive=False), "ACCTID")
    currency = (account.curdef or "").upper() or None
    start, end = _day(stmt.start_date), _day(stmt.end_date)
    balances = _balances(stmt, tag, currency)
    as_of = _day(getattr(stmt, "balance_date", None))
    statement = Statement(
        id=_statement_id(account_id, start, end, as_of, used_ids),
        account=account_id,
        currency=currency,
        opening_balance=None,
        closing_balance=getattr(stmt, "balance", None),
        from_date=start,
        to_date=end,
        balances=balances,
    )
    records: list[Record] = [statement]
    where = {"line": tag.sourceline, "record": tag.name.upper()}
    if account_id is None:
        records.append(ParseWarning("statement without ACCTID", field="ACCTID", **where))
    if currency is None:
        records.append(ParseWarning("statement without CURDEF", field="CURDEF", **where))
    records.extend(_integrity_warnings(tag, start, end, txns))
    credit_card = account.type == AccountType.CreditCard
    for txn in txns:
        entry, warnings = _entry(txn, currency, credit_card)
        records.append(entry)
        records.extend(warnings)
    return records


def _integrity_warnings(
    tag: Tag, start: date | None, end: date | None, txns: list[Txn]
) -> list[ParseWarning]:
    """What OFX lets one check within a statement. Not LEDGERBAL against the transactions:
    OFX has no opening balance, and BANKTRANLIST need not hold every transaction since the
    last statement (DTSTART is the client's request), so no sum can be checked."""
    warnings = []
    if start and end and start > end:
        tranlist = tag.find("banktranlist")
        warnings.append(
            ParseWarning(
                f"DTSTART {start:%Y-%m-%d} is after DTEND {end:%Y-%m-%d}",
                line=tranlist.sourceline if tranlist is not None else tag.sourceline,
                record="BANKTRANLIST",
                field="DTSTART",
                value=f"{start:%Y%m%d}",
            )
        )
    first_line: dict[str, int | None] = {}
    for txn in txns:
        if txn.fitid is None:
            continue
        if txn.fitid in first_line:
            warnings.append(
                ParseWarning(
                    f"FITID {txn.fitid!r} is also the FITID of the STMTTRN of line "
                    f"{first_line[txn.fitid]} in this statement: de-duplication by FITID "
                    "would drop one of them",
                    line=txn.line,
                    record="STMTTRN",
                    field="FITID",
                    value=txn.fitid,
                )
            )
        else:
            first_line[txn.fitid] = txn.line
    return warnings


def _day(value: object) -> date | None:
    return value.date() if isinstance(value, datetime) else None  # ofxparse's "no date" is ''


def _balances(stmt: Any, tag: Tag, currency: str | None) -> tuple[Balance, ...]:
    balances = []
    for kind, attribute, element in (
        ("LEDGER", "balance", "ledgerbal"),
        ("AVAIL", "available_balance", "availbal"),
    ):
        amount = getattr(stmt, attribute, None)
        if amount is not None:
            as_of = leaf(tag.find(element), "DTASOF")
            balances.append(Balance(kind, amount, currency, as_of))
    return tuple(balances)


def _statement_id(
    account: str | None, start: date | None, end: date | None, as_of: date | None, used: set[str]
) -> str:
    base = account or "unknown"
    if start and end:
        base = f"{base}-{start:%Y%m%d}-{end:%Y%m%d}"
    elif as_of:
        base = f"{base}-{as_of:%Y%m%d}"
    statement_id, n = base, 1
    while statement_id in used:
        n += 1
        statement_id = f"{base}-{n}"
    used.add(statement_id)
    return statement_id


def _entry(txn: Txn, curdef: str | None, credit_card: bool) -> tuple[Entry, list[ParseWarning]]:
    warnings: list[ParseWarning] = []

    def warn(message: str, field_name: str, value: str | None) -> None:
        warnings.append(ParseWarning(message, txn.line, "STMTTRN", field_name, value))

    currency = txn.currency or curdef
    if currency is None:
        raise ParseError(
            "no currency: CURDEF is empty and the STMTTRN has no CURRENCY",
            line=txn.line,
            record="STMTTRN",
            field="CURDEF",
        )
    status = EntryStatus.BOOKED
    amount = txn.amount
    if amount is None:
        warn("TRNAMT is 'null': kept as a zero, information-only entry", "TRNAMT", "null")
        amount, status = ZERO, EntryStatus.INFO
    direction = _direction(amount, txn.trntype, warn)
    if txn.trntype not in _TRNTYPES:
        warn("unknown TRNTYPE", "TRNTYPE", txn.trntype)
    if txn.fitid is None:
        warn("STMTTRN without FITID: repeated downloads cannot be de-duplicated", "FITID", None)
    if txn.correction:
        warn(f"{txn.correction} is not applied: check the earlier entry", "CORRECTFITID", None)
    kind = _KINDS.get(txn.trntype or "", Kind.CARD if credit_card else Kind.OTHER)
    transaction = Transaction(
        amount=abs(amount),
        currency=currency,
        transaction_id=txn.fitid,
        check_number=txn.checknum if txn.checknum and txn.checknum.strip("0") else None,
        counterparty_name=txn.name,
        counterparty_account=txn.counterparty_account,
        remittance=_remittance(txn.memo, txn.name),
        references=(txn.refnum,) if txn.refnum else (),
    )
    entry = Entry(
        amount=abs(amount),
        currency=currency,
        direction=direction,
        status=status,
        booking_date=txn.posted,
        value_date=txn.available or txn.posted,
        bank_reference=txn.fitid,
        kind=kind,
        bank_code=txn.trntype,
        transactions=(transaction,),
    )
    return entry, warnings


def _direction(amount: Decimal, trntype: str | None, warn: _Warn) -> Direction:
    hint = _TYPE_DIRECTIONS.get(trntype or "")
    if amount == 0:
        return hint or Direction.CREDIT
    direction = Direction.DEBIT if amount < 0 else Direction.CREDIT
    if hint is not None and hint != direction:
        message = f"TRNTYPE {trntype} says {hint.value} but TRNAMT is a {direction.value}"
        warn(f"{message}; the sign of TRNAMT is used", "TRNTYPE", trntype)
    return direction


def _remittance(memo: str | None, name: str | None) -> tuple[str, ...]:
    """MEMO, then NAME unless MEMO already holds it (OFX 1.x NAME is often MEMO cut to 32)."""
    lines = [memo] if memo else []
    if name and (memo is None or _squash(name) not in _squash(memo)):
        lines.append(name)
    return tuple(lines)


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()
