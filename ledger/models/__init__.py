"""Database models (DESIGN.md §4). Money is integer minor units (`*_minor`) + ISO currency.

Invariants live in the schema too (CHECK constraints), so no code path can break them.
One module per part of the schema; import the models from here: importing this package maps
every table on `Base.metadata`, which the mappers' relationships by name, create_all and
alembic's env (ledger/migrations/env.py) all need.
"""

from ledger.models.advice import RemittanceAdvice
from ledger.models.access import ApiKey, LoginFailure, UiSession, User
from ledger.models.bank import (
    BankEntry,
    BankEntrySighting,
    BankFile,
    BankTransaction,
    RecordedPayment,
    StatementRow,
)
from ledger.models.bank_checks import ChangeProposal, StatementCheck, StatementNumberRow
from ledger.models.base import NAMING_CONVENTION, Base, column_length
from ledger.models.book import (
    Application,
    Customer,
    CustomerAccount,
    CustomerAlias,
    Invoice,
    ReviewItem,
)
from ledger.models.collections import Collection, Mandate
from ledger.models.events import AuditEvent, InvoiceEvent
from ledger.models.outgoing import OutgoingFile
from ledger.models.receivables import (
    Dispute,
    DunningPolicy,
    FeeItem,
    Instalment,
    PaymentPlan,
    PaymentPlanInvoice,
    Reminder,
)

__all__ = [
    "NAMING_CONVENTION",
    "RemittanceAdvice",
    "ApiKey",
    "Application",
    "AuditEvent",
    "BankEntry",
    "BankEntrySighting",
    "BankFile",
    "BankTransaction",
    "Base",
    "ChangeProposal",
    "Collection",
    "Customer",
    "CustomerAccount",
    "CustomerAlias",
    "Dispute",
    "DunningPolicy",
    "FeeItem",
    "Instalment",
    "Invoice",
    "InvoiceEvent",
    "LoginFailure",
    "Mandate",
    "OutgoingFile",
    "PaymentPlan",
    "PaymentPlanInvoice",
    "RecordedPayment",
    "Reminder",
    "ReviewItem",
    "StatementCheck",
    "StatementNumberRow",
    "StatementRow",
    "UiSession",
    "User",
    "column_length",
]
