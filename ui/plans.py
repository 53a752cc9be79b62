"""Workbench pages for payment plans: list, detail (with cancel), a create form. (The plan
box on the invoice page, templates/plans_invoice.html, gets plan_service.plans_of_invoice
from ui.invoices.)

Thin like the other pages: receivables.plan_service does the work in the request's session,
post-redirect-get with a flash message; a refused plan is shown on the form (never a 500) and
leaves the database as it was (a savepoint).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from core.money import AmountError
from receivables import plan_service as svc
from receivables.plans import MAX_GRACE_DAYS, MAX_INSTALMENTS, PlanError, parse_every
from ui.pages import not_found, page_of, redirect_with, render
from ui.security import CsrfForm, User
from web import paging
from web.session import DbSession

router = APIRouter(include_in_schema=False)  # workbench pages: not in the API schema
PlanId = Annotated[int, PathParam(ge=1, le=paging.MAX_ID)]
PAGE_SIZE = 50


@router.get("/plans", response_class=HTMLResponse)
def plans_page(
    request: Request,
    user: User,
    session: DbSession,
    status: Annotated[str | None, Query(pattern=r"^(active|completed|broken|cancelled)$")] = None,
    after: Annotated[int | None, Query(ge=0, le=paging.MAX_ID)] = None,
) -> Response:
    items = svc.list_plans(session, status=status, after=after, limit=PAGE_SIZE)
    items, next_url = page_of(items, PAGE_SIZE, "id", "/plans", {"status": status})
    return render(
        request,
        "plans_list.html",
        user=user,
        nav="plans",
        items=items,
        status=status,
        statuses=svc.STATUSES,
        next_url=next_url,
    )


@router.get("/plans/new", response_class=HTMLResponse)
def new_plan_page(
    request: Request,
    user: User,
    invoice: Annotated[str | None, Query(max_length=64, pattern=paging.NO_NUL)] = None,
    customer: Annotated[str | None, Query(max_length=64, pattern=paging.NO_NUL)] = None,
) -> Response:
    form = {
        "customer_id": customer or "",
        "invoices": invoice or "",
        "instalments": "3",
        "first_due": "",
        "every": "month",
        "grace_days": "5",
        "note": "",
    }
    return render(
        request,
        "plans_new.html",
        user=user,
        nav="plans",
        form=form,
        error=None,
        max_instalments=MAX_INSTALMENTS,
    )


def _form_int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise PlanError(f"{name} must be a whole number") from None
    if not low <= number <= high:
        raise PlanError(f"{name} must be between {low} and {high}")
    return number


@router.post("/plans/new", response_class=HTMLResponse)
def create_plan_form(
    request: Request, user: User, form: CsrfForm, session: DbSession
) -> Response:
    values = {
        k: str(form.get(k) or "")[:500]
        for k in (
            "customer_id",
            "invoices",
            "instalments",
            "first_due",
            "every",
            "grace_days",
            "note",
        )
    }
    try:
        numbers = [n for n in values["invoices"].replace(",", " ").split() if n]
        try:
            first = date.fromisoformat(values["first_due"].strip())
        except ValueError:
            raise PlanError("the first due date must be a date like 2026-12-15") from None
        with session.begin_nested():  # refused: the database as it was
            plan = svc.create_plan(
                session,
                customer_id=values["customer_id"].strip(),
                invoice_numbers=numbers,
                actor=user.actor,
                instalments=_form_int(values["instalments"], "instalments", 1, MAX_INSTALMENTS),
                first_due=first,
                every=parse_every(values["every"] or "month"),
                grace_days=_form_int(values["grace_days"] or "5", "grace days", 0, MAX_GRACE_DAYS),
                note=values["note"].strip() or None,
            )
            plan_id, reference = plan.id, plan.reference
    except (PlanError, AmountError) as error:
        return render(
            request,
            "plans_new.html",
            user=user,
            nav="plans",
            form=values,
            error=str(error),
            status_code=422,
            max_instalments=MAX_INSTALMENTS,
        )
    return redirect_with(request, f"/plans/{plan_id}", "success", f"Plan {reference} created.")


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, user: User, session: DbSession, plan_id: PlanId) -> Response:
    try:
        plan = svc.plan_json(session, svc.get_plan(session, plan_id))
    except svc.PlanNotFound:
        return not_found(request, user, f"There is no payment plan #{plan_id}.")
    return render(request, "plans_detail.html", user=user, nav="plans", plan=plan)


@router.post("/plans/{plan_id}/cancel")
def cancel_form(
    request: Request, user: User, form: CsrfForm, session: DbSession, plan_id: PlanId
) -> Response:
    note = str(form.get("note") or "").strip()[:500] or None
    try:
        with session.begin_nested():
            plan = svc.cancel_plan(session, plan_id, actor=user.actor, note=note)
            text = f"Plan {plan.reference} cancelled: its invoices are dunned normally again."
    except svc.PlanNotFound:
        return redirect_with(request, "/plans", "error", f"There is no payment plan #{plan_id}.")
    except PlanError as error:
        return redirect_with(request, f"/plans/{plan_id}", "error", str(error))
    return redirect_with(request, f"/plans/{plan_id}", "success", text)
