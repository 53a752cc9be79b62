"""Money: one constructor, exact decimals, integer minor units at the edges.

Every amount in remit is a `decimal.Decimal` made by `D()` from the text the bank sent
(never from a float), and is stored as integer minor units of its currency.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

from core.errors import Invalid

ZERO = Decimal(0)

# ISO 4217 minor-unit exponents that differ from the default of 2.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


@cache
def _iso_4217() -> frozenset[str]:
    # The codes from pycountry (Debian's iso-codes, kept current with the ISO 4217 amendments)
    # rather than a hand list; the minor units above stay ours: pycountry does not carry them.
    import pycountry

    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def is_currency(code: str) -> bool:
    """Whether `code` is a current ISO 4217 currency code (upper case, as stored)."""
    return code in _iso_4217()


def non_default_exponents() -> dict[str, int]:
    """The currencies whose minor unit is not 1/100 (for queries that compare minor units)."""
    return dict(_EXPONENTS)


# No amount a bank or an AR system sends is longer than this (ISO 20022: 18 digits).
MAX_AMOUNT_TEXT = 64


class AmountError(Invalid):
    """An amount that is not an exact decimal or does not fit its currency."""


def D(value: str | int | Decimal) -> Decimal:
    """The one way to make an amount. Floats are refused: they cannot hold cents exactly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"amounts must not be made from {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        text = value.strip().replace("_", "")
        # Decimal() reads any script's digits ("١٢٣" is 123): amounts are ASCII only. The
        # length cap keeps Decimal and later int() conversions far from pathological sizes.
        if not text.isascii() or len(text) > MAX_AMOUNT_TEXT:
            raise AmountError(f"not a decimal amount (ASCII digits only): {value!r}")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise AmountError(f"not a decimal amount: {value!r}") from None
    if not result.is_finite():
        raise AmountError(f"not a finite amount: {value!r}")
    return result


def parse_amount(text: str, *, decimal_comma: bool | None = None) -> Decimal:
    """Parse bank amount text: optional sign, '.' or ',' as decimal mark.

    `decimal_comma=None` guesses from the text: a lone ',' followed by 1-3 digits at the end
    with no '.' is a decimal comma ("12,50"); thousands separators are dropped.
    """
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        raise AmountError("empty amount")
    if decimal_comma is None:
        decimal_comma = "," in s and "." not in s and len(s) - s.rfind(",") - 1 in (1, 2, 3) and s.count(",") == 1
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    return D(s)


def exponent(currency: str | None) -> int:
    """Number of minor-unit digits of an ISO 4217 currency (2 when unknown or absent)."""
    return _EXPONENTS.get((currency or "").upper(), 2)


def to_minor(amount: Decimal, currency: str | None) -> int:
    """Exact integer minor units; raises AmountError if the amount has sub-minor precision."""
    exp = exponent(currency)
    scaled = amount.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise AmountError(
            f"{format_amount(amount)} {currency or ''} has more than {exp} decimal places".strip()
        )
    return int(scaled)


_EXACT = 10**27  # below this scaleb is exact in the default 28-digit context


def from_minor(units: int, currency: str | None) -> Decimal:
    """Decimal amount quantized to the currency's exponent."""
    exp = exponent(currency)
    if -_EXACT < units < _EXACT:  # an integer's scaleb already has exactly `exp` decimals
        return Decimal(units).scaleb(-exp)
    return Decimal(units).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))  # raises if inexact


def minor_text(units: int, currency: str | None) -> str:
    """Integer minor units as the plain decimal string JSON carries: 1250, EUR -> "12.50".
    Written with integer text (a matching run writes hundreds of thousands of these)."""
    exp = exponent(currency)
    if exp == 0:
        return str(units)
    digits = str(-units if units < 0 else units).rjust(exp + 1, "0")
    return f"{'-' if units < 0 else ''}{digits[:-exp]}.{digits[-exp:]}"


def format_amount(amount: Decimal | None) -> str | None:
    """Plain decimal string for JSON (no exponent notation); None stays None."""
    if amount is None:
        return None
    return format(amount, "f")


def display_amount(
    amount: Decimal | str | int | None, currency: str | None = None, *, show_currency: bool = True
) -> str:
    """An amount for people, the same in the CLI and the workbench: thousands separators, the
    currency's decimals, then the currency: "1,234,567.50 EUR", "-12.00 USD", "1,000 JPY".
    Text is read as `D` reads it (a JSON amount string); None and blank are "—".
    `show_currency=False` for a table whose currency has a column of its own."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return "—"
    value = D(amount)
    exp = exponent(currency)
    if -value.as_tuple().exponent <= exp:  # type: ignore[operator]
        value = value.quantize(Decimal(1).scaleb(-exp))
    text = f"{value:,f}"
    return f"{text} {currency.upper()}" if currency and show_currency else text
