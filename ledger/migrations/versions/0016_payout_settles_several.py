"""recorded_payments.settled_by no longer unique: one card payout settles a day's payments

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

A processor pays a day's card payments out in one bank credit (reconcile/payouts.py): that
credit is the settlement of each of them. The unique constraint becomes a plain index.
"""

from __future__ import annotations

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recorded_payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_recorded_payments_settled_by'), type_='unique')
        batch_op.create_index(batch_op.f('ix_recorded_payments_settled_by'), ['settled_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recorded_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_payments_settled_by'))
        batch_op.create_unique_constraint(batch_op.f('uq_recorded_payments_settled_by'), ['settled_by'])
