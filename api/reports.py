"""/api/v1/reports (scope ar:read): read-only reports over a date window.

GET /cash-application: the envelope, line-item and straight-through auto-match rates of the
payments dated since..until (reconcile.cash_metrics defines every count), as `remit metrics
--json` carries them under "cash_application".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api import problems
from api.auth import ArRead
from api.schemas import answer
from api.schemas import reports as schema
from ledger.types import utc_now
from reconcile import cash_metrics
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=problems.SECURED)


@router.get("/cash-application", response_model=answer(schema.CashApplication))
def get_cash_application(
    session: DbSession,
    principal: ArRead,
    since: Annotated[
        paging.IsoDate | None,
        Query(description="first value date (default: 29 days before until)"),
    ] = None,
    until: Annotated[
        paging.IsoDate | None, Query(description="last value date (default: today, UTC)")
    ] = None,
) -> dict[str, Any]:
    """Auto-match rates per bank account, payment kind, file format, customer and day."""
    try:
        first, last = cash_metrics.window(since, until, today=utc_now().date())
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return cash_metrics.cash_application(session, since=first, until=last)
