"""One payment's page (/exceptions/{id}, the queue is ui.queue), with the reviewer's actions:
apply by hand, accept a suggestion, dismiss, unapply. Read models from reconcile.views,
actions through reconcile.manual (and receivables.disputes for deductions), all in the
request's session.

Post-redirect-get throughout: an action redirects (303) to the payment with a flash message.
A business refusal (ApplicationError) is shown on the page, never a 500, and leaves the
database as it was (the action runs in a savepoint); a stale version (someone else changed
the payment) reloads the payment with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from core import labels
from core.money import AmountError, parse_amount
from ledger.models import Application
from ledger.repositories import users
from ledger.types import utc_now
from receivables import disputes
from reconcile import manual, overview, views
from reconcile.apply import ApplicationError, StaleVersion
from ui.pages import ME, amount_filter, not_found, redirect_with, render
from ui.security import CsrfForm, UiUser, User
from web import paging
from web.session import DbSession

FORM_ROWS = 3  # allocation rows the apply form shows without JavaScript
MAX_ROWS = 100  # as the API: at most this many allocations in one application
STALE_MESSAGE = (
    "This payment changed since you opened it: it has been reloaded, please check it again."
)
# A person's choices (core.labels' words); "manual" is what a reason-less write-off is given.
WRITE_OFF_REASONS = tuple(c for c in labels.choices("write_off_reason") if c[0] != "manual")

TxId = Annotated[int, PathParam(ge=1, le=paging.MAX_ID)]

router = APIRouter(include_in_schema=False)


# -- one payment -----------------------------------------------------------------------------


@dataclass
class Row:
    invoice_number: str = ""
    amount: str = ""
    discount: str = ""
    write_off: str = ""
    write_off_reason: str = ""


def _payment_page(
    request: Request,
    user: UiUser,
    session: Session,
    transaction_id: int,
    *,
    rows: list[Row] | None = None,
    message: dict[str, str] | None = None,
    status_code: int = 200,
    find: str | None = None,
) -> Response:
    detail = views.payment_detail(session, transaction_id)
    if detail is None:
        return not_found(request, user, f"There is no payment #{transaction_id}.")
    found = _find_invoices(session, find)
    history = views.payment_history(session, transaction_id, detail["applications"])
    review = detail.get("review")
    open_review = review if review and review.get("status") == "open" else None
    rows = list(rows or [])
    rows += [Row() for _ in range(max(0, FORM_ROWS - len(rows)))]
    live = [a for a in detail["applications"] if a["status"] == "applied"]
    return render(
        request,
        "exception.html",
        user=user,
        nav="queue",
        status_code=status_code,
        message=message,
        p=detail,
        review=open_review,
        version=detail["version"],
        explanation=detail.get("explanation"),
        applications=detail["applications"],
        live_applications=live,
        rows=rows,
        write_off_reasons=WRITE_OFF_REASONS,
        events=history,
        customers=overview.payment_customers(session, transaction_id),
        actor=user.actor,
        people=[p.actor for p in users.assignees(session)],
        find=find or "",
        found=found,
    )


FOUND_MAX = 20  # invoices the apply form's search shows


def _find_invoices(session: Session, text: str | None) -> list[dict[str, Any]] | None:
    """The apply form's search: open invoices by number or customer (part of), or by amount
    (the invoice's or its open amount, exactly). None when nothing was asked."""
    text = (text or "").strip()
    if not text:
        return None
    amount, _ = amount_filter(text) if any(c.isdigit() for c in text) else (None, None)
    hits = views.invoice_list(session, q=text, status="open,partially_paid", limit=FOUND_MAX,
                              today=utc_now().date())
    if amount is not None:
        by_amount = views.invoice_list(session, amount=amount, status="open,partially_paid",
                                       limit=FOUND_MAX, today=utc_now().date())
        known = {i["invoice_id"] for i in hits}
        hits += [i for i in by_amount if i["invoice_id"] not in known]
    return hits[:FOUND_MAX]


PaymentFind = Annotated[str | None, Query(max_length=200, pattern=paging.NO_NUL)]


@router.get("/exceptions/{transaction_id}", response_class=HTMLResponse)
def payment_page(
    request: Request, user: User, session: DbSession, transaction_id: TxId, find: PaymentFind = None
) -> Response:
    return _payment_page(request, user, session, transaction_id, find=find)


@router.get("/payments/{transaction_id}", response_class=HTMLResponse)
def payment_page_by_payment(
    request: Request, user: User, session: DbSession, transaction_id: TxId, find: PaymentFind = None
) -> Response:
    """The same page as from the queue: a payment is a payment, however it was reached."""
    return _payment_page(request, user, session, transaction_id, find=find)


def _version(form: FormData) -> int | None:
    """The version the reviewer saw; a form without one is refused (never applied blind)."""
    value = form.get("version")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _rows(form: FormData) -> list[Row]:
    columns = ("invoice_number", "amount", "discount", "write_off", "write_off_reason")
    values = {c: [str(v).strip() for v in form.getlist(c)] for c in columns}
    count = max(len(v) for v in values.values())
    rows = [
        Row(**{c: (values[c][i] if i < len(values[c]) else "") for c in columns})
        for i in range(count)
    ]
    return [r for r in rows if any((r.invoice_number, r.amount, r.discount, r.write_off))]


def _lines(rows: list[Row]) -> list[manual.ManualLine]:
    """ManualLines from the form's rows; ValueError says, for people, what is wrong."""
    if not rows:
        raise ValueError("Fill in at least one row: an invoice number and an amount.")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"At most {MAX_ROWS} invoices in one application.")
    lines = []
    for n, row in enumerate(rows, start=1):
        if not row.invoice_number:
            raise ValueError(f"Row {n}: which invoice? The invoice number is missing.")
        amounts = []
        for label, text in (
            ("amount", row.amount),
            ("discount", row.discount),
            ("write-off", row.write_off),
        ):
            try:
                value = parse_amount(text, decimal_comma=False) if text else Decimal(0)
            except AmountError:
                raise ValueError(
                    f"Row {n} ({row.invoice_number}): {label} {text!r} is not an amount."
                ) from None
            if value < 0:
                raise ValueError(f"Row {n} ({row.invoice_number}): {label} must not be negative.")
            amounts.append(value)
        if row.write_off_reason and row.write_off_reason not in dict(WRITE_OFF_REASONS):
            raise ValueError(f"Row {n}: unknown write-off reason {row.write_off_reason!r}.")
        applied, discount, write_off = amounts
        lines.append(
            manual.ManualLine(
                row.invoice_number, applied, discount, write_off, row.write_off_reason or None
            )
        )
    return lines


