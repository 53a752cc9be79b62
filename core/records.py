"""Normalized bank records (DESIGN.md §3): Statement ▸ Entry ▸ Transaction.

Every parser turns its format into these immutable records. Parsers stream: they yield a
`Statement` (with `entries=()`), then that statement's `Entry` records, then the next
`Statement`, and `ParseWarning`s wherever they arise. `collect()` folds such a stream into
a `ParsedFile` for callers that want everything in memory (the CLI, tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from core.errors import ParseWarning


class Direction(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"


class EntryStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"
    INFO = "info"


class Kind(StrEnum):
    WIRE = "wire"
    ACH = "ach"
    CHECK = "check"
    LOCKBOX = "lockbox"
    SEPA = "sepa"
    CARD = "card"
    OTHER = "other"


class Format(StrEnum):
    CAMT052 = "camt.052"
    CAMT053 = "camt.053"
    CAMT054 = "camt.054"
    ACH = "ach"
    BAI2 = "bai2"
    LOCKBOX = "lockbox"
    OFX = "ofx"
    PAIN002 = "pain.002"  # the bank's status report on remit's direct debits (rejects)
    X12_820 = "x12.820"  # a payer's remittance advice (core/advice.py), not a bank statement
    ADVICE_CSV = "advice.csv"  # the same as CSV: payer,payment_reference,payment_amount,...


# Formats that carry remittance advices (what a payment pays), not bank bookings.
ADVICE_FORMATS = frozenset({Format.X12_820, Format.ADVICE_CSV})


@dataclass(frozen=True, slots=True)
class InvoiceRef:
    """An invoice (referred document) named in remittance, with the amount paid on it if given."""

    number: str
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ReturnInfo:
    """Why a payment came back and which original payment it undoes.

    `original_reference` is what identifies the original: the ACH original entry trace
    number, or the camt original end-to-end id / instruction id.
    """

    reason_code: str | None
    original_reference: str | None = None
    additional_info: str | None = None
    original_rdfi: str | None = None
    date_of_death: date | None = None
    dishonored_code: str | None = None  # R61-R70: the ODFI dishonors (refuses) the return
    contested_code: str | None = None  # R71-R77: the RDFI contests the dishonor


@dataclass(frozen=True, slots=True)
class ChangeInfo:
    """A notification of change (ACH addenda 98): the receiver's corrected data."""

    change_code: str
    corrected_data: str | None = None
    original_reference: str | None = None
    original_rdfi: str | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    """A statement balance; `amount` is signed (debit balances negative)."""

    type: str  # OPBD, CLBD, PRCD, CLAV, ... or a proprietary code such as BAI 010
    amount: Decimal
    currency: str | None
    date: str | None  # as the bank wrote it (date or date-time)


@dataclass(frozen=True, slots=True)
class Transaction:
    """The remittance unit: one payer's payment (camt TxDtls, ACH entry, lockbox check)."""

    amount: Decimal | None
    currency: str | None = None
    end_to_end_id: str | None = None
    instruction_id: str | None = None
    transaction_id: str | None = None  # camt TxId, ACH trace number, lockbox item
    uetr: str | None = None
    mandate_id: str | None = None
    check_number: str | None = None
    counterparty_name: str | None = None
    # IBAN, "ABA:<routing>:<account>", "ACH-CO:<company id>" (an ACH originator), or other id
    counterparty_account: str | None = None
    remittance: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # structured creditor refs: RF, QR/ESR, national
    invoices: tuple[InvoiceRef, ...] = ()
    return_info: ReturnInfo | None = None
    change_info: ChangeInfo | None = None
    # The party the counterparty pays (or is paid) for: camt UltmtDbtr of a credit, UltmtCdtr
    # of a debit. A payment service or bank paying on a customer's behalf names the customer here.
    ultimate_name: str | None = None
    ultimate_id: str | None = None  # its Id/.../Othr/Id, e.g. the customer number we gave it


@dataclass(frozen=True, slots=True)
class Entry:
    """The bank-side booking unit. `amount` is positive; `direction` says which way."""

    amount: Decimal
    currency: str | None
    direction: Direction
    status: EntryStatus = EntryStatus.BOOKED
    booking_date: date | None = None
    value_date: date | None = None
    bank_reference: str | None = None
    reversal: bool = False
    kind: Kind = Kind.OTHER
    bank_code: str | None = None  # camt BkTxCd, BAI2 type code, ACH SEC+tx code
    additional_info: str | None = None
    charges: Decimal | None = None
    transactions: tuple[Transaction, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementNumber:
    """A number the bank gives its statements in sequence: checked for gaps and repeats at ingest.

    kind: `electronic` (camt ElctrncSeqNb), `legal` (camt LglSeqNb) or `file` (BAI2 file
    identification number). scope: what the numbers count within besides the kind. camt: the
    message kind (Stmt, Rpt, Ntfctn), to which ingest adds the statement's account and year
    (banks restart legal numbers each January); BAI2: sender, receiver and creation date (its
    file id tells one day's files apart), complete as it is.
    """

    kind: str
    number: int
    scope: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement, notification or report for one account (camt Stmt/Ntfctn/Rpt, BAI2 03, ...)."""

    id: str | None
    account: str | None
    currency: str | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    from_date: date | None = None
    to_date: date | None = None
    balances: tuple[Balance, ...] = ()
    entries: tuple[Entry, ...] = ()
    numbers: tuple[StatementNumber, ...] = ()


Record = Statement | Entry | ParseWarning


@dataclass(frozen=True, slots=True)
class ParsedFile:
    format: Format
    statements: tuple[Statement, ...]
    warnings: tuple[ParseWarning, ...] = field(default=())

    def entries(self) -> Iterator[Entry]:
        for statement in self.statements:
            yield from statement.entries


def collect(format: Format, records: Iterable[Record]) -> ParsedFile:
    """Fold a parser's record stream into a ParsedFile (everything in memory)."""
    statements: list[Statement] = []
    entries: list[Entry] = []
    warnings: list[ParseWarning] = []

    def close() -> None:
        if statements:
            statements[-1] = replace(statements[-1], entries=tuple(entries))
        entries.clear()

    for record in records:
        if isinstance(record, Statement):
            close()
            statements.append(record)
        elif isinstance(record, Entry):
            if not statements:
                statements.append(Statement(id=None, account=None))
            entries.append(record)
        else:
            warnings.append(record)
    close()
    return ParsedFile(format=format, statements=tuple(statements), warnings=tuple(warnings))
