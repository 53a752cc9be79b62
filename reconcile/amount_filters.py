"""Amount conditions in SQL on minor-unit columns, for the read models' filters.

Money is stored in minor units of each row's own currency, so "amount >= 12.50" means 1250
for EUR rows but 13 for JPY rows (and 12500 for KWD): one condition per exponent class.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from core.money import non_default_exponents

_DEFAULT_EXPONENT = 2
_BY_EXPONENT: dict[int, list[str]] = {}
for _code, _exp in sorted(non_default_exponents().items()):
    _BY_EXPONENT.setdefault(_exp, []).append(_code)
_NON_DEFAULT = sorted(non_default_exponents())


def _in_class(currency: ColumnElement[Any], exp: int) -> ColumnElement[bool]:
    if exp == _DEFAULT_EXPONENT:
        return currency.not_in(_NON_DEFAULT)
    return currency.in_(_BY_EXPONENT[exp])


def _classes() -> list[int]:
    return sorted({_DEFAULT_EXPONENT, *_BY_EXPONENT})


def _scaled(amount: Decimal, exp: int, rounding: str) -> int:
    return int(amount.scaleb(exp).to_integral_value(rounding=rounding))


def amount_at_least(
    minor: ColumnElement[Any], currency: ColumnElement[Any], amount: Decimal
) -> ColumnElement[bool]:
    return or_(
        *(
            and_(_in_class(currency, e), minor >= _scaled(amount, e, ROUND_CEILING))
            for e in _classes()
        )
    )


def amount_at_most(
    minor: ColumnElement[Any], currency: ColumnElement[Any], amount: Decimal
) -> ColumnElement[bool]:
    return or_(
        *(
            and_(_in_class(currency, e), minor <= _scaled(amount, e, ROUND_FLOOR))
            for e in _classes()
        )
    )


def amount_equals(
    columns: Sequence[ColumnElement[Any]], currency: ColumnElement[Any], amount: Decimal
) -> ColumnElement[bool]:
    """Any of `columns` equals `amount` exactly (never for a currency it cannot be in)."""
    parts = []
    values = []
    for e in _classes():
        scaled = amount.scaleb(e)
        if scaled == scaled.to_integral_value():
            values.append(int(scaled))
            parts.append(and_(_in_class(currency, e), or_(*(c == int(scaled) for c in columns))))
    if not parts:
        return false()
    # The plain IN list first: it is what lets SQLite (not only PostgreSQL) use the indexes.
    return and_(or_(*(c.in_(values) for c in columns)), or_(*parts))
