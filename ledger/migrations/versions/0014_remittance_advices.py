"""remittance_advices: X12 820 and CSV remittance advices (issue 15 part C)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Advices as received (ledger/models/advice.py), linked to the bank transaction each describes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.types


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('remittance_advices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('payer', sa.String(length=512), nullable=True),
    sa.Column('payment_reference', sa.String(length=256), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('payment_date', sa.Date(), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('linked_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'applied', 'review', 'linked')", name=op.f('ck_remittance_advices_status')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_remittance_advices_amount_positive')),
    sa.ForeignKeyConstraint(['file_id'], ['bank_files.id'], name=op.f('fk_remittance_advices_file_id_bank_files')),
    sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], name=op.f('fk_remittance_advices_transaction_id_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remittance_advices')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_remittance_advices_fingerprint'))
    )
    with op.batch_alter_table('remittance_advices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remittance_advices_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remittance_advices_payment_reference'), ['payment_reference'], unique=False)
        batch_op.create_index('ix_remittance_advices_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_remittance_advices_transaction_id'), ['transaction_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('remittance_advices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remittance_advices_transaction_id'))
        batch_op.drop_index('ix_remittance_advices_status')
        batch_op.drop_index(batch_op.f('ix_remittance_advices_payment_reference'))
        batch_op.drop_index(batch_op.f('ix_remittance_advices_file_id'))

    op.drop_table('remittance_advices')
