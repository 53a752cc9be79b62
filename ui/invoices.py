"""The invoices (/invoices) and one invoice's page, with its payment plans
(receivables.plan_service), its disputes and late fees (ui.disputes) and its reminders
(ui.dunning): the route reads them all with the request's session and hands the templates
plain data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from ledger.types import utc_now
from receivables import collection_views, plan_service
from reconcile import views
from ui import disputes, dunning
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


@router.get("/invoices", response_class=HTMLResponse)
def invoices_page(
    request: Request,
    user: User,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=200, pattern=paging.NO_NUL)] = None,
    amount: Annotated[str | None, Query(max_length=40)] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    value, error = amount_filter(amount)
    items = views.invoice_list(
        session,
        q=q or None,
        amount=value,
        limit=limit + 1,
        after_id=after,
        today=utc_now().date(),
    )
    filters = {"q": q, "amount": amount}
    shown, next_url = page_of(items, limit, "invoice_id", "/invoices",
                              {**filters, "limit": limit if limit != PAGE_SIZE else None})
    return render(
        request,
        "invoices.html",
        user=user,
        nav="invoices",
        items=shown,
        filters=filters,
        filter_error=error,
        after=after,
        next_url=next_url,
        first_url=page_url("/invoices", filters),
    )


@router.get("/invoices/{number:path}", response_class=HTMLResponse)
def invoice_page(
    request: Request,
    user: User,
    session: DbSession,
    number: Annotated[str, PathParam(pattern=paging.NO_NUL)],
) -> Response:
    detail = views.invoice_detail(session, number, today=utc_now().date())
    if detail is None:
        return not_found(request, user, f"There is no invoice {number}.")
    return render(
        request,
        "invoice.html",
        user=user,
        nav="invoices",
        inv=detail,
        applications=detail["applications"],
        events=detail.get("history", []),
        # The boxes the page includes (plans_invoice.html, disputes_invoice.html,
        # dunning_invoice_reminders.html), read here: templates never query.
        plans=plan_service.plans_of_invoice(session, detail["invoice_id"]),
        collections=disputes.invoice_collections(session, detail["number"]),
        reminders=dunning.invoice_reminders(session, detail["number"]),
        debits=collection_views.listing(session, invoice_id=detail["invoice_id"]),
    )
