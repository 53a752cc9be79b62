from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        # UK sort code and account: one key however they are written (issue 12)
        ("20-00-00 12345678", "20000012345678"),
        ("200000 12345678", "20000012345678"),
        ("20 00 00/12345678", "20000012345678"),
        ("20-00-00-12345678", "20000012345678"),
        ("20000012345678", "20000012345678"),
        ("20-00-00 1234567", "20000001234567"),  # 7-digit accounts are written with a leading 0
        ("123456789012", "123456789012"),  # digits alone: not taken apart as a sort code
        ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("ABA:091000019:000000012345", "ABA:091000019:12345"),
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


@given(st.from_regex(r"\A[0-9]{6}[0-9]{8}\Z"), st.sampled_from(["-", " ", ""]), st.sampled_from([" ", "/", "-", " / "]))
def test_sort_code_spellings_share_one_key(digits: str, inner: str, outer: str) -> None:
    sc, account = digits[:6], digits[6:]
    written = inner.join((sc[:2], sc[2:4], sc[4:])) + outer + account
    assert normalize_account(written) == try_normalize_account(written) == digits
    assert normalize_account(normalize_account(written)) == digits  # idempotent
