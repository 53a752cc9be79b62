"""Workbench pages for disputes and late fees: the disputes list, the dispute form and the
fee items on the invoice page (templates/disputes_invoice.html: `invoice_collections`, read
by ui.invoices), and resolving a dispute. Actions through receivables.disputes in the
request's session, post-redirect-get with a flash; a refusal is a flash on the page, never a
500, and leaves the database as it was (a savepoint).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from core.money import AmountError, minor_text, parse_amount
from ledger.repositories import invoices
from receivables import disputes, fee_job
from ui.pages import PAGE_SIZE, page_of, page_url, redirect_with, render
from ui.security import CsrfForm, User
from web import paging
from web.session import DbSession

router = APIRouter(include_in_schema=False)


def _invoice_url(number: str) -> str:
    return f"/invoices/{quote(number, safe='')}"


def invoice_collections(session: Session, number: str) -> dict[str, Any]:
    """For the invoice page's include (disputes_invoice.html): its disputes (newest first),
    fees and the undisputed open amount."""
    found = disputes.list_disputes(session, invoice_number=number, limit=200)
    fees = fee_job.list_fees(session, invoice_number=number, limit=500)
    invoice = invoices.by_number(session, number)
    held = disputes.disputed_minor(session, [invoice.id]).get(invoice.id, 0) if invoice else 0
    free = None
    if invoice is not None:
        free = minor_text(max(invoice.open_minor - held, 0), invoice.currency)
    return {
        "disputes": found,
        "fees": fees,
        "undisputed": free,
        "can_open": invoice is not None and invoice.status == "open" and invoice.open_minor > held,
        "reasons": list(disputes.REASON_CODES.items()),
        "resolutions": list(disputes.RESOLUTIONS.items()),
    }


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(
    request: Request,
    user: User,
    session: DbSession,
    status: Annotated[str | None, Query(max_length=16, pattern=paging.NO_NUL)] = "open",
    after: paging.Cursor = None,
) -> Response:
    shown_status = status if status in ("open", "resolved") else None
    items = disputes.list_disputes(
        session, status=shown_status, limit=PAGE_SIZE + 1, after_id=after
    )
    shown, next_url = page_of(items, PAGE_SIZE, "dispute_id", "/disputes",
                              {"status": status or "all"})
    return render(
        request,
        "disputes_list.html",
        user=user,
        nav="disputes",
        items=shown,
        status=shown_status,
        after=after,
        next_url=next_url,
        first_url=page_url("/disputes", {"status": status or "all"}),
        resolutions=list(disputes.RESOLUTIONS.items()),
    )


@router.post("/disputes")
def open_dispute_form(
    request: Request, user: User, form: CsrfForm, session: DbSession
) -> Response:
    number = str(form.get("invoice_number") or "").strip()[:64]
    back = _invoice_url(number) if number else "/disputes"
    try:
        amount = parse_amount(str(form.get("amount") or ""), decimal_comma=False)
    except AmountError:
        return redirect_with(
            request, back, "error", "Not an amount: use digits and a decimal point, e.g. 120.00."
        )
    try:
        with session.begin_nested():  # refused: the database as it was
            d = disputes.open_dispute(
                session,
                invoice_number=number,
                amount=amount,
                reason_code=str(form.get("reason_code") or ""),
                note=str(form.get("note") or "")[:2000] or None,
                source="manual",
                actor=user.actor,
            )
            dispute_id = d.id
    except disputes.DisputeError as error:
        return redirect_with(request, back, "error", f"Dispute not opened: {error}")
    return redirect_with(
        request,
        back,
        "success",
        f"Dispute #{dispute_id} opened: {amount} held from dunning and fees.",
    )


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, dispute_id: paging.RowId
) -> Response:
    back = "/disputes"
    resolution = str(form.get("resolution") or "")
    try:
        with session.begin_nested():
            number = disputes.get_dispute(session, dispute_id)["invoice_number"]
            back = _invoice_url(number) if form.get("back") == "invoice" else "/disputes"
            disputes.resolve_dispute(
                session,
                dispute_id=dispute_id,
                resolution=resolution,
                note=str(form.get("note") or "")[:2000] or None,
                actor=user.actor,
            )
    except disputes.DisputeError as error:
        return redirect_with(request, back, "error", f"Dispute #{dispute_id}: {error}")
    label = disputes.RESOLUTIONS[resolution].split(":")[0]
    return redirect_with(request, back, "success", f"Dispute #{dispute_id} resolved: {label}.")
