"""/api/v1/statement-checks and /api/v1/change-proposals: what a person reviews about the bank's
data itself — statements that do not add up or follow on, and notifications of change.
Thin: the repositories do the work in the request's session (committed when the route returns)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api import problems
from api.auth import TreasuryReview
from api.schemas import answer
from api.schemas import bank_checks as schema
from ledger.repositories import change_proposals, statement_checks
from web import paging
from web.session import DbSession

router = APIRouter(prefix="/api/v1", tags=["bank-checks"], responses=problems.SECURED)

Note = Field(min_length=1, max_length=2000, pattern=paging.NO_NUL)


class CheckDecision(BaseModel):
    status: Literal["resolved", "dismissed"] = "resolved"
    note: str = Note


class ApplyChange(BaseModel):
    customer_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=paging.NO_NUL,
                                    description="the customer to apply it to when the proposal names none")
    note: str | None = Field(default=None, min_length=1, max_length=2000, pattern=paging.NO_NUL)


class RejectChange(BaseModel):
    note: str = Note


@router.get("/statement-checks", response_model=answer(schema.StatementCheckPage))
def list_checks(
    session: DbSession,
    principal: TreasuryReview,
    status: Literal["open", "resolved", "dismissed"] | None = "open",
    file_id: Annotated[int | None, Query(ge=1, le=paging.MAX_ID)] = None,
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Statement checks, oldest first (open ones by default)."""
    rows = statement_checks.listing(session, status=status, file_id=file_id, after_id=after or 0, limit=limit + 1)
    return paging.page(rows, limit, "id")


@router.post(
    "/statement-checks/{check_id}/close",
    response_model=answer(schema.StatementCheck),
    responses=problems.declare(404, (409, "Closed already")),
)
def close_check(session: DbSession, check_id: paging.RowId, body: CheckDecision,
                principal: TreasuryReview) -> dict[str, Any]:
    """Close an open check with a note: resolved (the cause found and dealt with) or dismissed.
    404 unknown, 409 already closed."""
    return statement_checks.decide(session, check_id, status=body.status, note=body.note, actor=principal.actor)


@router.get("/change-proposals", response_model=answer(schema.ChangeProposalPage))
def list_changes(
    session: DbSession,
    principal: TreasuryReview,
    status: Literal["open", "applied", "rejected"] | None = "open",
    limit: paging.Limit = 100,
    after: paging.Cursor = None,
) -> dict[str, Any]:
    """Notifications of change, oldest first (open ones by default)."""
    return paging.page(change_proposals.listing(session, status=status, after_id=after or 0, limit=limit + 1),
                       limit, "id")


@router.post(
    "/change-proposals/{proposal_id}/apply",
    response_model=answer(schema.ChangeProposal),
    responses=problems.declare(
        (404, "No such proposal, or no such customer"),
        (409, "Decided already, or the corrected account belongs to another customer"),
    ),
)
def apply_change(session: DbSession, proposal_id: paging.RowId, body: ApplyChange,
                 principal: TreasuryReview) -> dict[str, Any]:
    """Apply the correction to the customer (audited). 404 unknown proposal or customer, 409
    already decided or the corrected account belongs to another customer, 422 no customer."""
    done = change_proposals.apply(session, proposal_id, actor=principal.actor, customer_id=body.customer_id,
                                  note=body.note)
    return change_proposals.as_json(done)


@router.post(
    "/change-proposals/{proposal_id}/reject",
    response_model=answer(schema.ChangeProposal),
    responses=problems.declare(404, (409, "Decided already")),
)
def reject_change(session: DbSession, proposal_id: paging.RowId, body: RejectChange,
                  principal: TreasuryReview) -> dict[str, Any]:
    """Reject the correction with a note (nothing changes on the customer). 404, 409 as apply."""
    return change_proposals.as_json(change_proposals.reject(session, proposal_id, actor=principal.actor,
                                                            note=body.note))
