"""statement_checks, statement_numbers, change_proposals: review of the bank's data itself

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

A statement that does not add up, does not follow on from the last one, or skips or repeats a
sequence number raises a statement check; a NACHA notification of change raises a change
proposal on the customer it names. Both wait for a person (ledger/models/bank_checks.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('statement_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('account', sa.String(length=128), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('expected', sa.String(length=64), nullable=True),
    sa.Column('found', sa.String(length=64), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('balance', 'continuity', 'sequence')", name=op.f('ck_statement_checks_kind')),
    sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name=op.f('ck_statement_checks_status')),
    sa.ForeignKeyConstraint(['file_id'], ['bank_files.id'], name=op.f('fk_statement_checks_file_id_bank_files')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_checks_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_checks'))
    )
    with op.batch_alter_table('statement_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_checks_file_id'), ['file_id'], unique=False)
        batch_op.create_index('ix_statement_checks_status', ['status'], unique=False)

    op.create_table('statement_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=300), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['bank_files.id'], name=op.f('fk_statement_numbers_file_id_bank_files')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_numbers_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_numbers'))
    )
    with op.batch_alter_table('statement_numbers', schema=None) as batch_op:
        batch_op.create_index('ix_statement_numbers_scope', ['kind', 'scope', 'number'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_numbers_statement_id'), ['statement_id'], unique=False)

    op.create_table('change_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('change_code', sa.String(length=8), nullable=False),
    sa.Column('old_account', sa.String(length=128), nullable=True),
    sa.Column('new_account', sa.String(length=128), nullable=True),
    sa.Column('new_name', sa.String(length=128), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'applied', 'rejected')", name=op.f('ck_change_proposals_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_change_proposals_customer_id_customers')),
    sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], name=op.f('fk_change_proposals_transaction_id_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_proposals'))
    )
    with op.batch_alter_table('change_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_change_proposals_status', ['status'], unique=False)
        batch_op.create_index('uq_change_proposals_transaction', ['transaction_id'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('change_proposals', schema=None) as batch_op:
        batch_op.drop_index('uq_change_proposals_transaction')
        batch_op.drop_index('ix_change_proposals_status')

    op.drop_table('change_proposals')
    with op.batch_alter_table('statement_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_numbers_statement_id'))
        batch_op.drop_index('ix_statement_numbers_scope')

    op.drop_table('statement_numbers')
    with op.batch_alter_table('statement_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_checks_status')
        batch_op.drop_index(batch_op.f('ix_statement_checks_file_id'))

    op.drop_table('statement_checks')
