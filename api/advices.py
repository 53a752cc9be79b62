"""/api/v1/advices (ar:read): remittance advices (X12 820, CSV) as received, and what remit
made of them — waiting for their payment, applied per their lines, in review, or only linked.

`remit ingest` (and POST /api/v1/bank-files) stores them; reconcile/advice.py links each to
its payment, in either order of arrival, and every matching run links those still waiting.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api import problems
from api.auth import ArRead
from api.schemas import answer, link, links
from api.schemas import advices as schema
from core.errors import NotFound
from ledger.models.advice import ADVICE_STATUSES
from reconcile import advice_views
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/advices", tags=["remittance advices"], responses=problems.SECURED)


@router.get(
    "",
    response_model=answer(schema.AdvicePage),
    responses={200: links(GetAdvice=link(
        "/api/v1/advices/{advice_id}", "The first advice in full", advice_id="$response.body#/items/0/id"))},
)
def list_advices(
    session: DbSession,
    principal: ArRead,
    status_: str | None = Query(
        None, alias="status", pattern=paging.comma_list(ADVICE_STATUSES),
        description="waiting | applied | review | linked, or several comma-separated",
    ),
    transaction_id: int | None = Query(
        None, ge=1, le=paging.MAX_ID, description="those linked to this payment"),
    file_id: int | None = Query(None, ge=1, le=paging.MAX_ID, description="those that came in this file"),
    payer: str | None = Query(None, max_length=200, pattern=paging.NO_NUL, description="part of the payer's name"),
    q: str | None = Query(
        None, max_length=200, pattern=paging.NO_NUL,
        description="part of the payer's name, the payment reference or an invoice number on its lines"),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Advices in id order; `next` is the cursor of the next page."""
    items = advice_views.listing(session, status=status_, transaction_id=transaction_id, file_id=file_id,
                                 payer=payer, q=q, limit=limit + 1, after_id=after)
    return paging.page(items, limit, "id")


@router.get(
    "/{advice_id}",
    response_model=answer(schema.AdviceDetail),
    responses=problems.declare((404, "No such advice")),
)
def get_advice(session: DbSession, advice_id: paging.RowId, principal: ArRead) -> dict[str, Any]:
    """One advice: its lines (invoice, paid, discount), status and reason, the payment it is
    linked to and the file it came in."""
    found = advice_views.detail(session, advice_id)
    if found is None:
        raise NotFound(f"no remittance advice #{advice_id}")
    return found
