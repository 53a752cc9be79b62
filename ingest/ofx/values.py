"""OFX values: the calendar date of a date-time and a strictly read amount."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from core.money import D

_DATETIME = re.compile(
    r"([0-9]{4})([0-9]{2})([0-9]{2})"  # the date, which is all remit keeps (ASCII digits only)
    r"(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?(?:[.:][0-9]{1,6})?)?"  # HH[MM[SS]][.XXX]
    r"\s*(?:\[\s*[+-]?[0-9]{1,2}(?:\.[0-9]+)?(?::[^\]]*)?\])?"  # [offset:TZ]
)
# Plain digits with '.' or ',' as the decimal mark (the OFX rule; so "1,234" is 1.234), or
# digits in groups of three with a separator and the other mark as decimal mark.
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)\s*(?:"
    r"(?P<int>[0-9]{0,18})(?:[.,](?P<frac>[0-9]{0,18}))?"
    r"|(?P<groups>[0-9]{1,3}(?P<sep>[,. '\u00a0])[0-9]{3}(?:(?P=sep)[0-9]{3}){0,4})"
    r"(?:(?!(?P=sep))[.,](?P<gfrac>[0-9]{0,18}))?"
    r")"
)
NULL_AMOUNTS = ("null", "-null")


def ofx_date(value: str) -> date | None:
    """The calendar date written in an OFX date-time; the offset is deliberately ignored."""
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise ValueError("not an OFX date-time (YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]])")
    year, month, day = (int(part) for part in match.groups())
    if (year, month, day) == (0, 0, 0):  # "00000000": some banks' way of saying none
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("not a calendar date") from None


def ofx_amount(value: str) -> Decimal:
    match = _AMOUNT.fullmatch(value.strip())
    if match is None:
        raise ValueError("not an amount")
    integer = match["int"] if match["groups"] is None else re.sub(r"[^0-9]", "", match["groups"])
    fraction = (match["frac"] if match["groups"] is None else match["gfrac"]) or ""
    if not integer and not fraction:
        raise ValueError("not an amount")
    number = f"{integer or 0}.{fraction}" if fraction else integer  # keep the written precision
    return D(f"{match['sign']}{number}")
