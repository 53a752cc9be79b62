"""mandates, collections: direct-debit collection (issue 15)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Customers' mandates and the collections `remit collect` sends under them
(ledger/models/collections.py); an application's method may be `direct_debit` (settled
collections), so the column widens to 16.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mandates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mandate_id', sa.String(length=35), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('scheme', sa.String(length=4), nullable=False),
    sa.Column('account', sa.String(length=128), nullable=False),
    sa.Column('account_type', sa.String(length=8), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("account_type IS NULL OR account_type IN ('checking', 'savings')", name=op.f('ck_mandates_account_type')),
    sa.CheckConstraint("scheme IN ('sepa', 'ach')", name=op.f('ck_mandates_scheme')),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_mandates_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_mandates_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandates')),
    sa.UniqueConstraint('mandate_id', name=op.f('uq_mandates_mandate_id'))
    )
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.create_index('ix_mandates_customer_status', ['customer_id', 'status'], unique=False)

    op.create_table('collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('mandate_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=4), nullable=False),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=False),
    sa.Column('batch_ref', sa.String(length=35), nullable=False),
    sa.Column('trace', sa.String(length=15), nullable=True),
    sa.Column('sequence', sa.String(length=4), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('collection_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('return_reason', sa.String(length=16), nullable=True),
    sa.Column('return_detail', sa.Text(), nullable=True),
    sa.Column('settled_by', sa.Integer(), nullable=True),
    sa.Column('returned_by', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scheme IN ('sepa', 'ach')", name=op.f('ck_collections_scheme')),
    sa.CheckConstraint("sequence IS NULL OR sequence IN ('FRST', 'RCUR')", name=op.f('ck_collections_sequence')),
    sa.CheckConstraint("status IN ('pending', 'settled', 'returned')", name=op.f('ck_collections_status')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_collections_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_collections_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['mandate_id'], ['mandates.id'], name=op.f('fk_collections_mandate_id_mandates')),
    sa.ForeignKeyConstraint(['returned_by'], ['bank_transactions.id'], name=op.f('fk_collections_returned_by_bank_transactions')),
    sa.ForeignKeyConstraint(['settled_by'], ['bank_transactions.id'], name=op.f('fk_collections_settled_by_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collections')),
    sa.UniqueConstraint('end_to_end_id', name=op.f('uq_collections_end_to_end_id'))
    )
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.create_index('ix_collections_batch', ['batch_ref'], unique=False)
        batch_op.create_index('ix_collections_invoice', ['invoice_id'], unique=False)
        batch_op.create_index('ix_collections_mandate', ['mandate_id'], unique=False)
        batch_op.create_index('ix_collections_trace', ['trace'], unique=False)
        batch_op.create_index('uq_collections_live_invoice', ['invoice_id'], unique=True, sqlite_where=sa.text("status IN ('pending', 'settled')"), postgresql_where=sa.text("status IN ('pending', 'settled')"))

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.alter_column('method',
               existing_type=sa.VARCHAR(length=8),
               type_=sa.String(length=16),
               existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_applications_method'), type_='check')
        batch_op.create_check_constraint(op.f('ck_applications_method'),
                                         "method IN ('auto', 'manual', 'direct_debit')")



def downgrade() -> None:
    op.execute("UPDATE applications SET method = 'auto' WHERE method = 'direct_debit'")
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applications_method'), type_='check')
        batch_op.create_check_constraint(op.f('ck_applications_method'), "method IN ('auto', 'manual')")
        batch_op.alter_column('method',
               existing_type=sa.String(length=16),
               type_=sa.VARCHAR(length=8),
               existing_nullable=False)

    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.drop_index('uq_collections_live_invoice', sqlite_where=sa.text("status IN ('pending', 'settled')"), postgresql_where=sa.text("status IN ('pending', 'settled')"))
        batch_op.drop_index('ix_collections_trace')
        batch_op.drop_index('ix_collections_mandate')
        batch_op.drop_index('ix_collections_invoice')
        batch_op.drop_index('ix_collections_batch')

    op.drop_table('collections')
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.drop_index('ix_mandates_customer_status')

    op.drop_table('mandates')
