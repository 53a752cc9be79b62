"""The linked pages around the queue: a customer at a glance (/customers/{id}), a bank file as
received (/files/{id}) and the payments list (/payments, filterable by what is unapplied).
One payment's page is ui.review's. The routes read with the request's session and hand the
templates plain data (receivables.customer_view, reconcile.overview, reconcile.views).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from core import labels
from core.errors import Invalid
from ledger.types import utc_now
from receivables.customer_view import customer_overview
from reconcile import overview, views
from ui.pages import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Cursor,
    amount_filter,
    not_found,
    page_of,
    page_url,
    render,
)
from ui.security import User
from web import paging
from web.session import DbSession

router = APIRouter(include_in_schema=False)


@router.get("/customers/{customer_id:path}", response_class=HTMLResponse)
def customer_page(
    request: Request,
    user: User,
    session: DbSession,
    customer_id: Annotated[str, PathParam(max_length=64, pattern=paging.NO_NUL)],
) -> Response:
    found = customer_overview(session, customer_id, today=utc_now().date())
    if found is None:
        return not_found(request, user, f"There is no customer {customer_id}.")
    return render(request, "customer.html", user=user, nav="invoices", c=found)


@router.get("/files/{file_id}", response_class=HTMLResponse)
def bank_file_page(
    request: Request,
    user: User,
    session: DbSession,
    file_id: Annotated[int, PathParam(ge=1, le=paging.MAX_ID)],
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = overview.ENTRIES_PAGE,
) -> Response:
    found = overview.bank_file(session, file_id, limit=limit, after_id=after)
    if found is None:
        return not_found(request, user, f"There is no bank file #{file_id}.")
    entries, next_url = page_of(found["entries"], limit, "entry_id", f"/files/{file_id}",
                                {"limit": limit if limit != overview.ENTRIES_PAGE else None})
    return render(request, "bank_file.html", user=user, nav="payments", f=found,
                  entries=entries, next_url=next_url, after=after,
                  first_url=f"/files/{file_id}")


@router.get("/payments", response_class=HTMLResponse)
def payments_page(
    request: Request,
    user: User,
    session: DbSession,
    status: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
    payer: Annotated[str | None, Query(max_length=200, pattern=paging.NO_NUL)] = None,
    currency: Annotated[str | None, Query(pattern=r"^([A-Za-z]{3})?$")] = None,
    has_unapplied: Annotated[str | None, Query(pattern="^(true|false|)$")] = None,
    min_unapplied: Annotated[str | None, Query(max_length=40)] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    minimum, error = amount_filter(min_unapplied)
    filters = {"status": status, "payer": payer, "currency": currency,
               "has_unapplied": has_unapplied, "min_unapplied": min_unapplied}
    try:
        items = views.payment_list(
            session, status=status or None, payer=payer or None, currency=currency or None,
            has_unapplied={"true": True, "false": False}.get(has_unapplied or ""),
            min_unapplied=minimum, limit=limit + 1, after_id=after)
    except Invalid as refused:
        items, error = [], str(refused)
    shown, next_url = page_of(items, limit, "transaction_id", "/payments",
                              {**filters, "limit": limit if limit != PAGE_SIZE else None})
    return render(
        request,
        "payments.html",
        user=user,
        nav="payments",
        items=shown,
        filters=filters,
        filtered=any(filters.values()),
        filter_error=error,
        statuses=[(s, labels.label("payment_status", s)) for s in views.PAYMENT_STATUSES],
        after=after,
        next_url=next_url,
        first_url=page_url("/payments", filters),
    )