def _detail_url(transaction_id: int) -> str:
    return f"/exceptions/{transaction_id}"


def _stale(request: Request, transaction_id: int) -> Response:
    return redirect_with(request, _detail_url(transaction_id), "error", STALE_MESSAGE)


@router.post("/exceptions/{transaction_id}/apply")
def apply_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, transaction_id: TxId
) -> Response:
    rows = _rows(form)
    version = _version(form)
    note = str(form.get("note") or "").strip()[:500] or None
    try:
        if version is None:
            raise ValueError("The form has no payment version: reload the page.")
        lines = _lines(rows)
    except ValueError as error:
        return _payment_page(
            request,
            user,
            session,
            transaction_id,
            rows=rows,
            status_code=422,
            message={"kind": "error", "text": str(error)},
        )
    try:
        with session.begin_nested():  # refused: the database as it was
            done = disputes.apply_by_hand(
                session,
                transaction_id=transaction_id,
                lines=lines,
                actor=user.actor,
                note=note,
                expected_version=version,
            )
    except StaleVersion:
        return _stale(request, transaction_id)
    except ApplicationError as error:
        # Keep what the reviewer typed: the refusal is usually one amount to correct.
        return _payment_page(
            request,
            user,
            session,
            transaction_id,
            rows=rows,
            status_code=409,
            message={"kind": "error", "text": str(error)},
        )
    held = [f"{line.write_off} on {line.invoice_number}" for line in lines
            if line.write_off_reason == "deduction" and line.write_off > 0]
    disputed = f" Deduction kept open as a dispute: {', '.join(held)}." if held else ""
    return redirect_with(
        request,
        _detail_url(transaction_id),
        "success",
        f"Applied to {', '.join(done.invoice_numbers)}.{disputed}",
    )


