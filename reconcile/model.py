"""The matcher's vocabulary (DESIGN.md §5): pure, immutable, no I/O.

Inputs:  `Customer`s and their `OpenInvoice`s (the invoice book), `Payment`s (booked bank
         transactions), `MatchSettings`.
Output:  one `Decision` per payment: apply a `Candidate` (allocations to invoices), or send
         the payment to review with up to five ranked `Candidate` suggestions and a reason.

Money is Decimal in the payment's currency; scores are integers 0..100 (not money, but kept
exact so decisions are reproducible bit for bit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from core.money import exponent
from core.records import Direction, InvoiceRef, Kind
from core.terms import Terms


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    accounts: tuple[str, ...] = ()  # normalized: IBAN, "ABA:<routing>:<account>", "ACH-CO:<id>", ...
    aliases: tuple[str, ...] = ()  # other names the customer pays under (imported or learned)
    parent_id: str | None = None  # parent/group company (reconcile.groups: who may pay for whom)
    # Invoices its payments settled in issue order, when all of them did (reconcile.history;
    # 0: no such habit): a same-amount tie between its invoices then goes to the oldest.
    paid_oldest_first: int = 0


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: str
    currency: str
    amount: Decimal  # as issued
    open_amount: Decimal  # still to be paid (> 0 for an open invoice)
    issue_date: date
    due_date: date | None = None
    terms: Terms | None = None
    po_number: str | None = None
    discount_taken: Decimal = Decimal(0)  # already granted on earlier applications


@dataclass(frozen=True, slots=True)
class PlanInstalment:
    seq: int
    due_date: date
    amount: Decimal  # as scheduled; what is paid follows from the invoices' open amounts


@dataclass(frozen=True, slots=True)
class ActivePlan:
    """An active payment plan (receivables/plans.py): instalments over some open invoices.
    Paid so far = sum of instalments - the invoices' open amounts, earliest instalment first."""

    id: int
    reference: str  # "PLAN-7", quoted by payers
    customer_id: str
    currency: str
    invoice_ids: tuple[int, ...]
    instalments: tuple[PlanInstalment, ...]  # by seq


@dataclass(frozen=True, slots=True)
class Payment:
    """A booked incoming bank transaction (the remittance unit), as the matcher sees it."""

    id: int  # bank_transactions.id
    amount: Decimal
    currency: str
    value_date: date
    direction: Direction = Direction.CREDIT
    kind: Kind = Kind.OTHER
    payer_name: str | None = None
    payer_account: str | None = None
    remittance: tuple[str, ...] = ()  # unstructured lines
    references: tuple[str, ...] = ()  # structured creditor references (RF, QR, national)
    invoices: tuple[InvoiceRef, ...] = ()  # structured referred documents (RfrdDocInf, RMR, lockbox)
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    # The party the payment is made for (camt UltmtDbtr): when a payment service, bank or
    # parent pays on a customer's behalf, this is the customer.
    ultimate_payer: str | None = None
    ultimate_payer_id: str | None = None  # its id as sent (Othr/Id): often our customer number
    # Invoices this payment has already paid (a re-match of money left on account, where
    # `amount` is only what is left): its naming them is spent evidence, not a duplicate.
    settled: frozenset[int] = field(default=frozenset(), repr=False)  # repr: as before


class ReviewReason(StrEnum):
    """Why a payment was not applied automatically (the exception queue's reason)."""

    NO_CUSTOMER = "no_customer"
    AMBIGUOUS = "ambiguous"  # two candidates too close to call
    LOW_CONFIDENCE = "low_confidence"
    UNKNOWN_REFERENCE = "unknown_reference"  # a reference was given but matches nothing open
    SHORT_PAY = "short_pay"  # below the open amount beyond the fee tolerance
    OVER_PAYMENT = "over_payment"
    PARTIAL_PAYMENT = "partial_payment"
    DISCOUNT_EXPIRED = "discount_expired"
    DUPLICATE_PAYMENT = "duplicate_payment"  # the invoices it names are already paid
    CURRENCY_MISMATCH = "currency_mismatch"
    NOTHING_OPEN = "nothing_open"  # customer known, no open invoice fits
    RETURNED_PAYMENT = "returned_payment"  # a return or reversal undid an earlier payment
    NO_AMOUNT = "no_amount"  # the bank gave no amount for this transaction (batch detail)
    MANUAL_UNAPPLY = "manual_unapply"  # a person took the cash back off the invoices
    BATCH_OUT_OF_BALANCE = "batch_out_of_balance"  # a lockbox batch that does not add up (ingest/held.py)
    ADVICE_MISMATCH = "advice_mismatch"  # its remittance advice does not add up (reconcile/advice.py)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a payment applied to one invoice. applied + discount + write_off settles it."""

    invoice_id: int
    invoice_number: str
    applied: Decimal  # cash from the payment
    discount: Decimal = Decimal(0)  # early-payment discount granted
    write_off: Decimal = Decimal(0)  # short-pay written off (bank charges)
    write_off_reason: str | None = None  # e.g. "bank_charges"


