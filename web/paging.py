"""What the list endpoints share: cursor pages, amount and date parameters."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from core.money import D
from ledger.models import column_length  # noqa: F401 - the API's length bounds come from here

# Plain decimal text, as amounts are written in JSON here: ASCII digits (\d would take
# Arabic-Indic or full-width ones too), no sign, exponent or separators; at most 10^14, so
# that in minor units (up to 4 decimals) it still binds as a BIGINT.
AMOUNT_PATTERN = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"
# The same plain text for the amounts a reviewer applies in a JSON body (api/exceptions.py),
# with wider bounds on purpose: they never reach SQL as a filter, and the decimals are the
# payment currency's business — applying "10.001" to a EUR payment is refused (422) naming
# the currency, and "10.0000" is 10.00 — so only the integer part is bounded here.
BODY_AMOUNT_PATTERN = r"^[0-9]{1,15}(\.[0-9]+)?$"
MAX_PAGE = 1000
# Text a database can hold: PostgreSQL refuses NUL in text, and a refusal must be a 422.
NO_NUL = r"^[^\x00]*$"
# Row ids and versions are INTEGER columns: anything larger is bad input (422), never a 500
# from the driver refusing to bind it.
MAX_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cursor = Annotated[
    int | None, Query(ge=0, le=MAX_ID, description="cursor: `next` of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_day(value: object) -> object:
    """A day written YYYY-MM-DD (ASCII digits), and nothing else: pydantic alone also takes a
    number of seconds since 1970 (`as_of=0` was 1970-01-01) and a datetime at midnight."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "date_parsing", "Input should be a date written YYYY-MM-DD, e.g. 2026-12-31"
    )


# Every date the API reads, in a query or a body: `as_of: paging.IsoDate | None = None`.
# Documented as `format: date`; anything else is a 422 naming the field.
IsoDate = Annotated[date, BeforeValidator(_iso_day)]


def comma_list(values: tuple[str, ...] | list[str]) -> str:
    """The pattern of a filter taking one value or several comma-separated ("open,paid"), so
    the schema names them and an unknown one is refused as bad input before any query."""
    one = "|".join(values)
    return f"^({one})(,({one}))*$"


def page(items: list[dict[str, Any]], limit: int, key: str) -> dict[str, Any]:
    """`items` was read with limit + 1: the extra row only says whether a next page exists."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next": items[-1][key] if more and items else None}


def amount(value: str | None) -> Decimal | None:
    """A query amount already checked against AMOUNT_PATTERN (FastAPI answers 422 otherwise)."""
    return None if value is None else D(value)
