"""The exception workbench pages (server-rendered). Thin like the API: read models from
reconcile.views / reconcile.dashboard, actions through reconcile.manual, one transaction per
request. Every page needs a session (ui.security); every form a CSRF token.

Post-redirect-get throughout: an action redirects (303) to a page with a flash message. A
business refusal (ApplicationError) is shown on the page, never a 500; a stale version
(someone else changed the payment) reloads the payment with a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from web import paging
from receivables.ar_history import MAX_DATE as MAX_AS_OF
from receivables.ar_history import MIN_DATE as MIN_AS_OF
from web.csv import csv_response
from web.access import UI_STATIC_PATH
from ui import ar_charts, security
from ui.security import CsrfForm, UiUser, User
from core.money import AmountError, parse_amount
from ledger.db import transaction
from ledger.models import Application, ReviewItem
from ledger.repositories import ui_sessions
from ledger.types import utc_now
from receivables import ar_history, disputes
from reconcile import dashboard, manual, views
from reconcile.apply import ApplicationError, StaleVersion
from reconcile.model import ReviewReason
from workflows import sign_in

STATIC_PATH = UI_STATIC_PATH
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
FORM_ROWS = 3  # allocation rows the apply form shows without JavaScript
MAX_ROWS = 100  # as the API: at most this many allocations in one application
STALE_MESSAGE = (
    "This payment changed since you opened it: it has been reloaded, please check it again."
)
WRITE_OFF_REASONS = (
    ("bank_charges", "Bank charges"),
    ("short_pay", "Short payment"),
    ("small_balance", "Small balance"),
    ("deduction", "Customer deduction (kept open as a dispute)"),
    ("dispute", "Dispute"),
    ("late_discount", "Discount taken late"),
    ("other", "Other"),
)

TxId = Annotated[int, PathParam(ge=1, le=paging.MAX_ID)]
Cursor = Annotated[int | None, Query(ge=0, le=paging.MAX_ID)]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _reason_label(reason: str) -> str:
    return reason.replace("_", " ").capitalize()


def _audit_summary(event: dict[str, Any]) -> str:
    """One line of an audit event's `after` for people (the JSON stays in the API)."""
    after = event.get("after")
    if not isinstance(after, dict):
        return ""
    parts = []
    invoice = after.get("invoice")
    if isinstance(invoice, dict):
        parts.append(
            f"{invoice.get('number')}: open {invoice.get('open')}, {invoice.get('status')}"
        )
    for key in ("applied", "discount", "write_off"):
        value = after.get(key)
        if value not in (None, "0", "0.00", "0.000"):
            parts.append(f"{key.replace('_', '-')} {value}")
    for key in ("reason", "resolution", "assignee", "status"):
        if after.get(key) and not (key == "status" and invoice):
            parts.append(f"{key}: {after[key]}")
    return "; ".join(str(p) for p in parts)


templates.env.filters["reason_label"] = _reason_label
templates.env.filters["audit_summary"] = _audit_summary

router = APIRouter(include_in_schema=False)


# -- rendering -------------------------------------------------------------------------------

SECURITY_HEADERS = {
    # No inline script or style anywhere: the policy can be strict.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # amounts and names: never from a shared or back-button cache
}


def render(
    request: Request,
    name: str,
    *,
    user: UiUser | None,
    status_code: int = 200,
    message: dict[str, str] | str | None = None,
    **context: Any,
) -> Response:
    if isinstance(message, str):  # an error page's text (error.html), not a flash message
        context["message"], message = message, None
    flash = message or security.read_flash(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "csrf_token": user.csrf_token if user else "",
            "flash": flash,
            "static_path": STATIC_PATH,
            **context,
        },
        status_code=status_code,
    )
    if request.cookies.get(security.FLASH_COOKIE):
        security.clear_flash(request, response)
    response.headers.update(SECURITY_HEADERS)
    return response


