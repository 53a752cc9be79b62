"""/api/v1/fees: late fee items for the AR system to bill, and its acknowledgement (the
scheduled fee run is workflows.jobs.fees_job).

The AR system learns of a new fee from the `invoice.fee_charged` webhook (or this list, read
as a feed with `status=open`), bills it, and acknowledges it with POST /fees/{id}/exported
(idempotent: a repeated acknowledgement changes nothing; a void fee is 409). POST
/fees/{id}/void waives a fee (its period is never charged again).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api import problems
from api.auth import ArRead, ArWrite
from api.schemas import answer
from api.schemas import fees as schema
from receivables import fee_job
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1/fees", tags=["fees"], responses=problems.SECURED)


@router.get("", response_model=answer(schema.FeePage))
def list_fees(
    session: DbSession,
    principal: ArRead,
    invoice: str | None = Query(
        None, max_length=64, pattern=paging.NO_NUL, description="invoice number"
    ),
    status_: Literal["open", "exported", "void"] | None = Query(None, alias="status"),
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Fee items oldest first; `next` is the cursor of the next page."""
    items = fee_job.list_fees(
        session, invoice_number=invoice, status=status_, limit=limit + 1, after_id=after
    )
    return paging.page(items, limit, "fee_id")


@router.post(
    "/{fee_id}/exported",
    response_model=answer(schema.Fee),
    responses=problems.declare(404, (409, "The fee is void")),
)
def fee_exported(session: DbSession, fee_id: paging.RowId, principal: ArWrite) -> dict[str, Any]:
    """The AR system has billed this fee."""
    return fee_job.mark_exported(session, fee_id=fee_id, actor=principal.actor)


class VoidIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "waived: goodwill"}]})

    reason: str = Field(min_length=1, max_length=500, pattern=paging.NO_NUL)


@router.post(
    "/{fee_id}/void",
    response_model=answer(schema.Fee),
    responses=problems.declare(404, (409, "The fee cannot be voided now")),
)
def fee_void(
    session: DbSession, fee_id: paging.RowId, body: VoidIn, principal: ArWrite
) -> dict[str, Any]:
    """The AR system waives (or credits) this fee: idempotent; never charged again."""
    return fee_job.void_fee(session, fee_id=fee_id, actor=principal.actor, reason=body.reason)
