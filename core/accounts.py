"""One spelling per bank account, so a payer's account matches the customer's on file.

    normalize_account("de89 3704 0044 0532 0130 00")  -> "DE89370400440532013000"
    normalize_account("091000019:000123-45")           -> "ABA:091000019:12345"
    normalize_account("ABA:091000019:0012345")         -> "ABA:091000019:12345"
    normalize_account("ACH-CO:1234567890")             -> "ACH-CO:1234567890"
    normalize_account("20-00-00 1234567")              -> "20000001234567"

IBANs are validated (python-stdnum); an ABA routing number must pass its check digit. The
account part of an ABA pair keeps digits and letters only, without leading zeros (banks pad
MICR account fields differently). A UK sort code and account number ("20-00-00 12345678",
"20 00 00/12345678") become the 14 digits that "200000 12345678" always compacted to, the
account padded to 8 digits as UK banks do. Anything else is kept upper-cased without spaces.
"""

from __future__ import annotations

import re

from stdnum import iban as _iban
from stdnum.us import rtn as _rtn

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_ABA_PAIR = re.compile(r"^(?:ABA:)?(\d{9})[:/ ]([A-Z0-9 \-]+)$")
# Sort code written 20-00-00, 20 00 00 or 200000, a separator, then the account (6 to 8
# digits). Digits alone are left as they are: '123456789012' may be any bank's account.
_SORT_CODE = re.compile(r"^(\d{2})([- ]?)(\d{2})\2(\d{2})[ /:\-]+(\d{6,8})$")


class AccountError(ValueError):
    """An account that claims a shape (IBAN, ABA routing) but fails its check."""


def normalize_account(text: str | None) -> str | None:
    """The canonical form of an account identifier; None for empty input.

    Raises AccountError for an IBAN or routing number whose check digits are wrong.
    """
    return _canonical(text, strict=True)


def try_normalize_account(text: str | None) -> str | None:
    """normalize_account for payer data from banks: a bad check digit keeps the raw form."""
    try:
        return _canonical(text, strict=False)
    except AccountError:
        return re.sub(r"\s+", "", (text or "").strip().upper()) or None


def _canonical(text: str | None, *, strict: bool) -> str | None:
    if text is None:
        return None
    s = re.sub(r"\s+", "", text.strip().upper())
    if not s:
        return None
    if _IBAN_SHAPE.match(s):
        # A valid IBAN's compact form is `s` itself, and an invalid one keeps its raw form,
        # which is `s` too: only a strict caller pays for the check (~70 us per IBAN).
        if strict and not _iban.is_valid(s):
            raise AccountError(f"not a valid IBAN: {text!r}")
        return s
    spaced = text.strip().upper()
    if m := _ABA_PAIR.match(spaced):
        routing, account = m.group(1), re.sub(r"[^A-Z0-9]", "", m.group(2)).lstrip("0")
        if not _rtn.is_valid(routing):
            raise AccountError(f"not a valid ABA routing number: {routing!r} in {text!r}")
        return f"ABA:{routing}:{account or '0'}"
    if m := _SORT_CODE.match(spaced):
        return m.group(1) + m.group(3) + m.group(4) + m.group(5).zfill(8)
    return s
