"""Numbers in bank files: ASCII digits only, and never more than a field can hold.

Python's `int()`, `Decimal()` and `str.isdigit()` accept far more than a bank file may carry:
'²'.isdigit() is True (and int('²') then raises), int('١٢٣') is 123, and int() of more than
4,300 digits raises ValueError. Every count, code, date part and amount the parsers read goes
through `is_ascii_digits`, so odd digits are a ParseError naming the field and
the value, never an internal error and never a silently converted number.
"""

from __future__ import annotations

# An amount in minor units must fit a signed 64-bit column; 18 digits always do.
MAX_AMOUNT_DIGITS = 18


def is_ascii_digits(text: str, max_digits: int | None = None) -> bool:
    """True for a non-empty run of 0-9 (at most `max_digits` long when given)."""
    if max_digits is not None and len(text) > max_digits:
        return False
    return text.isascii() and text.isdigit()


def readable(raw: bytes, limit: int = 60) -> str:
    """Bytes of a file shown as text for a message: UTF-8 where it is, U+FFFD where not.

    Never Latin-1: that shows 'Â²' for a '²' and hides what the file says.
    """
    return raw[:limit].decode("utf-8", "replace")
