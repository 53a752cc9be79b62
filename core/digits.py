"""Numbers in bank files: ASCII digits only, and never more than a field can hold.

Python's `int()`, `Decimal()` and `str.isdigit()` accept far more than a bank file may carry:
'²'.isdigit() is True (and int('²') then raises), int('١٢٣') is 123, and int() of more than
4,300 digits raises ValueError. Every count, code, date part and amount the parsers read goes
through `is_ascii_digits` / `ascii_int`, so odd digits are a ParseError naming the field and
the value, never an internal error and never a silently converted number.
"""

from __future__ import annotations

from core.errors import ParseError

# An amount in minor units must fit a signed 64-bit column; 18 digits always do.
MAX_AMOUNT_DIGITS = 18


def is_ascii_digits(text: str, max_digits: int | None = None) -> bool:
    """True for a non-empty run of 0-9 (at most `max_digits` long when given)."""
    if max_digits is not None and len(text) > max_digits:
        return False
    return text.isascii() and text.isdigit()


def ascii_int(
    text: str,
    *,
    field: str,
    max_digits: int = MAX_AMOUNT_DIGITS,
    line: int | None = None,
    record: str | None = None,
    what: str = "a number",
) -> int:
    """`text` (surrounding blanks allowed) as an int, or a ParseError naming field and value."""
    digits = text.strip()
    if is_ascii_digits(digits, max_digits):
        return int(digits)
    if len(digits) > max_digits and is_ascii_digits(digits):
        message = f"not {what}: more than {max_digits} digits"
    else:
        message = f"not {what} (ASCII digits 0-9 only)"
    raise ParseError(message, line=line, record=record, field=field, value=text)


def readable(raw: bytes, limit: int = 60) -> str:
    """Bytes of a file shown as text for a message: UTF-8 where it is, U+FFFD where not.

    Never Latin-1: that shows 'Â²' for a '²' and hides what the file says.
    """
    return raw[:limit].decode("utf-8", "replace")
