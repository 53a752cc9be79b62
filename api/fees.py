"""/api/v1/fees: late fee items for the AR system to bill, and its acknowledgement (the
scheduled fee run is workflows.jobs.fees_job).

The AR system learns of a new fee from the `invoice.fee_charged` webhook (or this list, read
as a feed with `status=open`), bills it, and acknowledges it with POST /fees/{id}/exported
(idempotent: a repeated acknowledgement changes nothing; a void fee is 409). POST
/fees/{id}/void waives a fee (its period is never charged again).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from web import paging
from api.auth import ArRead, ArWrite
from ledger.db import transaction
from receivables import fee_job

router = APIRouter(prefix="/api/v1/fees", tags=["fees"])


@router.get("")
def list_fees(
    request: Request,
    principal: ArRead,
    invoice: str | None = Query(
        None, max_length=64, pattern=paging.NO_NUL, description="invoice number"
    ),
    status_: Literal["open", "exported", "void"] | None = Query(None, alias="status"),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Fee items oldest first; `next` is the cursor of the next page."""
    with transaction(request.app.state.runtime.engine) as session:
        items = fee_job.list_fees(
            session, invoice_number=invoice, status=status_, limit=limit + 1, after_id=after
        )
    return paging.page(items, limit, "fee_id")


@router.post("/{fee_id}/exported")
def fee_exported(request: Request, fee_id: paging.RowId, principal: ArWrite) -> dict[str, Any]:
    """The AR system has billed this fee."""
    try:
        with transaction(request.app.state.runtime.engine) as session:
            return fee_job.mark_exported(session, fee_id=fee_id, actor=principal.actor)
    except fee_job.FeeNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except fee_job.FeeConflict as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None


class VoidIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, pattern=paging.NO_NUL)


@router.post("/{fee_id}/void")
def fee_void(
    request: Request, fee_id: paging.RowId, body: VoidIn, principal: ArWrite
) -> dict[str, Any]:
    """The AR system waives (or credits) this fee: idempotent; never charged again."""
    try:
        with transaction(request.app.state.runtime.engine) as session:
            return fee_job.void_fee(
                session, fee_id=fee_id, actor=principal.actor, reason=body.reason
            )
    except fee_job.FeeNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
