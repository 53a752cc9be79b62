from __future__ import annotations

import pytest

from core.accounts import AccountError, normalize_account, try_normalize_account


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("DE89370400440532013000", "DE89370400440532013000"),
        ("091000019:000123-45", "ABA:091000019:12345"),
        ("ABA:091000019:0012345", "ABA:091000019:12345"),
        ("ABA:091000019:12345", "ABA:091000019:12345"),
        ("ACH-CO:1234567890", "ACH-CO:1234567890"),
        ("0035-2915203-10-000", "0035-2915203-10-000"),
        ("  ", None),
        (None, None),
    ],
)
def test_normal_forms(raw, normal) -> None:
    assert normalize_account(raw) == normal


@pytest.mark.parametrize("raw", ["DE89370400440532013001", "091000018:12345"])
def test_bad_check_digits_are_refused_on_import(raw) -> None:
    with pytest.raises(AccountError):
        normalize_account(raw)
    assert try_normalize_account(raw) == raw.upper()  # a payer's account from a bank is kept as sent
