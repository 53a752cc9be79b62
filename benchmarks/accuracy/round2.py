"""The round-2 labelled day (issue 12): the payment classes of the second round, in EUR, USD,
GBP and CHF, deterministic per seed.

    generate_round2(seed, n_customers, n_payments) -> Dataset

A day of its own (day 1, `accuracy_data.generate`, stays byte-identical: the engine's golden
test and the pipeline benchmark pin it). Labels mean what they mean on day 1 (see
benchmarks/accuracy_data.py); the mix is `ROUND2_SCENARIOS` (round2_labels.py).

What each class's label promises (the judgement calls):
  * ranges and shortened lists name consecutive / close numbers issued to the payer together:
    no other document lies in the range; the payment is their exact sum.
  * a number cut across lines: the text is wrapped at exactly 35 or 140 characters with the
    cut between two digits; neither piece is (a key of) another document, now or later.
  * US wire text: the payer is named by ORIG:/B/O/ORIG CO NAME: (an ACH company name cut at
    16 only if that prefix is no other customer's), the invoice by OBI:/RFB:/IND ID:; bank ids
    (TRN, IMAD, trace) never spell a document.
  * parent_pays: the payer is the parent (known by account or full name) of the customer(s)
    whose invoices are named exactly; two related customers' invoices are paid in one sum.
  * ultimate_debtor: the payer (a payment service's name, an account on file for nobody) is
    not the customer; the ultimate debtor names it (and sometimes gives its customer number).
  * customer_number_text: nothing but the customer number (its id) identifies the payer; the
    amount is the ONLY subset (discounts included) of that customer's open invoices.
  * name_forms, sort_code_dashes: the amount is globally unique (as day 1's name_variant) and
    the only subset of the customer's open invoices; a folded or re-formed name equals one
    customer's loosely folded name only; a cut name is a prefix of one customer's only.
  * names_a_pays_ab: A + B is the only subset of the customer's open invoices making the sum,
    and no open invoice anywhere has that amount.
  * late_discount: after window + grace days the policy (README; reconcile/amounts.py
    Fit.DISCOUNT_EXPIRED) is cash only, no discount, never a write-off — whatever the size
    (variant late_small: a discount no larger than the fee tolerance); review with
    DISCOUNT_EXPIRED is the sanctioned alternative. Inside the grace days the discount is granted.
  * fee_absolute: short by at most the currency's absolute tolerance, never equal to the
    invoice's discount, no discount earned on the value date: written off as bank charges.
  * fee_vs_discount (not matchable): short by exactly an expired 1 % discount no larger than
    the tolerance, paid by a payment service nobody can identify: review (DISCOUNT_EXPIRED);
    with a known payer the same shortfall is a late_discount (cash only).
  * same_amount: 2-3 open invoices of the identified payer of exactly the amount (no other
    open invoice has it), no reference; over_no_cover: the named invoice takes < 1/2 of the
    money and no subset of the customer's open invoices sums to it; shared_account: the
    payer's account is on file for 2-4 customers, no name, number or reference identifies one
    (the amount may be one of their invoices', unique in the book).

A quarter of the customers are "quiet" (small, and enough GBP payers with a sort code on
file): only the classes of phases 2 and 3 draw from them, so their open sets stay small
enough (at most 20) to check every subset exactly. Phases: invoice-creating classes first; then classes that pick an existing invoice whose
customer's open set is final (nothing later adds open invoices); then classes that prove
nothing fits on the final book.
"""

from __future__ import annotations

from benchmarks.accuracy.labels import Dataset
from benchmarks.accuracy.round2_amounts import Round2Amounts
from benchmarks.accuracy.round2_labels import (
    ROUND2_NAMES,
    ROUND2_PHASE2,
    ROUND2_PHASE3,
    ROUND2_SCENARIOS,
)
from benchmarks.accuracy.round2_payers import MAX_OPEN, Round2Payers
from benchmarks.accuracy.round2_refs import Round2Refs
from reconcile.model import Customer

ROUND2_VERSION = 1


class Round2Builder(Round2Refs, Round2Payers, Round2Amounts):
    """The round-2 day: its book (round2_book.py), then every class's payments in three phases."""

    def counts(self) -> dict[str, int]:
        """Payments per class: shares × n by largest remainder, every class at least once."""
        n = self.n_payments
        raw = {s.name: s.share * n for s in ROUND2_SCENARIOS}
        counts = {k: max(1, int(v)) for k, v in raw.items()}
        order = sorted(raw, key=lambda k: (raw[k] - int(raw[k])), reverse=True)
        i = 0
        while sum(counts.values()) < n:
            counts[order[i % len(order)]] += 1
            i += 1
        while sum(counts.values()) > n:
            biggest = max(counts, key=lambda k: counts[k])
            counts[biggest] -= 1
        return counts

    def stock_up(self, counts: dict[str, int]) -> None:
        """More ordinary open invoices (unique amounts) for the customers phase 2 draws from —
        GBP payers with a sort code, small customers — so the book has enough candidates. They
        are filler: which of them a payment pays is decided (and checked) in phase 2."""
        preds = {"sort_code_dashes": lambda c: any(a in self.uk_accounts for a in c.accounts)}
        for name in ROUND2_PHASE2:
            pred = preds.get(name, lambda c: True)
            for _ in range(counts[name] * (3 if name == "names_a_pays_ab" else 2) + 2):
                try:
                    cust = self.pick_customer(lambda c: pred(c) and len(c.open_ids) < MAX_OPEN - 2, quiet=True)
                except RuntimeError:  # every such customer is full: phase 2 makes do (or says so)
                    break
                self.new_invoice(cust, unique=True)

    def build(self) -> Dataset:
        self.make_customers()
        self.make_filler()
        counts = self.counts()
        self.stock_up(counts)
        phase1 = tuple(n for n in ROUND2_NAMES if n not in ROUND2_PHASE2 + ROUND2_PHASE3)
        made = self.play((phase1, ROUND2_PHASE2, ROUND2_PHASE3), counts)
        return self.dataset(made, tuple(
            Customer(id=c.id, name=c.name, accounts=tuple(c.accounts) + tuple(self.shared.get(c.id, ())),
                     parent_id=self.parent_of.get(c.id))
            for c in self.customers
        ))


def generate_round2(seed: int, n_customers: int, n_payments: int) -> Dataset:
    """The round-2 labelled day for this seed (same arguments, same dataset, bit for bit)."""
    return Round2Builder(seed, n_customers, n_payments).build()