def see_other(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect_with(request: Request, url: str, kind: str, text: str) -> RedirectResponse:
    response = see_other(url)
    security.set_flash(request, response, kind, text)
    return response


def _engine(request: Request) -> Any:
    return request.app.state.runtime.engine


# -- sign in / out ---------------------------------------------------------------------------


def _login_page(
    request: Request, *, next_path: str, error: str | None = None, status_code: int = 200
) -> Response:
    token = security.login_csrf_token(request)
    response = render(
        request,
        "login.html",
        user=None,
        status_code=status_code,
        error=error,
        next_path=security.safe_next(next_path),
        login_csrf=token,
    )
    security.set_login_csrf_cookie(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_path=next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    api_key: Annotated[str, Form(max_length=200)] = "",
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if not security.login_csrf_ok(request, login_csrf):
        # A sign-in posted from elsewhere (login CSRF), or a form older than its cookie.
        return _login_page(
            request,
            next_path=next,
            status_code=403,
            error="The sign-in form expired or did not come from this site: try again.",
        )
    limiter: sign_in.LoginLimiter = request.app.state.ui_login_limiter
    client = security.client_address(request)
    rt = request.app.state.runtime
    wait = limiter.retry_after(rt.engine, client)
    if wait is not None:
        response = _login_page(
            request,
            next_path=next,
            status_code=429,
            error=f"Too many failed sign-ins: wait {wait} seconds and try again.",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    found = sign_in.open_session(
        rt.engine,
        api_key.strip(),
        scopes=security.UI_SCOPES,
        secret=rt.settings.secret_key,
        hours=rt.settings.session_hours,
    )
    if found.token is None:
        limiter.failed(rt.engine, client)
        error = (
            "This API key lacks the treasury:review scope the workbench needs."
            if found.scope_missing
            else "Unknown or revoked API key."
        )
        return _login_page(request, next_path=next, status_code=401, error=error)
    limiter.succeeded(rt.engine, client)
    response = redirect_with(
        request, security.safe_next(next), "info", f"Signed in as {found.name}."
    )
    security.set_session_cookie(request, response, found.token)
    security.clear_login_csrf_cookie(request, response)
    return response


@router.post("/logout")
def logout(request: Request, user: User, form: CsrfForm) -> Response:
    with transaction(_engine(request)) as session:
        ui_sessions.revoke(session, user.session_id)
    response = redirect_with(request, security.LOGIN_PATH, "info", "Signed out.")
    security.clear_session_cookie(request, response)
    return response


# -- dashboard -------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, user: User, as_of: str | None = None) -> Response:
    day, message = _as_of(as_of)
    with transaction(_engine(request)) as session:
        data = dashboard.dashboard(session, today=utc_now().date())
        ar = ar_charts.dashboard_charts(session, as_of=day)
    return render(
        request, "dashboard.html", user=user, nav="dashboard", data=data, ar=ar, message=message
    )


def _as_of(text: str | None) -> tuple[date, dict[str, str] | None]:
    """The AR charts' as-of date (default today): a bad one falls back to today, with a note."""
    today = utc_now().date()
    if not text:
        return today, None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not MIN_AS_OF <= day <= MAX_AS_OF:
        return today, {"kind": "error", "text": f"Not a date: {text[:20]!r}; showing today."}
    return day, None


@router.get("/dashboard/aging.csv")
def dashboard_aging_csv(request: Request, user: User, as_of: str | None = None) -> Response:
    """The table behind the aging chart (amounts per bucket, the book's main currency)."""
    day, _ = _as_of(as_of)
    with transaction(_engine(request)) as session:
        report = ar_history.aging_report(session, as_of=day)
    response = csv_response(ar_history.aging_bucket_csv_rows(report), f"aging-{day}.csv")
    response.headers.update(SECURITY_HEADERS)  # amounts: no-store, as every page
    return response


@router.get("/dashboard/trend.csv")
def dashboard_trend_csv(
    request: Request,
    user: User,
    metric: Annotated[Literal["dso", "cei", "match_rate"], Query()],
    as_of: str | None = None,
) -> Response:
    """The table behind a trend chart: the 12 calendar months up to the as-of date."""
    day, _ = _as_of(as_of)
    with transaction(_engine(request)) as session:
        report = ar_charts.trend_report(session, metric, day)
    response = csv_response(ar_history.trend_csv_rows(report), f"{metric}-{day}.csv")
    response.headers.update(SECURITY_HEADERS)
    return response


# -- queue -----------------------------------------------------------------------------------


def _amount_filter(text: str | None) -> tuple[Decimal | None, str | None]:
    """(amount, None) or (None, error text) from a search box; blank is no filter."""
    if not text or not text.strip():
        return None, None
    try:
        amount = parse_amount(text, decimal_comma=False)
    except AmountError:
        return None, f"Not an amount: {text!r}. Use digits and a decimal point, e.g. 980.00."
    if amount < 0:
        return None, "Amounts are positive."
    return amount, None


def _page_url(path: str, params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def page_of(
    items: list[dict[str, Any]], limit: int, key: str, path: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """`items` was read with limit + 1: the rows to show, and the link to the next page (the
    same filters, `after` the last row's `key`), or None on the last page."""
    shown = items[:limit]
    if len(items) <= limit:
        return shown, None
    return shown, _page_url(path, {**params, "after": shown[-1][key]})


@router.get("/exceptions", response_class=HTMLResponse)
def queue(
    request: Request,
    user: User,
    reason: Annotated[str | None, Query(max_length=32, pattern=paging.NO_NUL)] = None,
    payer: Annotated[str | None, Query(max_length=200, pattern=paging.NO_NUL)] = None,
    amount: Annotated[str | None, Query(max_length=40)] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    value, error = _amount_filter(amount)
    reason = reason or None
    with transaction(_engine(request)) as session:
        # One row more than shown says whether there is a next page, without counting.
        items = views.exceptions(
            session,
            reason=reason,
            payer=payer or None,
            amount_min=value,
            amount_max=value,
            limit=limit + 1,
            after_id=after,
        )
    filters = {"reason": reason, "payer": payer, "amount": amount}
    shown, next_url = page_of(items, limit, "review_id", "/exceptions",
                              {**filters, "limit": limit if limit != PAGE_SIZE else None})
    return render(
        request,
        "queue.html",
        user=user,
        nav="queue",
        items=shown,
        filters=filters,
        filter_error=error,
        reasons=[r.value for r in ReviewReason],
        after=after,
        next_url=next_url,
        first_url=_page_url("/exceptions", filters),
    )


# -- one payment -----------------------------------------------------------------------------


@dataclass
class Row:
    invoice_number: str = ""
    amount: str = ""
    discount: str = ""
    write_off: str = ""
    write_off_reason: str = ""


def _payment_history(
    session: Session, transaction_id: int, detail: dict[str, Any]
) -> list[dict[str, Any]]:
    """The payment's audit trail: events of its applications and of its review items."""
    review_ids = session.scalars(
        select(ReviewItem.id).where(ReviewItem.transaction_id == transaction_id)
    ).all()
    entities = [("application", a["application_id"]) for a in detail["applications"]]
    entities += [("review_item", rid) for rid in review_ids]
    events: dict[int, dict[str, Any]] = {}
    for entity_type, entity_id in entities:
        for event in views.audit_events(
            session, entity_type=entity_type, entity_id=entity_id, limit=None
        ):
            events[event["event_id"]] = event
    return [events[k] for k in sorted(events)]


def _payment_page(
    request: Request,
    user: UiUser,
    transaction_id: int,
    *,
    rows: list[Row] | None = None,
    message: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with transaction(_engine(request)) as session:
        detail = views.payment_detail(session, transaction_id)
        history = _payment_history(session, transaction_id, detail) if detail else []
    if detail is None:
        return render(
            request,
            "error.html",
            user=user,
            status_code=404,
            heading="Not found",
            message=f"There is no payment #{transaction_id}.",
        )
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
    )


@router.get("/exceptions/{transaction_id}", response_class=HTMLResponse)
def payment_page(request: Request, user: User, transaction_id: TxId) -> Response:
    return _payment_page(request, user, transaction_id)


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
def apply_form(request: Request, user: User, form: CsrfForm, transaction_id: TxId) -> Response:
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
            transaction_id,
            rows=rows,
            status_code=422,
            message={"kind": "error", "text": str(error)},
        )
    try:
        with transaction(_engine(request)) as session:
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
    request: Request, transaction_id: int, form: FormData, run: Any, success: str
) -> Response:
    """Run one reviewer action in its own transaction; refusals come back as a flash."""
    version = _version(form)
    if version is None:
        return redirect_with(
            request,
            _detail_url(transaction_id),
            "error",
            "The form has no payment version: reload the page.",
        )
    try:
        with transaction(_engine(request)) as session:
            run(session, version)
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
def accept_form(request: Request, user: User, form: CsrfForm, transaction_id: TxId) -> Response:
    rank_text = str(form.get("rank") or "")
    rank = int(rank_text) if rank_text.isdigit() else 0

    def run(session: Session, version: int) -> None:
        manual.accept_suggestion(
            session,
            transaction_id=transaction_id,
            rank=rank,
            actor=user.actor,
            expected_version=version,
        )

    return _action(request, transaction_id, form, run, f"Accepted suggestion {rank}.")


@router.post("/exceptions/{transaction_id}/dismiss")
def dismiss_form(request: Request, user: User, form: CsrfForm, transaction_id: TxId) -> Response:
    def run(session: Session, version: int) -> None:
        manual.dismiss(
            session,
            transaction_id=transaction_id,
            actor=user.actor,
            reason=_reason(form),
            expected_version=version,
        )

    return _action(request, transaction_id, form, run, "Dismissed: out of the queue.")


@router.post("/exceptions/{transaction_id}/unapply")
def unapply_form(request: Request, user: User, form: CsrfForm, transaction_id: TxId) -> Response:
    def run(session: Session, version: int) -> None:
        manual.unapply(
            session,
            transaction_id=transaction_id,
            actor=user.actor,
            reason=_reason(form, UNAPPLY_REASON),
            expected_version=version,
        )

    return _action(
        request, transaction_id, form, run, "Unapplied: the payment is back in the queue."
    )


# -- invoices --------------------------------------------------------------------------------


@router.get("/invoices", response_class=HTMLResponse)
def invoices_page(
    request: Request,
    user: User,
    q: Annotated[str | None, Query(max_length=200, pattern=paging.NO_NUL)] = None,
    amount: Annotated[str | None, Query(max_length=40)] = None,
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    value, error = _amount_filter(amount)
    with transaction(_engine(request)) as session:
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
        first_url=_page_url("/invoices", filters),
    )


@router.get("/invoices/{number:path}", response_class=HTMLResponse)
def invoice_page(
    request: Request, user: User, number: Annotated[str, PathParam(pattern=paging.NO_NUL)]
) -> Response:
    with transaction(_engine(request)) as session:
        detail = views.invoice_detail(session, number, today=utc_now().date())
    if detail is None:
        return render(
            request,
            "error.html",
            user=user,
            status_code=404,
            heading="Not found",
            message=f"There is no invoice {number}.",
        )
    return render(
        request,
        "invoice.html",
        user=user,
        nav="invoices",
        inv=detail,
        applications=detail["applications"],
        events=detail.get("history", []),
    )
