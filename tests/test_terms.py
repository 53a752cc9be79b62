from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.terms import last_discount_day, parse_terms

D = Decimal


@pytest.mark.parametrize(
    ("text", "net", "pct", "days", "eom"),
    [
        ("net 30", 30, None, None, False),
        ("Net30", 30, None, None, False),
        ("N/45", 45, None, None, False),
        ("2/10 net 30", 30, D("2"), 10, False),
        ("2/10, Net 30", 30, D("2"), 10, False),
        ("2/10 n/30", 30, D("2"), 10, False),
        ("1%15 net 45", 45, D("1"), 15, False),
        ("1.5% 10 net 30", 30, D("1.5"), 10, False),
        ("2/10 EOM net 30", 30, D("2"), 10, True),
        ("2/10 EOM", None, D("2"), 10, True),
        ("net 30 EOM", 30, None, None, True),
        ("EOM", 0, None, None, True),
        ("due on receipt", 0, None, None, False),
        ("COD", 0, None, None, False),
    ],
)
def test_known_terms(text, net, pct, days, eom) -> None:
    terms, warning = parse_terms(text)
    assert warning is None and terms.known
    assert (terms.net_days, terms.discount_percent, terms.discount_days, terms.eom) == (net, pct, days, eom)
    assert terms.text == text


@pytest.mark.parametrize("text", ["pay when you like", "2/10", "150/10 net 30", "net thirty"])
def test_unknown_terms_mean_no_discount_with_a_warning(text) -> None:
    terms, warning = parse_terms(text)
    assert not terms.known and terms.discount_percent is None
    assert warning is not None and text in warning


def test_empty_terms_are_no_terms_without_warning() -> None:
    assert parse_terms(None) == parse_terms("  ") and parse_terms("")[1] is None


def test_windows_from_issue_date_or_end_of_month() -> None:
    plain, _ = parse_terms("2/10 net 30")
    assert plain.discount_deadline(date(2026, 11, 5)) == date(2026, 11, 15)
    assert plain.net_due(date(2026, 11, 5)) == date(2026, 12, 5)
    eom, _ = parse_terms("2/10 EOM net 30")
    assert eom.discount_deadline(date(2026, 2, 3)) == date(2026, 3, 10)  # Feb 28 + 10
    assert eom.net_due(date(2024, 2, 3)) == date(2024, 3, 30)  # leap year: Feb 29 + 30


def test_discount_rounds_half_up_to_the_currency_unit() -> None:
    terms, _ = parse_terms("2/10 net 30")
    assert terms.discount_amount(D("1000.00"), "EUR") == D("20.00")
    assert terms.discount_amount(D("10.25"), "USD") == D("0.21")  # 0.205 -> 0.21
    assert terms.discount_amount(D("1234"), "JPY") == D("25")  # 24.68 -> 25
    none, _ = parse_terms("net 30")
    assert none.discount_amount(D("1000.00"), "EUR") == D("0")


def test_a_discount_is_earned_until_the_deadline_plus_grace_days() -> None:
    terms, _ = parse_terms("2/10 EOM net 30")
    assert terms.discount_last_day(date(2026, 2, 3), grace_days=0) == date(2026, 3, 10)
    assert terms.discount_last_day(date(2026, 2, 3), grace_days=3) == date(2026, 3, 13)
    assert last_discount_day(date(2026, 12, 30), 3) == date(2027, 1, 2)
    assert parse_terms("net 30")[0].discount_last_day(date(2026, 2, 3), grace_days=3) is None
