"""What the labelled day is: the scenarios and their mix, one `Label` per payment, the
`Dataset`, and `allocations_of` (a candidate in a label's comparable form).
benchmarks/accuracy_data.py's docstring says what a label promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reconcile.model import Action, Customer, MatchSettings, OpenInvoice, Payment, ReviewReason

AS_OF = date(2026, 3, 16)  # the bank day the payments arrive (a Monday)
SETTINGS = MatchSettings()  # labels follow the default tolerances / grace days

Expected = frozenset[tuple[str, Decimal, Decimal, Decimal]]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    share: float  # of the day's payments (sizing only, never money)
    matchable: bool
    description: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("exact_ref", 0.35, True, "invoice number exactly as issued, customer known, full open amount"),
    Scenario("ref_freetext", 0.12, True, "reference in free text / RF creditor ref / structured ref with amount"),
    Scenario("ref_typo", 0.05, True, "reference with one typo (substitution, transposition, dropped digit); customer and amount agree"),
    Scenario("name_variant", 0.05, True, "no reference, payer name a variant of the customer's, globally unique amount"),
    Scenario("account_noref", 0.05, True, "no reference, payer account on file, unique amount"),
    Scenario("multi_ref", 0.05, True, "one payment for 2-4 invoices, all referenced"),
    Scenario("multi_noref", 0.03, True, "one payment for 2-4 invoices, no reference, exactly one subset fits"),
    Scenario("discount_in_window", 0.05, True, "early-pay discount taken inside the window"),
    Scenario("discount_expired", 0.02, True, "discount taken after window + grace: apply as partial, no discount"),
    Scenario("bank_fee", 0.03, True, "10.00-20.00 short (bank charges), within tolerance: write-off"),
    Scenario("partial", 0.02, True, "partial payment with reference"),
    Scenario("overpay", 0.02, True, "over-payment with reference: open amount applied, rest on account"),
    Scenario("third_party", 0.03, True, "unknown payer (PSP, factor, parent), valid reference, exact amount"),
    Scenario("po_ref", 0.03, True, "PO number instead of invoice number, customer known"),
    Scenario("unknown_noevidence", 0.02, False, "unknown payer, no reference, amount matches nothing"),
    Scenario("decoy_amount", 0.02, False, "unknown payer, no reference, amount equals an unrelated customer's invoice"),
    Scenario("decoy_ref", 0.02, False, "known customer A, number of customer B's invoice, amount fits nothing"),
    Scenario("duplicate", 0.02, False, "pays an invoice that is already paid (closed)"),
    Scenario("debit", 0.02, False, "a debit: fees, supplier payment, refund naming an invoice"),
)
SCENARIO_NAMES: tuple[str, ...] = tuple(s.name for s in SCENARIOS)
MATCHABLE: dict[str, bool] = {s.name: s.matchable for s in SCENARIOS}
UNKNOWN_AND_DECOYS: tuple[str, ...] = ("unknown_noevidence", "decoy_amount", "decoy_ref")


@dataclass(frozen=True, slots=True)
class Label:
    scenario: str
    matchable: bool
    expected: Expected | None  # None when not matchable
    expect_action: Action | None = None  # for not-matchable payments: REVIEW or IGNORE
    expect_reason: ReviewReason | None = None  # e.g. DUPLICATE_PAYMENT
    variant: str = ""  # the sub-shape, e.g. "rf", "typo:transposition", "name:abbrev"


@dataclass(frozen=True, slots=True)
class Dataset:
    seed: int
    as_of: date
    customers: tuple[Customer, ...]
    invoices: tuple[OpenInvoice, ...]  # open ones AND recently closed ones (open_amount 0)
    payments: tuple[Payment, ...]  # ids 1..n in this order
    labels: tuple[Label, ...]  # labels[i] is about payments[i]

    def label_of(self, payment_id: int) -> Label:
        return self.labels[payment_id - 1]


def allocations_of(candidate: object) -> Expected:
    """A Candidate's allocations in the Label's comparable form."""
    return frozenset(
        (a.invoice_number, a.applied, a.discount, a.write_off)
        for a in candidate.allocations  # type: ignore[attr-defined]
    )
