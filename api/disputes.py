"""/api/v1/disputes: open, list, get and resolve disputes (receivables.disputes).

Opening and resolving need `ar:write` (the AR system records the customer's dispute and its
outcome) or `treasury:review` (the reviewers who meet deductions in the bank data); reading
needs `ar:read`. Bad input is 422, a conflict with the ledger (amount above the undisputed
open amount, invoice paid, resolved already) 409, an unknown id 404.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import problems
from api.auth import ArRead, Principal, RequireScope
from api.schemas import answer, link, links
from api.schemas import disputes as schema
from core.money import AmountError, D
from receivables import disputes
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/disputes", tags=["disputes"], responses=problems.SECURED)
DISPUTE = "/api/v1/disputes/{dispute_id}"

_PLAIN_AMOUNT = re.compile(paging.AMOUNT_PATTERN)  # ASCII digits only
ReasonCode = Literal[
    "pricing", "quantity", "damaged", "not_received", "duplicate_billing", "deduction", "other"
]
Resolution = Literal["credit", "write_off", "rebill", "rejected"]


DisputeWriter = Annotated[Principal, Depends(RequireScope("ar:write", "treasury:review"))]


class DisputeIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "invoice_number": "INV-1001", "amount": "120.00", "reason_code": "pricing",
        "note": "list price charged, contract price agreed",
    }]})

    invoice_number: str = Field(min_length=1, max_length=64, pattern=paging.NO_NUL)
    amount: str = Field(
        pattern=paging.AMOUNT_PATTERN,
        description='the disputed amount, a decimal string such as "120.00"',
        examples=["120.00"],
    )
    reason_code: ReasonCode
    note: str | None = Field(default=None, max_length=2000, pattern=paging.NO_NUL)

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        if not _PLAIN_AMOUNT.match(value.strip()):
            raise ValueError('an amount is a string of digits with a decimal point, e.g. "100.00"')
        try:
            if D(value) <= 0:
                raise ValueError("a disputed amount is positive")
        except AmountError as error:
            raise ValueError(str(error)) from None
        return value.strip()


class ResolveIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"resolution": "credit"}]})

    resolution: Resolution
    note: str | None = Field(default=None, max_length=2000, pattern=paging.NO_NUL)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.Dispute),
    responses={
        201: links(
            GetDispute=link(DISPUTE, "The dispute", dispute_id="$response.body#/dispute_id"),
            ResolveDispute=link(DISPUTE + "/resolve", "Close it", "post",
                                dispute_id="$response.body#/dispute_id"),
        ),
        **problems.declare(
            (404, "No such invoice"),
            (409, "More than the invoice's open, undisputed amount, or the invoice is paid"),
        ),
    },
)
def open_dispute(session: DbSession, body: DisputeIn, principal: DisputeWriter) -> dict[str, Any]:
    """Open a dispute over part (or all) of an invoice's open, undisputed amount."""
    d = disputes.open_dispute(
        session,
        invoice_number=body.invoice_number,
        amount=D(body.amount),
        reason_code=body.reason_code,
        note=body.note,
        source="api",
        actor=principal.actor,
    )
    return disputes.get_dispute(session, d.id)


@router.get("", response_model=answer(schema.DisputePage))
def list_disputes(
    session: DbSession,
    principal: ArRead,
    invoice: str | None = Query(
        None, max_length=64, pattern=paging.NO_NUL, description="invoice number"
    ),
    status_: Literal["open", "resolved"] | None = Query(None, alias="status"),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Newest first; `next` is the cursor of the next page."""
    items = disputes.list_disputes(
        session, status=status_, invoice_number=invoice, limit=limit + 1, after_id=after
    )
    return paging.page(items, limit, "dispute_id")


@router.get("/{dispute_id}", response_model=answer(schema.Dispute), responses=problems.declare(404))
def get_dispute(session: DbSession, dispute_id: paging.RowId, principal: ArRead) -> dict[str, Any]:
    return disputes.get_dispute(session, dispute_id)


@router.post(
    "/{dispute_id}/resolve",
    response_model=answer(schema.Dispute),
    responses=problems.declare(404, (409, "Resolved already")),
)
def resolve_dispute(
    session: DbSession, dispute_id: paging.RowId, body: ResolveIn, principal: DisputeWriter
) -> dict[str, Any]:
    """Close the dispute: credit / write_off take the amount off the invoice; rebill /
    rejected leave it due. 409 if it is resolved already."""
    disputes.resolve_dispute(
        session,
        dispute_id=dispute_id,
        resolution=body.resolution,
        note=body.note,
        actor=principal.actor,
    )
    return disputes.get_dispute(session, dispute_id)
