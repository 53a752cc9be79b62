"""/api/v1/exceptions, /api/v1/applications, payment unapply: the review queue over HTTP.

Thin: every action calls the same function as the CLI (reconcile.manual); the request owns
the transaction. Amounts are JSON strings (never numbers: money is not float). A business
conflict (over-application, invoice already paid, nothing open to dismiss) is 409.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field, field_validator

from api.auth import ArRead, TreasuryReview
from core.money import AmountError, D
from ledger.db import transaction
from reconcile import manual, views
from reconcile.apply import ApplicationError

router = APIRouter(prefix="/api/v1", tags=["exceptions"])


class AllocationIn(BaseModel):
    invoice_number: str = Field(min_length=1, max_length=64)
    amount: str = "0"  # cash applied from the payment
    discount: str = "0"
    write_off: str = "0"
    write_off_reason: str | None = Field(default=None, max_length=64)

    @field_validator("amount", "discount", "write_off")
    @classmethod
    def _decimal(cls, value: str) -> str:
        try:
            if D(value) < 0:
                raise ValueError("must not be negative")
        except AmountError as error:
            raise ValueError(str(error)) from None
        return value


class ApplyIn(BaseModel):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=500)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def _conflict(error: ApplicationError) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, str(error))


@router.get("/exceptions")
def list_exceptions(
    request: Request,
    principal: TreasuryReview,
    reason: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    after: int | None = Query(None, description="cursor: the last review_id of the previous page"),
) -> dict[str, Any]:
    with transaction(request.app.state.runtime.engine) as session:
        items = views.exceptions(session, reason=reason, limit=limit, after_id=after)
    return {"items": items, "next": items[-1]["review_id"] if len(items) == limit else None}


@router.post("/exceptions/{transaction_id}/apply", status_code=status.HTTP_201_CREATED)
def apply_exception(request: Request, transaction_id: int, body: ApplyIn, principal: TreasuryReview) -> dict[str, Any]:
    lines = [
        manual.ManualLine(a.invoice_number, Decimal(a.amount), Decimal(a.discount), Decimal(a.write_off),
                          a.write_off_reason)
        for a in body.allocations
    ]
    try:
        with transaction(request.app.state.runtime.engine) as session:
            done = manual.manual_apply(session, transaction_id=transaction_id, lines=lines,
                                       actor=principal.actor, note=body.note)
    except ApplicationError as error:
        raise _conflict(error) from None
    return {"transaction_id": transaction_id, "application_ids": list(done.application_ids),
            "invoice_numbers": list(done.invoice_numbers)}


@router.post("/exceptions/{transaction_id}/dismiss")
def dismiss_exception(request: Request, transaction_id: int, body: ReasonIn, principal: TreasuryReview) -> dict[str, Any]:
    try:
        with transaction(request.app.state.runtime.engine) as session:
            manual.dismiss(session, transaction_id=transaction_id, actor=principal.actor, reason=body.reason)
    except ApplicationError as error:
        raise _conflict(error) from None
    return {"transaction_id": transaction_id, "status": "dismissed"}


@router.post("/payments/{transaction_id}/unapply")
def unapply_payment(request: Request, transaction_id: int, body: ReasonIn, principal: TreasuryReview) -> dict[str, Any]:
    try:
        with transaction(request.app.state.runtime.engine) as session:
            reopened = manual.unapply(session, transaction_id=transaction_id, actor=principal.actor, reason=body.reason)
    except ApplicationError as error:
        raise _conflict(error) from None
    return {"transaction_id": transaction_id, "reopened": reopened}


@router.get("/applications")
def list_applications(
    request: Request, principal: ArRead, transaction_id: int | None = None
) -> list[dict[str, Any]]:
    with transaction(request.app.state.runtime.engine) as session:
        return views.applications(session, transaction_id=transaction_id)
