"""A labelled synthetic cash-application day (DESIGN.md §7 "accuracy"), deterministic per seed.

    generate(seed, n_customers, n_payments) -> Dataset

The dataset is what `reconcile.engine.match(payments, customers, invoices)` takes — customers
with realistic company names (legal forms, deliberately similar names such as "Acme Corp" /
"Acme Industries Inc" / "Acme Industrial LLC"), IBAN / ABA / ACH company-id accounts for many
of them, open invoices in four house styles ("INV-10421", "10421", "2026-0042",
"F2026/123"), PO numbers, terms (net 30, 2/10 net 30, 1%15 net 45, EOM), issue dates over
two months, some partly paid, plus recently *closed* invoices (open_amount 0, as
`reconcile.loader.load_book` passes them) — and one `Label` per payment saying what a
correct engine does with it.

Label semantics (what bench_accuracy scores against):
  matchable=True   a correct engine may auto-apply, and then the allocations must equal
                   `expected` exactly: {(invoice_number, applied, discount, write_off)}.
                   Sending it to review is a miss (not an error).
  matchable=False  a correct engine must NOT auto-apply it (unknown payers, decoys,
                   duplicates of paid invoices, debits). `expect_action` / `expect_reason`
                   say what it should do instead (REVIEW + DUPLICATE_PAYMENT, IGNORE, ...).

Judgement calls a reader (or the engine's author) may want to know about:
  * partial payment with a reference, and an early-pay discount taken after the window
    (+ grace days): the right auto-application is the cash as a partial payment with NO
    discount and NO write-off (the rest stays open for collection); applying a discount is
    wrong; review is a miss. The expired-discount shortfall is always outside the fee
    tolerance, so "write it off as bank charges" is wrong too.
  * over-payment: the invoice's open amount applied, the rest unapplied (allocations only
    are compared; the unapplied rest follows by arithmetic).
  * bank fees: 10.00-20.00 short and at most 1 % of the invoice (inside the default
    MatchSettings tolerance), on invoices with no discount available on the value date.
  * "unique amount" scenarios (name variants, account without reference, decoy amounts)
    really are unique: no other open invoice in the book has that open amount or that
    amount after a discount, and no invoice created later takes it.
  * multi-invoice without references: exactly ONE subset (of at most 8) of the customer's
    open invoices, counting earned discounts as alternatives, sums to the payment, and the
    customer has at most 24 open invoices (under MatchSettings.subset_max_candidates).
  * over-payment: no subset of the customer's open invoices (discounts included) sums to
    the payment — else "the referenced invoice + others" would fit exactly, which even a
    person could not tell from an over-payment. (Partial, expired-discount and fee payments
    are below the referenced invoice's open amount, so any subset that fits contradicts the
    explicit reference: those labels stay unambiguous without this check.)
  * whole invoice numbers never collide with each other or with PO numbers under prefix,
    separator and leading-zero stripping. Their numeric parts may: "2026-29762" and
    "INV-29762" both exist once the year-style counter passes 10,000 (two business units'
    sequences) — the full token must win over its fragment. Typos, dates and amounts in
    remittance text may spell *unrelated* invoices (never one of the payer's, never one
    another payment of the day pays) — realistic noise a good engine must survive
    (customer and amount then disagree).

Money is Decimal made from integer cents (core.money.from_minor); the only floats are the
scenario shares used to size the mix.

A second labelled day, `generate_round2(seed, n_customers, n_payments)`, holds the round-2
payment classes of issue 12 (ranges, cut lines, wire text, groups, ultimate debtors, customer
numbers, name forms, sort codes, zero padding, late discounts, absolute fees, ...) in EUR, USD,
GBP and CHF, with its own mix `ROUND2_SCENARIOS`; `generate` is unchanged by it (the engine's
golden test pins its digest). benchmarks/accuracy/round2.py says what its labels promise.

Layout: the parts are in benchmarks/accuracy/ — labels.py (scenarios, Label, Dataset), keys.py
(name and number keys, RF references, subset counts), words.py (word pools and terms),
book.py (customers and invoices), payments.py (payments, payers, reference shapes),
matchable.py and unmatchable.py (one method per scenario). This module puts the day together
from them and exports every public name.
"""

