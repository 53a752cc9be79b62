"""core.money: minor units and their text (the one way amounts reach JSON)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import AmountError, from_minor, minor_text, to_minor


@pytest.mark.parametrize(("units", "currency", "text"), [
    (1250, "EUR", "12.50"), (0, "EUR", "0.00"), (-5, "USD", "-0.05"), (1234, "JPY", "1234"),
    (1234, "KWD", "1.234"), (7, None, "0.07"), (10**15, "EUR", "10000000000000.00"),
])
def test_minor_text_writes_the_currencys_decimals_and_never_an_exponent(
    units: int, currency: str | None, text: str
) -> None:
    assert minor_text(units, currency) == text


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_minor_units_survive_text_and_back(units: int, currency: str) -> None:
    assert to_minor(Decimal(minor_text(units, currency)), currency) == units
    assert from_minor(units, currency) == Decimal(minor_text(units, currency))


def test_sub_minor_precision_is_refused() -> None:
    with pytest.raises(AmountError, match="more than 2 decimal places"):
        to_minor(Decimal("10.005"), "EUR")


@given(units=st.integers(-(10**30), 10**30), currency=st.sampled_from(["EUR", "JPY", "KWD", "CLF", "XXX", None]))
def test_minor_units_read_back_exactly_as_the_general_decimal_path(units: int, currency: str | None) -> None:
    # from_minor and minor_text take fast paths: they must equal the plain Decimal quantize.
    from decimal import Decimal, InvalidOperation

    from core.money import exponent, from_minor, minor_text

    exp = exponent(currency)
    try:
        expected = Decimal(units).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))
    except InvalidOperation:  # beyond 28 digits: refused, never rounded
        with pytest.raises(InvalidOperation):
            from_minor(units, currency)
        return
    got = from_minor(units, currency)
    assert (got, str(got), got.as_tuple().exponent) == (expected, str(expected), expected.as_tuple().exponent)
    assert minor_text(units, currency) == format(expected, "f")


def test_currency_codes_are_iso_4217() -> None:
    from core.money import is_currency, non_default_exponents

    assert all(is_currency(code) for code in ("EUR", "USD", "JPY", "KWD", "CHF", "XOF"))
    assert not any(is_currency(code) for code in ("ABC", "XYZ", "eur", "EURO", ""))
    # Every currency given its own number of decimals is a real one (no typo in that table).
    assert all(is_currency(code) for code in non_default_exponents())


def test_display_amount_is_the_one_way_people_see_money() -> None:
    from core.money import display_amount

    assert display_amount("1234567.5", "EUR") == "1,234,567.50 EUR"
    assert display_amount(Decimal("-12"), "usd") == "-12.00 USD"
    assert display_amount("1000", "JPY") == "1,000 JPY"
    assert display_amount("12.345", "KWD") == "12.345 KWD"
    assert display_amount("980.00", "EUR", show_currency=False) == "980.00"
    assert display_amount(None, "EUR") == "—"
    with pytest.raises(TypeError):
        display_amount(1.5, "EUR")  # type: ignore[arg-type]


def test_labels_name_codes_for_people_and_never_fail() -> None:
    from core.labels import choices, label
    from ingest.ach import codes

    assert label("return_reason", "R01") == "R01 Insufficient funds"
    assert label("return_reason", "AC04") == "AC04 Closed account"
    assert label("change_code", "c01") == "C01 Incorrect DFI account number"
    assert label("review_reason", "no_customer") == "No customer identified"
    assert label("review_reason", "brand_new_reason") == "Brand new reason"
    assert label("return_reason", "R97") == "R97"
    assert label("method", None) == ""
    assert codes.RETURN_CODES["R02"] == "Account closed"  # the parser reads the same table
    assert ("manual", "By hand") in choices("method")


def test_every_review_reason_has_a_label() -> None:
    from core.labels import REVIEW_REASONS
    from reconcile.model import ReviewReason

    assert {r.value for r in ReviewReason} <= set(REVIEW_REASONS)
