"""Parent / group companies (issue 12): who may pay whose invoices, through reconcile.engine.match."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_97_10

from reconcile.engine import match
from reconcile.groups import Groups
from reconcile.model import Action, Customer, Decision, MatchSettings, ReviewReason

from .builders import customer, invoice, payment

D = Decimal
IBAN_PARENT = "DE44500105175407324931"
IBAN_OTHER = "FR1420041010050500013M02606"

PARENT = replace(customer("P1", "Holdco Group AG", IBAN_PARENT), parent_id=None)
SUB_A = replace(customer("S1", "Holdco Logistics GmbH"), parent_id="P1")
SUB_B = replace(customer("S2", "Holdco Retail GmbH"), parent_id="P1")
GRANDCHILD = replace(customer("S3", "Holdco Retail Nord GmbH"), parent_id="S2")
STRANGER = customer("X1", "Unrelated Widgets Ltd", IBAN_OTHER)
CUSTOMERS = [PARENT, SUB_A, SUB_B, GRANDCHILD, STRANGER]


def book() -> list:  # type: ignore[type-arg]
    return [
        invoice("INV-71001", "S1", "1000.00"),
        invoice("INV-72001", "S2", "250.00"),
        invoice("INV-73001", "S3", "80.00"),
        invoice("INV-70001", "P1", "40.00"),
        invoice("INV-79001", "X1", "612.00"),
    ]


def one(p, invoices=None, customers=CUSTOMERS) -> Decision:  # type: ignore[no-untyped-def]
    [decision] = match([p], customers, invoices if invoices is not None else book(), MatchSettings())
    return decision


def applied(d: Decision) -> set[tuple[str, Decimal]]:
    assert d.action is Action.APPLY, (d.reason, d.explanation, d.suggestions)
    assert d.applied is not None
    return {(a.invoice_number, a.applied) for a in d.applied.allocations}


def rf(payload: str) -> str:
    return f"RF{mod_97_10.calc_check_digits(payload + 'RF')}{payload}"


# -- the relation -------------------------------------------------------------------------------


def test_related_means_same_top_parent() -> None:
    g = Groups(CUSTOMERS)
    assert g.related("P1", "S1") and g.related("S1", "P1")  # parent and child
    assert g.related("S1", "S2")  # siblings
    assert g.related("S3", "P1") and g.related("S3", "S1")  # grandchild, through S2
    assert not g.related("X1", "P1") and not g.related("S1", "S1")
    assert not Groups([STRANGER, customer("C1", "Acme")])  # nobody has a parent: no groups


ids = st.sampled_from(["a", "b", "c", "d", "e"])


@given(st.dictionaries(ids, st.one_of(st.none(), ids)))
def test_same_group_is_an_equivalence_even_with_cycles(parents: dict[str, str | None]) -> None:
    g = Groups([Customer(cid, cid, parent_id=up) for cid, up in parents.items()])
    people = sorted(parents)
    for a in people:
        assert g.same_group(a, a)
        for b in people:
            assert g.same_group(a, b) == g.same_group(b, a)
            if parents[a] == b:
                assert g.same_group(a, b)  # a child is in its parent's group
            for c in people:
                if g.same_group(a, b) and g.same_group(b, c):
                    assert g.same_group(a, c)


# -- rule 1: a related payer corroborates an exact reference --------------------------------------


def test_parent_pays_a_subsidiarys_invoice_by_text_reference() -> None:
    d = one(payment("250.00", "INV-72001", account=IBAN_PARENT))
    assert applied(d) == {("INV-72001", D("250.00"))}
    assert d.applied.customer_id == "S2" and d.reason is None
    assert any("paid by parent/group company Holdco Group AG" in r for r in d.applied.reasons)


def test_subsidiary_pays_its_parents_and_a_grandchild_pays_a_sibling() -> None:
    d = one(payment("40.00", "INV-70001", name="Holdco Logistics GmbH"))  # S1 pays for P1
    assert applied(d) == {("INV-70001", D("40.00"))}
    d = one(payment("1000.00", "INV-71001", name="Holdco Retail Nord GmbH"))  # S3 pays for S1
    assert applied(d) == {("INV-71001", D("1000.00"))}


def test_related_payer_partial_payment_is_treated_like_the_customers_own() -> None:
    d = one(payment("100.00", "INV-71001", account=IBAN_PARENT))
    assert applied(d) == {("INV-71001", D("100.00"))}
    assert d.reason is ReviewReason.PARTIAL_PAYMENT


def test_without_the_parent_link_the_same_payment_goes_to_review() -> None:
    unlinked = [replace(c, parent_id=None) for c in CUSTOMERS]
    # 0 points for the exact text reference + exact amount would apply (third party); the
    # payer identified as another customer costs 20: review, as before issue 12.
    d = one(payment("250.00", "INV-72001", account=IBAN_PARENT), customers=unlinked)
    assert d.action is Action.REVIEW and d.reason is ReviewReason.LOW_CONFIDENCE


# -- rule 2: one payment, invoices of two related customers ---------------------------------------


def test_parent_pays_two_subsidiaries_invoices_at_once() -> None:
    d = one(payment("1250.00", "INV-71001 INV-72001", account=IBAN_PARENT))
    assert applied(d) == {("INV-71001", D("1000.00")), ("INV-72001", D("250.00"))}
    assert d.applied.customer_id == "P1" and d.reason is None
    assert any("paid by parent/group company" in r for r in d.applied.reasons)


def test_parent_pays_its_own_and_a_subsidiarys_invoice_with_bank_charges() -> None:
    # 8.00 short of 1040.00: within the fee tolerance, written off like for one customer
    d = one(payment("1032.00", "INV-70001 / INV-71001", account=IBAN_PARENT))
    assert d.action is Action.APPLY and d.applied is not None
    assert {a.invoice_number for a in d.applied.allocations} == {"INV-70001", "INV-71001"}
    assert sum(a.write_off for a in d.applied.allocations) == D("8.00")


def test_unknown_payer_naming_two_related_customers_invoices_exactly_applies() -> None:
    d = one(payment("330.00", "INV-72001 INV-73001", name="TREASURY SERVICES"))
    assert applied(d) == {("INV-72001", D("250.00")), ("INV-73001", D("80.00"))}
    assert d.applied.customer_id == "P1"  # the group's top parent


def test_group_payment_that_pays_only_some_named_invoices_is_planned_like_one_customers() -> None:
    p = payment("1080.00", "INV-71001 INV-72001 INV-73001", account=IBAN_PARENT)
    d = one(p)
    # One customer's "names three, pays two of them exactly" applies the two (the short plan over
    # all three may never apply, so the exact pair leads it): the group's invoices alike.
    own = one(p, [replace(inv, customer_id="P1") for inv in book()])
    assert (d.action, d.reason) == (own.action, own.reason) == (Action.APPLY, None)
    assert d.applied is not None and own.applied is not None
    assert d.applied.invoice_numbers == own.applied.invoice_numbers == ("INV-71001", "INV-73001")
    assert d.applied.score == own.applied.score


def test_two_unrelated_customers_invoices_in_one_payment_are_not_combined() -> None:
    d = one(payment("1612.00", "INV-71001 INV-79001", name="TREASURY SERVICES"))
    assert d.action is Action.REVIEW


def test_group_payment_with_an_amount_that_fits_nothing_goes_to_review() -> None:
    d = one(payment("777.77", "INV-71001 INV-72001", name="TREASURY SERVICES"))
    assert d.action is Action.REVIEW


# -- rule 3: an unrelated identified payer ---------------------------------------------------------


def test_unrelated_payer_structured_reference_and_exact_amount_applies_with_a_reason() -> None:
    d = one(payment("612.00", invoices=(("INV-79001", None),), account=IBAN_PARENT))
    assert applied(d) == {("INV-79001", D("612.00"))}
    assert d.applied.customer_id == "X1"
    assert any("payer differs" in r and "payer looks like customer P1" in r for r in d.applied.reasons)


def test_unrelated_payer_valid_rf_and_exact_amount_applies() -> None:
    d = one(payment("612.00", references=(rf("79001"),), account=IBAN_PARENT))
    assert applied(d) == {("INV-79001", D("612.00"))}


def test_unrelated_payer_with_a_text_reference_still_goes_to_review() -> None:
    d = one(payment("612.00", "INV-79001", account=IBAN_PARENT))
    assert d.action is Action.REVIEW and d.reason is ReviewReason.LOW_CONFIDENCE


def test_unrelated_payer_structured_reference_with_another_amount_is_a_decoy() -> None:
    for amount in ("500.00", "700.00", "608.00"):  # short, over, and within the fee tolerance
        d = one(payment(amount, invoices=(("INV-79001", None),), account=IBAN_PARENT))
        assert d.action is Action.REVIEW, amount
    d = one(payment("500.00", references=(rf("79001"),), account=IBAN_PARENT))
    assert d.action is Action.REVIEW


def test_unrelated_payer_rule_does_not_leak_into_the_group_rules() -> None:
    # The stranger names a group invoice in text with the right amount: still review.
    d = one(payment("250.00", "INV-72001", account=IBAN_OTHER))
    assert d.action is Action.REVIEW


@given(st.decimals(min_value=D("0.01"), max_value=D("5000.00"), places=2))
def test_an_unrelated_payer_is_applied_only_at_the_exact_amount(amount: Decimal) -> None:
    for p in (payment(str(amount), invoices=(("INV-79001", None),), account=IBAN_PARENT),
              payment(str(amount), references=(rf("79001"),), account=IBAN_PARENT)):
        d = one(p)
        assert (d.action is Action.APPLY) == (amount == D("612.00")), (amount, d.explanation)


# -- the rest of the run: duplicates and claims ---------------------------------------------------


def test_a_parent_naming_a_subsidiarys_paid_invoice_is_a_duplicate() -> None:
    invs = [*book(), invoice("INV-72009", "S2", "90.00", open_amount="0")]
    d = one(payment("90.00", "INV-72009", account=IBAN_PARENT), invs)
    assert d.action is Action.REVIEW and d.reason is ReviewReason.DUPLICATE_PAYMENT


def test_a_parents_claim_keeps_an_amount_only_guess_off_the_invoice() -> None:
    # The parent names INV-72001 and INV-73001 but pays far too little (review); the
    # subsidiary's unreferenced payment of INV-72001's amount is then no sure thing either.
    named = payment("100.00", "INV-72001 INV-73001", account=IBAN_PARENT)
    bare = payment("250.00", "SUPPLIER PAYMENT", name="Holdco Retail GmbH")
    alone = one(bare)
    assert applied(alone) == {("INV-72001", D("250.00"))}  # by itself: known name + amount
    decisions = {d.payment_id: d for d in match([named, bare], CUSTOMERS, book(), MatchSettings())}
    assert decisions[named.id].action is Action.REVIEW
    guess = decisions[bare.id]
    assert guess.action is Action.REVIEW and guess.suggestions[0].invoice_numbers == ("INV-72001",)
    assert any("named by another payment" in r for r in guess.suggestions[0].reasons)
