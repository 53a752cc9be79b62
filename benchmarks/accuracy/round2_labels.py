"""The round-2 labelled day's mix (issue 12): the payment classes of the second round, each a
scenario with a share, whether a correct engine may auto-apply it, and what it is.
benchmarks/accuracy/round2.py's docstring says what each label promises."""

from __future__ import annotations

from benchmarks.accuracy.labels import Scenario

ROUND2_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("ref_range", 0.07, True, "a range of the payer's consecutive invoices: 'INV 1001-1003', '1001 to 1003', 'bis', 'thru'"),
    Scenario("ref_short_list", 0.06, True, "a shortened list: '1001/02/03', 'INV-2041 /42 /43'"),
    Scenario("ref_split_lines", 0.07, True, "a number cut across two remittance lines (35 / 140 wide), or numbers in separate fields"),
    Scenario("us_wire_text", 0.07, True, "US wire / ACH text: ORIG:, ORIG CO NAME:, B/O name the payer; OBI:, RFB:, IND ID: the invoice"),
    Scenario("parent_pays", 0.06, True, "a parent pays a subsidiary's invoice, or one payment covers two related customers' invoices; all referenced, exact"),
    Scenario("ultimate_debtor", 0.06, True, "a payment service / bank pays; ultimate debtor names the customer; invoice referenced, exact"),
    Scenario("customer_number_text", 0.06, True, "no invoice number; the customer number in the text, an amount unique among its open invoices"),
    Scenario("name_forms", 0.07, True, "no reference; name with folded umlauts, another legal form, or cut at 18/22/35; globally unique amount"),
    Scenario("sort_code_dashes", 0.05, True, "GBP payer account as sort code + account in any spelling, on file; no reference; unique amount"),
    Scenario("zero_padding", 0.08, True, "zero padding removed or added after a prefix; Swiss QR reference or RF reference in free text"),
    Scenario("partial_clear_ref", 0.05, True, "partial payment of one invoice with an unambiguous reference: cash only"),
    Scenario("names_a_pays_ab", 0.05, True, "names invoice A, pays A+B of the same customer exactly (only subset that fits)"),
    Scenario("late_discount", 0.06, True, "discount taken after window + grace (cash only, any size) or within grace days (granted)"),
    Scenario("fee_absolute", 0.06, True, "short by a bank charge within the absolute per-currency tolerance: write-off"),
    Scenario("fee_vs_discount", 0.02, False, "short by an expired 1% discount (within the fee tolerance), payer not identified: never a fee; review"),
    Scenario("same_amount", 0.04, False, "known payer, no reference, two or three open invoices of exactly that amount: review"),
    Scenario("over_no_cover", 0.04, False, "over-payment whose named invoice covers less than half the money, nothing else fits: review"),
    Scenario("shared_account", 0.03, False, "payer account on file for several customers (factor / PSP), nothing else identifies: review"),
)
ROUND2_NAMES: tuple[str, ...] = tuple(s.name for s in ROUND2_SCENARIOS)
ROUND2_MATCHABLE: dict[str, bool] = {s.name: s.matchable for s in ROUND2_SCENARIOS}
# Phases of the day: (1) scenarios that create invoices; (2) those that pick an existing
# invoice whose customer's open set is final (unique amounts, single subsets); (3) those that
# need the final book to prove nothing fits.
ROUND2_PHASE2 = ("customer_number_text", "name_forms", "sort_code_dashes", "names_a_pays_ab")
ROUND2_PHASE3 = ("over_no_cover", "shared_account")