from __future__ import annotations

from collections import Counter

from benchmarks.accuracy.keys import count_subsets, letters_id, name_key, number_keys, rf_reference
from benchmarks.accuracy.labels import (
    AS_OF,
    MATCHABLE,
    SCENARIO_NAMES,
    SCENARIOS,
    SETTINGS,
    UNKNOWN_AND_DECOYS,
    Dataset,
    Expected,
    Label,
    Scenario,
    allocations_of,
)
from benchmarks.accuracy.matchable import MatchableScenarios
from benchmarks.accuracy.round2 import generate_round2
from benchmarks.accuracy.round2_labels import ROUND2_MATCHABLE, ROUND2_NAMES, ROUND2_SCENARIOS
from benchmarks.accuracy.unmatchable import UnmatchableScenarios
from reconcile.model import Customer

__all__ = [
    "AS_OF",
    "GENERATOR_VERSION",
    "MATCHABLE",
    "ROUND2_MATCHABLE",
    "ROUND2_NAMES",
    "ROUND2_SCENARIOS",
    "SCENARIOS",
    "SCENARIO_NAMES",
    "SETTINGS",
    "UNKNOWN_AND_DECOYS",
    "Dataset",
    "Expected",
    "Label",
    "Scenario",
    "allocations_of",
    "count_subsets",
    "generate",
    "generate_round2",
    "letters_id",
    "main",
    "name_key",
    "number_keys",
    "rf_reference",
]

GENERATOR_VERSION = 1


class _Builder(MatchableScenarios, UnmatchableScenarios):
    """The day: the book (book.py), then every scenario's payments (matchable.py,
    unmatchable.py) in three phases."""

    # -- the day -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Payments per scenario: shares × n by largest remainder, every scenario at least once."""
        n = self.n_payments
        raw = {s.name: s.share * n for s in SCENARIOS}
        counts = {k: max(1, int(v)) for k, v in raw.items()}
        order = sorted(raw, key=lambda k: (raw[k] - int(raw[k])), reverse=True)
        i = 0
        while sum(counts.values()) < n:
            counts[order[i % len(order)]] += 1
            i += 1
        while sum(counts.values()) > n:  # tiny n: trim the biggest
            biggest = max(counts, key=lambda k: counts[k])
            counts[biggest] -= 1
        return counts

    def build(self) -> Dataset:
        self.make_customers()
        self.make_filler()
        counts = self.counts()
        # Phases: (1) scenarios that create invoices, (2) those that freeze a customer's open
        # set (multi without reference, decoy reference), (3) those that only read the final
        # book (unknown, decoy amount, duplicates, debits).
        phase3 = ("overpay", "unknown_noevidence", "decoy_amount", "duplicate", "debit")
        phase2 = ("multi_noref", "decoy_ref")
        phase1 = tuple(n for n in SCENARIO_NAMES if n not in phase2 + phase3)
        made = self.play((phase1, phase2, phase3), counts)
        return self.dataset(made, tuple(Customer(id=c.id, name=c.name, accounts=tuple(c.accounts))
                                        for c in self.customers))


def generate(seed: int, n_customers: int, n_payments: int) -> Dataset:
    """The labelled day for this seed (same arguments, same dataset, bit for bit)."""
    return _Builder(seed, n_customers, n_payments).build()


def main() -> None:  # a peek at the data: python -m benchmarks.accuracy_data [seed n_cust n_pay]
    import sys

    seed, n_cust, n_pay = (int(a) for a in (sys.argv[1:4] if len(sys.argv) >= 4 else ("1", "60", "300")))
    data = generate(seed, n_cust, n_pay)
    print(f"{len(data.customers)} customers, {len(data.invoices)} invoices "
          f"({sum(1 for i in data.invoices if i.open_amount == 0)} closed), {len(data.payments)} payments")
    print(Counter(label.scenario for label in data.labels))
    for p, label in list(zip(data.payments, data.labels))[:40]:
        print(label.scenario, label.variant, p.amount, p.currency, p.payer_name, p.payer_account,
              p.remittance, p.references, p.invoices, p.end_to_end_id, sorted(label.expected or ()))


if __name__ == "__main__":
    main()
