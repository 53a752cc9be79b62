"""invoice book and cash application

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=512), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_table('customer_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=128), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('imported', 'learned')", name=op.f('ck_customer_accounts_source')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_accounts_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_accounts')),
    sa.UniqueConstraint('account', name=op.f('uq_customer_accounts_account'))
    )
    with op.batch_alter_table('customer_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_accounts_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('alias', sa.String(length=512), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('imported', 'learned')", name=op.f('ck_customer_aliases_source')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_aliases_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_aliases'))
    )
    with op.batch_alter_table('customer_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_customer_aliases_customer_alias', ['customer_id', 'alias'], unique=True)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('open_minor', sa.BigInteger(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('written_off_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('terms', sa.String(length=64), nullable=True),
    sa.Column('po_number', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'paid', 'void')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_invoices_amount_positive')),
    sa.CheckConstraint('discount_minor >= 0 AND written_off_minor >= 0', name=op.f('ck_invoices_adjustments_positive')),
    sa.CheckConstraint('open_minor >= 0 AND open_minor <= amount_minor', name=op.f('ck_invoices_open_within_amount')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoices_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_customer_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_po_number'), ['po_number'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('applied_minor', sa.BigInteger(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), nullable=False),
    sa.Column('write_off_minor', sa.BigInteger(), nullable=False),
    sa.Column('write_off_reason', sa.String(length=64), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_by', sa.String(length=128), nullable=True),
    sa.Column('reversal_reason', sa.String(length=256), nullable=True),
    sa.CheckConstraint("method IN ('auto', 'manual')", name=op.f('ck_applications_method')),
    sa.CheckConstraint("status IN ('applied', 'reversed')", name=op.f('ck_applications_status')),
    sa.CheckConstraint('applied_minor >= 0 AND discount_minor >= 0 AND write_off_minor >= 0', name=op.f('ck_applications_amounts_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_applications_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], name=op.f('fk_applications_transaction_id_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_invoice', ['invoice_id'], unique=False)
        batch_op.create_index('uq_applications_live', ['transaction_id', 'invoice_id'], unique=True, sqlite_where=sa.text("status = 'applied'"), postgresql_where=sa.text("status = 'applied'"))

    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name=op.f('ck_review_items_status')),
    sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], name=op.f('fk_review_items_transaction_id_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index('ix_review_items_status', ['status'], unique=False)
        batch_op.create_index('uq_review_items_open', ['transaction_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applied_minor', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('match_status', sa.String(length=10), server_default='unmatched', nullable=False))
        batch_op.create_index('ix_bank_transactions_match_status', ['match_status'], unique=False)
        # Autogenerate does not see CHECKs on an existing table: the invariants, by hand.
        batch_op.create_check_constraint(
            'applied_within_amount',
            'applied_minor >= 0 AND (amount_minor IS NULL OR applied_minor <= amount_minor)',
        )
        batch_op.create_check_constraint(
            'match_status', "match_status IN ('unmatched', 'applied', 'review', 'ignored', 'returned')"
        )



def downgrade() -> None:
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_bank_transactions_match_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_bank_transactions_applied_within_amount'), type_='check')
        batch_op.drop_index('ix_bank_transactions_match_status')
        batch_op.drop_column('match_status')
        batch_op.drop_column('applied_minor')

    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index('uq_review_items_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_review_items_status')

    op.drop_table('review_items')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('uq_applications_live', sqlite_where=sa.text("status = 'applied'"), postgresql_where=sa.text("status = 'applied'"))
        batch_op.drop_index('ix_applications_invoice')

    op.drop_table('applications')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_po_number'))
        batch_op.drop_index('ix_invoices_customer_status')

    op.drop_table('invoices')
    with op.batch_alter_table('customer_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_aliases_customer_alias')

    op.drop_table('customer_aliases')
    with op.batch_alter_table('customer_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_accounts_customer_id'))

    op.drop_table('customer_accounts')
    op.drop_table('customers')