def _action(
    request: Request,
    session: Session,
    transaction_id: int,
    form: FormData,
    run: Callable[[int], None],  # the action, given the version the reviewer saw
    success: str,
) -> Response:
    """Run one reviewer action in a savepoint; refusals come back as a flash, and leave the
    database as it was."""
    version = _version(form)
    if version is None:
        return redirect_with(
            request,
            _detail_url(transaction_id),
            "error",
            "The form has no payment version: reload the page.",
        )
    try:
        with session.begin_nested():
            run(version)
    except StaleVersion:
        return _stale(request, transaction_id)
    except (ApplicationError, ValueError) as error:
        return redirect_with(request, _detail_url(transaction_id), "error", str(error))
    return redirect_with(request, _detail_url(transaction_id), "success", success)


MAX_REASON = 500  # as the API's
# An unapply's reason is kept on each reversed application: no longer than that column.
UNAPPLY_REASON = min(MAX_REASON, paging.column_length(Application.reversal_reason))


def _reason(form: FormData, limit: int = MAX_REASON) -> str:
    reason = str(form.get("reason") or "").strip()
    if not reason:
        raise ValueError("Give a reason.")
    if len(reason) > limit:
        raise ValueError(f"The reason has {len(reason)} characters: at most {limit}, please.")
    return reason


@router.post("/exceptions/{transaction_id}/accept")
def accept_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, transaction_id: TxId
) -> Response:
    rank_text = str(form.get("rank") or "")
    rank = int(rank_text) if rank_text.isdigit() else 0

    def run(version: int) -> None:
        manual.accept_suggestion(
            session,
            transaction_id=transaction_id,
            rank=rank,
            actor=user.actor,
            expected_version=version,
        )

    return _action(request, session, transaction_id, form, run, f"Accepted suggestion {rank}.")


@router.post("/exceptions/{transaction_id}/dismiss")
def dismiss_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, transaction_id: TxId
) -> Response:
    def run(version: int) -> None:
        manual.dismiss(
            session,
            transaction_id=transaction_id,
            actor=user.actor,
            reason=_reason(form),
            expected_version=version,
        )

    return _action(request, session, transaction_id, form, run, "Dismissed: out of the queue.")


@router.post("/exceptions/{transaction_id}/assign")
def assign_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, transaction_id: TxId
) -> Response:
    """Give the open item to someone: a name (kept as text), "me", or nobody (empty)."""
    typed = str(form.get("assignee") or "").strip()[:128]
    assignee = user.actor if typed == ME else (typed or None)

    def run(version: int) -> None:
        manual.assign(session, transaction_id=transaction_id, assignee=assignee,
                      actor=user.actor, expected_version=version)

    done = f"Assigned to {assignee}." if assignee else "Assigned to nobody."
    return _action(request, session, transaction_id, form, run, done)


@router.post("/exceptions/{transaction_id}/unapply")
def unapply_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, transaction_id: TxId
) -> Response:
    def run(version: int) -> None:
        manual.unapply(
            session,
            transaction_id=transaction_id,
            actor=user.actor,
            reason=_reason(form, UNAPPLY_REASON),
            expected_version=version,
        )

    return _action(
        request, session, transaction_id, form, run, "Unapplied: the payment is back in the queue."
    )
