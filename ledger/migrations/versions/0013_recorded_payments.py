"""recorded_payments: payments recorded with POST /api/v1/payments (issue 15 B)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

The Idempotency-Key of each payment recorded outside the bank files, the hash of the body
it was first sent with, its bank transaction (a synthetic file of source `api`) and the
bank credit later recognised as its settlement (ledger/models/bank.py RecordedPayment).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.types


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recorded_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=256), nullable=True),
    sa.Column('received_at', sa.Date(), nullable=False),
    sa.Column('settled_by', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_recorded_payments_customer_id_customers')),
    sa.ForeignKeyConstraint(['settled_by'], ['bank_transactions.id'], name=op.f('fk_recorded_payments_settled_by_bank_transactions')),
    sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], name=op.f('fk_recorded_payments_transaction_id_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_recorded_payments_idempotency_key')),
    sa.UniqueConstraint('settled_by', name=op.f('uq_recorded_payments_settled_by')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_recorded_payments_transaction_id'))
    )
    with op.batch_alter_table('recorded_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recorded_payments_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recorded_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_payments_customer_id'))
    op.drop_table('recorded_payments')
