"""/api/v1/payment-plans: create and cancel (ar:write), list and get (ar:read).

Thin: each route calls receivables.plan_service, as the CLI does, in the request's session
(web.session owns the transaction).
Amounts are JSON strings. Bad input (a schedule that does not add up, another customer's
invoice, mixed currencies) is 422; a clash with the book (an invoice already in an active
plan or not open, cancelling a plan that is no longer active) is 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api import problems
from api.auth import ArRead, ArWrite
from api.schemas import answer, link, links
from api.schemas import plans as schema
from core.money import D
from receivables import plan_service as svc
from receivables.plans import MAX_GRACE_DAYS, MAX_INSTALMENTS, parse_every
from web import paging
from web.session import DbSession

router = APIRouter(
    prefix="/api/v1/payment-plans", tags=["payment plans"], responses=problems.SECURED
)
PLAN = "/api/v1/payment-plans/{plan_id}"

_STATUS = r"^(active|completed|broken|cancelled)$"
_TEXT = Annotated[str, Field(min_length=1, max_length=64, pattern=paging.NO_NUL)]
_AMOUNT = Annotated[str, Field(pattern=paging.AMOUNT_PATTERN)]


class PlanIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer_id": "C-1001", "invoice_numbers": ["INV-1001", "INV-1002"],
         "instalments": 3, "first_due": "2027-01-15", "every": "month"},
        {"customer_id": "C-1001", "invoice_numbers": ["INV-1001"],
         "amounts": ["500.00", "750.00"], "due_dates": ["2027-01-15", "2027-02-15"]},
    ]})

    customer_id: _TEXT
    invoice_numbers: list[_TEXT] = Field(min_length=1, max_length=200)
    instalments: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INSTALMENTS,
        description="N equal instalments (the remainder on the last)",
    )
    first_due: paging.IsoDate | None = None
    every: str = Field(
        default="month",
        max_length=16,
        pattern=paging.NO_NUL,
        description="'month', '2m', '14d', '2w'",
    )
    amounts: list[_AMOUNT] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_INSTALMENTS,
        description="explicit instalments instead of N equal",
    )
    due_dates: list[paging.IsoDate] | None = Field(
        default=None, min_length=1, max_length=MAX_INSTALMENTS
    )
    grace_days: int = Field(default=5, ge=0, le=MAX_GRACE_DAYS)
    note: str | None = Field(default=None, max_length=500, pattern=paging.NO_NUL)


class CancelIn(BaseModel):
    note: str | None = Field(default=None, max_length=500, pattern=paging.NO_NUL)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.Plan),
    responses={
        201: links(
            GetPlan=link(PLAN, "The plan", plan_id="$response.body#/id"),
            CancelPlan=link(PLAN + "/cancel", "Cancel it", "post", plan_id="$response.body#/id"),
        ),
        **problems.declare(
            (404, "No such customer or invoice"),
            (409, "An invoice is already in an active plan, or not open"),
        ),
    },
)
def create_plan(body: PlanIn, session: DbSession, principal: ArWrite) -> dict[str, Any]:
    plan = svc.create_plan(
        session,
        customer_id=body.customer_id,
        invoice_numbers=body.invoice_numbers,
        actor=principal.actor,
        instalments=body.instalments,
        first_due=body.first_due,
        every=parse_every(body.every) if body.amounts is None else None,
        amounts=[D(a) for a in body.amounts] if body.amounts is not None else None,
        due_dates=body.due_dates,
        grace_days=body.grace_days,
        note=body.note,
    )
    return svc.plan_json(session, plan)


@router.get("", response_model=answer(schema.PlanPage))
def list_plans(
    session: DbSession,
    _: ArRead,
    plan_status: Annotated[str | None, Query(alias="status", pattern=_STATUS)] = None,
    customer_id: Annotated[str | None, Query(max_length=64, pattern=paging.NO_NUL)] = None,
    cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict[str, Any]:
    items = svc.list_plans(
        session, status=plan_status, customer_id=customer_id, after=cursor, limit=limit
    )
    return paging.page(items, limit, "id")


@router.get("/{plan_id}", response_model=answer(schema.Plan), responses=problems.declare(404))
def get_plan(plan_id: paging.RowId, session: DbSession, _: ArRead) -> dict[str, Any]:
    return svc.plan_json(session, svc.get_plan(session, plan_id))


@router.post(
    "/{plan_id}/cancel",
    response_model=answer(schema.Plan),
    responses=problems.declare(404, (409, "The plan is no longer active")),
)
def cancel_plan(
    plan_id: paging.RowId, session: DbSession, principal: ArWrite, body: CancelIn | None = None
) -> dict[str, Any]:
    plan = svc.cancel_plan(
        session, plan_id, actor=principal.actor, note=body.note if body else None
    )
    return svc.plan_json(session, plan)
