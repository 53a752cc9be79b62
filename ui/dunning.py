"""Workbench pages for dunning: the policies and the queued tasks (/dunning), the reminder
preview (/dunning/preview), the printable letter (/dunning/letter), and the reminders list
included on the invoice page (dunning_invoice_reminders.html: `invoice_reminders`, read by
ui.invoices). All in the request's session; a refused action leaves the database as it was.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from core.settings import Settings
from ledger.types import utc_now
from receivables import reminders
from receivables.dunning import DEFAULT_POLICY_NAME, DEFAULT_STEPS
from ui.pages import SECURITY_HEADERS, not_found, redirect_with, render
from ui.security import CsrfForm, User
from web import paging
from web.session import DbSession

router = APIRouter(include_in_schema=False)

ReminderId = Annotated[int, PathParam(ge=1, le=paging.MAX_ID)]
Text = Annotated[str | None, Query(max_length=64, pattern=paging.NO_NUL)]
# The letter is a document of its own: its inline print styles are allowed, nothing else.
LETTER_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def invoice_reminders(session: Session, number: str) -> list[dict[str, Any]]:
    """For the invoice page's include (dunning_invoice_reminders.html)."""
    return reminders.list_reminders(session, invoice_number=number, limit=100)


@router.get("/dunning", response_class=HTMLResponse)
def dunning_page(request: Request, user: User, session: DbSession) -> Response:
    policies = reminders.list_policies(session)
    queued = reminders.list_reminders(session, status="queued", limit=200)
    failed = sorted(
        (r for status in ("failed", "undeliverable", "unknown")
         for r in reminders.list_reminders(session, status=status, limit=50)),
        key=lambda r: -r["reminder_id"],
    )[:50]
    if not any(p["name"] == DEFAULT_POLICY_NAME for p in policies):
        policies.insert(
            0,
            {
                "id": None,
                "name": DEFAULT_POLICY_NAME,
                "segment": None,
                "default": True,
                "builtin": True,
                "steps": [s.as_json() for s in DEFAULT_STEPS],
            },
        )
    return render(
        request,
        "dunning_policies.html",
        user=user,
        nav="dunning",
        policies=policies,
        queued=queued,
        failed=failed,
    )


@router.post("/dunning/reminders/{reminder_id}/done")
def complete_task(
    request: Request, reminder_id: ReminderId, form: CsrfForm, user: User, session: DbSession
) -> Response:
    try:
        with session.begin_nested():  # refused: the database as it was
            reminders.mark_done(session, reminder_id, actor=user.actor)
    except reminders.ReminderError as error:
        return redirect_with(request, "/dunning", "error", str(error))
    return redirect_with(request, "/dunning", "success", f"Task #{reminder_id} marked done.")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _preview(
    session: Session, settings: Settings, invoice: str, step: str | None, as_of: date
) -> tuple[reminders.Preview | None, str | None, list[str]]:
    """(preview, error, the invoice's policy step names for the picker)."""
    try:
        p = reminders.preview(
            session, invoice_number=invoice, step=step or None, as_of=as_of, settings=settings
        )
    except reminders.ReminderError as error:
        return None, str(error), []
    policies, default = reminders.load_policies(session)
    steps = [s.name for s in next((x for x in policies if x.name == p.policy), default).steps]
    return p, None, steps


@router.get("/dunning/preview", response_class=HTMLResponse)
def preview_page(
    request: Request,
    user: User,
    session: DbSession,
    invoice: Text = None,
    step: Text = None,
    as_of: paging.IsoDate | None = None,
) -> Response:
    day = as_of or utc_now().date()
    result, error, steps = (None, None, [])
    if invoice:
        result, error, steps = _preview(session, _settings(request), invoice, step, day)
    if not steps:
        steps = [s.name for s in DEFAULT_STEPS]
    return render(
        request,
        "dunning_preview.html",
        user=user,
        nav="dunning",
        status_code=404 if error and "no invoice" in error else 200,
        invoice=invoice or "",
        step=(result.step if result else step) or "",
        as_of=day.isoformat(),
        steps=steps,
        preview=result,
        error=error,
    )


@router.get("/dunning/letter", response_class=HTMLResponse)
def letter(
    request: Request,
    user: User,
    session: DbSession,
    invoice: Annotated[str, Query(max_length=64, pattern=paging.NO_NUL)],
    step: Text = None,
    as_of: paging.IsoDate | None = None,
) -> Response:
    """The printable letter by itself (print it from the browser)."""
    day = as_of or utc_now().date()
    result, error, _ = _preview(session, _settings(request), invoice, step, day)
    if result is None or not result.html:
        message = error or f"Step {result.step if result else ''} is not a letter."
        return not_found(request, user, message, heading="No letter")
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": LETTER_CSP}
    return HTMLResponse(result.body, headers=headers)


@router.get("/dunning/reminders/{reminder_id}/letter", response_class=HTMLResponse)
def stored_letter(
    request: Request, user: User, session: DbSession, reminder_id: ReminderId
) -> Response:
    """A queued or sent letter exactly as recorded by its run (not re-rendered today)."""
    try:
        found = reminders.get_reminder(session, reminder_id)
    except reminders.ReminderError:
        found = None
    if found is None or found["channel"] != "letter":
        message = f"Reminder #{reminder_id} is not a letter on record."
        return not_found(request, user, message, heading="No letter")
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": LETTER_CSP}
    return HTMLResponse(found["body"], headers=headers)