@dataclass(frozen=True, slots=True)
class Candidate:
    customer_id: str | None
    allocations: tuple[Allocation, ...]
    score: int  # 0..100
    reasons: tuple[str, ...]  # named evidence, e.g. "reference INV-1042 in remittance (exact)"
    unapplied: Decimal = Decimal(0)  # over-payment left on account

    @property
    def invoice_numbers(self) -> tuple[str, ...]:
        return tuple(a.invoice_number for a in self.allocations)


class Action(StrEnum):
    APPLY = "apply"
    REVIEW = "review"
    IGNORE = "ignore"  # not receivables: debits, pending/info, zero amounts


@dataclass(frozen=True, slots=True)
class Decision:
    payment_id: int
    action: Action
    applied: Candidate | None = None  # set when action is APPLY
    suggestions: tuple[Candidate, ...] = ()  # ranked, at most five, for review
    reason: ReviewReason | None = None  # set when action is REVIEW (and for flagged applies,
    # e.g. OVER_PAYMENT: applied, the rest left on account and flagged)
    explanation: str = ""  # one sentence a reviewer reads first


@dataclass(frozen=True, slots=True)
class MatchSettings:
    auto_threshold: int = 90  # apply only at or above this score ...
    margin: int = 15  # ... and this far ahead of the runner-up, in uncapped points (or, on the
    # same payer evidence, ahead of it in every part of the evidence: drafts.clear_lead)
    suggest_threshold: int = 40  # below this, no suggestion is shown
    # Short-pay written off as bank charges: at most this ABSOLUTE amount, in the payment's
    # currency (a bank's charge does not grow with the invoice). `fee_tolerances` overrides it
    # per currency, e.g. {"JPY": Decimal("3000")}: 25 yen is no charge at all.
    fee_tolerance: Decimal = Decimal("25.00")
    fee_tolerance_percent: Decimal = Decimal("1.0")  # no effect (kept: REMIT_FEE_TOLERANCE_PERCENT)
    discount_grace_days: int = 3  # discount still granted this many days after the window
    name_min_score: int = 85  # rapidfuzz token score to accept a name match
    name_margin: int = 8  # over the second-best customer
    subset_max_invoices: int = 8  # at most this many invoices in one combined payment
    subset_max_candidates: int = 40  # the customer's open invoices considered for subsets
    # (currency, tolerance) pairs: a tuple, so the settings stay hashable (a dict given here
    # is turned into one, sorted).
    fee_tolerances: tuple[tuple[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        given: object = self.fee_tolerances
        pairs = tuple(given.items()) if isinstance(given, Mapping) else self.fee_tolerances
        checked = tuple(sorted((currency, fee_tolerance_amount(amount, currency)) for currency, amount in pairs))
        object.__setattr__(self, "fee_tolerances", checked)
        if not self.fee_tolerance.is_finite() or self.fee_tolerance < 0:
            raise ValueError(f"fee tolerance must be a non-negative amount, not {self.fee_tolerance}")

    def fee_tolerance_for(self, currency: str) -> Decimal:
        """The bank charges written off in this currency: its own setting, else the default."""
        for code, amount in self.fee_tolerances:
            if code == currency:
                return amount
        return self.fee_tolerance


def fee_tolerance_amount(amount: Decimal, currency: str) -> Decimal:
    """A per-currency fee tolerance, checked: a currency code, >= 0 and whole minor units of
    that currency (3000.5 JPY is a typo, not a tolerance)."""
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()):
        raise ValueError(f"fee tolerance for {currency!r}: not an ISO 4217 currency code")
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"fee tolerance for {currency}: {amount} is not a non-negative amount")
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"fee tolerance for {currency}: {amount} has digits below the currency's "
                         f"minor unit ({exponent(currency)} decimals)")
    return amount
