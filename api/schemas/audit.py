"""The audit trail (reconcile.view_rows.event_json): who did what to which entity."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas import Page, Shape, Timestamp


class AuditEvent(Shape):
    """One entry of the append-only trail; `before` and `after` are the entity's fields that
    the action changed, as the action recorded them (their keys depend on the action)."""

    event_id: int
    at: Timestamp
    actor: str
    action: str = Field(description="e.g. invoice.imported, application.created")
    entity_type: str = Field(description="invoice, application, review_item, bank_file, ...")
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditEventPage(Page[AuditEvent]):
    """The trail in the order it was written."""
