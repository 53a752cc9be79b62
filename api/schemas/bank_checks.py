"""Statement checks and change proposals (ledger.repositories.statement_checks / change_proposals)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas import Page, Shape, Timestamp


class StatementCheck(Shape):
    """A statement that did not add up, did not follow on, or skipped or repeated a number."""

    id: int
    file_id: int
    file_name: str | None
    statement_id: str | None = Field(description="the statement's id as the bank wrote it")
    account: str | None
    kind: str = Field(description="balance | continuity | sequence")
    message: str
    expected: str | None = Field(description="what the statement should show: an amount or a sequence number")
    found: str | None = Field(description="what it shows")
    currency: str | None
    status: str = Field(description="open | resolved | dismissed")
    resolution: str | None
    actor: str | None = Field(description="who closed it")
    created_at: Timestamp
    resolved_at: Timestamp | None


class StatementCheckPage(Page[StatementCheck]):
    """Oldest first."""


class ChangeProposal(Shape):
    """A bank's notification of change (NACHA C01-C14) proposed on a customer."""

    id: int
    transaction_id: int
    customer_id: str | None = Field(description="the customer whose account the entry was sent to; null if none")
    change_code: str
    old_account: str | None
    new_account: str | None
    new_name: str | None
    detail: dict[str, Any] = Field(description="corrected text, transaction code, identification, SEC code")
    explanation: str
    status: str = Field(description="open | applied | rejected")
    resolution: str | None
    actor: str | None
    created_at: Timestamp
    resolved_at: Timestamp | None


class ChangeProposalPage(Page[ChangeProposal]):
    """Oldest first."""
