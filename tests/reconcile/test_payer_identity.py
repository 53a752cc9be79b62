"""Payer identity beyond the name (issue 12): account spellings, customer numbers in the text,
the ultimate payer, and accounts shared by several customers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from reconcile.customers import CustomerIndex, Method
from reconcile.engine import match
from reconcile.model import Action, MatchSettings

from .builders import customer, invoice, payment

S = MatchSettings()
UK = "20-00-00 12345678"  # as imported
PAYPAL = "LU89751000135104200E"  # a payment service's clearing account
PEOPLE = [
    customer("10042", "Harbour Foods Ltd", UK),
    customer("C-20077", "Lindqvist Trading AB"),
    customer("30001", "Brightside Dental LLC", PAYPAL),
    customer("30002", "Oakridge Veterinary Clinic", PAYPAL),  # paid through the same account
    customer("40001", "Meridian Outfitters Inc"),
]
INDEX = CustomerIndex(PEOPLE)


def who(p) -> tuple[str, Method] | None:  # type: ignore[no-untyped-def]
    hit = INDEX.identify_payment(p, S).unique
    return (hit.customer_id, hit.method) if hit else None


@pytest.mark.parametrize("account", ["200000 12345678", "20 00 00/12345678", "20-00-00-12345678", "20000012345678"])
def test_uk_sort_code_spellings_find_the_imported_account(account: str) -> None:
    assert who(payment("1.00", account=account)) == ("10042", Method.ACCOUNT)


@pytest.mark.parametrize("line, cid", [
    ("CUST 10042 thank you", "10042"),
    ("Kd-Nr. 10042", "10042"),
    ("Kundennummer: 0010042", "10042"),
    ("Customer ID: C-10042", "10042"),  # a prefix the id on file does not have
    ("customer no 20077", "C-20077"),  # the id on file has one the payer left out
    ("Client # C-20077", "C-20077"),
    ("KD.-NR. 10042", "10042"),  # dot and dash before NR (round-2 benchmark miss)
    ("Acct 0010042", "10042"),  # the payer's account with us, as US remittance writes it
    ("Account no. C-20077", "C-20077"),
])
def test_a_customer_number_in_the_text_identifies_the_customer(line: str, cid: str) -> None:
    hit = INDEX.identify_payment(payment("1.00", line, name="SOMEONE ELSE ENTIRELY"), S).unique
    assert hit is not None and hit.customer_id == cid and hit.method is Method.ACCOUNT
    assert "customer number" in hit.reason


@pytest.mark.parametrize("line", ["Invoice 10042", "CUST 99999", "Kd-Nr. 10042, Kd-Nr. 40001", "CUST 42"])
def test_numbers_that_are_no_single_customers_number_say_nothing(line: str) -> None:
    assert who(payment("1.00", line)) is None


def test_the_payers_own_bank_account_written_out_is_no_customer_number() -> None:
    # 'ACCT 40001' where 40001 is the payer's own (unknown) bank account, not a customer number
    assert who(payment("1.00", "ACCT 40001", account="GB00XXXX0000040001")) is None
    assert who(payment("1.00", "ACCT 40001", account="GB00XXXX0000099999")) == ("40001", Method.ACCOUNT)


def test_a_customer_number_against_the_account_leaves_the_payer_open() -> None:
    ident = INDEX.identify_payment(payment("1.00", "CUST 40001", account=UK), S)
    assert ident.unique is None
    assert {h.customer_id for h in ident.hits} == {"10042", "40001"}
    assert who(payment("1.00", "CUST 10042", account=UK)) == ("10042", Method.ACCOUNT)  # agreeing: fine


def test_the_ultimate_payer_is_the_customer() -> None:
    # a bank pays from its own account for its client
    p = replace(payment("1.00", name="BANK OF SOMEWHERE PLC", account=UK), ultimate_payer="Meridian Outfitters")
    hit = INDEX.identify_payment(p, S).unique
    assert hit is not None and hit.customer_id == "40001" and "ultimate payer" in hit.reason
    p = replace(payment("1.00", name="PAYROLL SERVICES GMBH"), ultimate_payer_id="C-20077")
    assert who(p) == ("C-20077", Method.ACCOUNT)
    # an ultimate payer we do not know leaves the payer's own evidence in place
    p = replace(payment("1.00", account=UK), ultimate_payer="Unknown Holdings SA")
    assert who(p) == ("10042", Method.ACCOUNT)


def test_a_shared_account_identifies_nobody_but_names_still_do() -> None:
    ident = INDEX.identify_payment(payment("1.00", name="PAYPAL EUROPE", account=PAYPAL), S)
    assert ident.unique is None and all(h.method is Method.ACCOUNT_SHARED for h in ident.hits)
    assert who(payment("1.00", name="OAKRIDGE VETERINARY CLINIC", account=PAYPAL)) == ("30002", Method.ACCOUNT)
    # a customer who is not among the account's owners is found by name
    hit = INDEX.identify_payment(payment("1.00", name="Meridian Outfitters", account=PAYPAL), S).unique
    assert hit is not None and hit.customer_id == "40001" and hit.method is Method.ALIAS
    assert "shared" in hit.reason


# -- through the engine ------------------------------------------------------------------------

BOOK = [
    invoice("H-1", "10042", "410.00"),
    invoice("M-1", "40001", "410.00"),
    invoice("B-1", "30001", "95.00"),
    invoice("O-1", "30002", "95.00"),
]


def numbers(d) -> set[str]:  # type: ignore[no-untyped-def]
    assert d.action is Action.APPLY, (d.reason, d.explanation)
    return {a.invoice_number for a in d.applied.allocations}


def test_engine_applies_an_amount_on_payer_identity_alone() -> None:
    payments = [
        payment("410.00", "SUPPLIER PAYMENT", account="200000/12345678", pid=1),
        payment("410.00", "Kd-Nr. 40001", name="J SMITH", pid=2),
        replace(payment("410.00", name="FIRST NATIONAL BANK", pid=3), ultimate_payer_id="40001"),
        replace(payment("410.00", name="FIRST NATIONAL BANK", account=UK, pid=4), ultimate_payer="MERIDIAN OUTFITTERS"),
    ]
    decisions = [match([p], PEOPLE, BOOK, S)[0] for p in payments]  # each on its own: they pay one invoice
    assert [numbers(d) for d in decisions] == [{"H-1"}, {"M-1"}, {"M-1"}, {"M-1"}]
    assert any("customer number 40001" in r for r in decisions[1].applied.reasons)  # type: ignore[union-attr]
    assert any("ultimate payer" in r for r in decisions[3].applied.reasons)  # type: ignore[union-attr]


def test_engine_does_not_apply_on_a_shared_account_or_a_contested_number() -> None:
    decisions = match([
        # two customers pay 95.00 through PayPal: the account says nothing
        payment("95.00", "ORDER", name="PAYPAL EUROPE SARL", account=PAYPAL, pid=1),
        # the account is Harbour's, the number Meridian's: both invoices fit, neither is taken
        payment("410.00", "CUST 40001", account=UK, pid=2),
    ], PEOPLE, BOOK, S)
    assert [d.action for d in decisions] == [Action.REVIEW, Action.REVIEW]
    assert decisions[0].applied is None and decisions[1].applied is None
    assert Decimal("95.00") in {s.allocations[0].applied for s in decisions[0].suggestions if s.allocations}
