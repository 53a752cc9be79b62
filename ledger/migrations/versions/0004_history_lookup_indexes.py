"""indexes for the API's lookups: per-entity history, a payment's rows, invoices by amount

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The audit trail and applications grow forever: the API's invoice and payment detail
    # views look up one entity's rows and must not scan them.
    op.create_index(
        "ix_audit_events_entity", "audit_events", ["entity_type", "entity_id"], unique=False
    )
    op.create_index("ix_applications_transaction", "applications", ["transaction_id"], unique=False)
    op.create_index("ix_review_items_transaction", "review_items", ["transaction_id"], unique=False)
    # The dashboard sums today's applications: a range on created_at, not a scan of history.
    op.create_index("ix_applications_created_at", "applications", ["created_at"], unique=False)
    # A reviewer looks an unreferenced payment's invoice up by amount (or open amount).
    op.create_index("ix_invoices_amount", "invoices", ["amount_minor"], unique=False)
    op.create_index("ix_invoices_open", "invoices", ["open_minor"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invoices_open", table_name="invoices")
    op.drop_index("ix_invoices_amount", table_name="invoices")
    op.drop_index("ix_review_items_transaction", table_name="review_items")
    op.drop_index("ix_applications_created_at", table_name="applications")
    op.drop_index("ix_applications_transaction", table_name="applications")
    op.drop_index("ix_audit_events_entity", table_name="audit_events")
