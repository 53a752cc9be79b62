"""collections: disputes, fees, dunning, plans

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dunning_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('segment', sa.String(length=32), nullable=True),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_policies')),
    sa.UniqueConstraint('name', name=op.f('uq_dunning_policies_name')),
    sa.UniqueConstraint('segment', name=op.f('uq_dunning_policies_segment'))
    )
    op.create_table('payment_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'completed', 'broken', 'cancelled')", name=op.f('ck_payment_plans_status')),
    sa.CheckConstraint('grace_days >= 0', name=op.f('ck_payment_plans_grace')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_payment_plans_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_plans')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_plans_reference'))
    )
    with op.batch_alter_table('payment_plans', schema=None) as batch_op:
        batch_op.create_index('ix_payment_plans_customer_status', ['customer_id', 'status'], unique=False)

    op.create_table('fee_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('base_minor', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.String(length=16), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('finance_charge', 'late_interest', 'late_compensation')", name=op.f('ck_fee_items_kind')),
    sa.CheckConstraint("status IN ('open', 'exported', 'void')", name=op.f('ck_fee_items_status')),
    sa.CheckConstraint('amount_minor > 0 AND base_minor >= 0', name=op.f('ck_fee_items_amounts')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_fee_items_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_items'))
    )
    with op.batch_alter_table('fee_items', schema=None) as batch_op:
        batch_op.create_index('uq_fee_items_period', ['invoice_id', 'kind', 'period_end'], unique=True)

    op.create_table('instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('due', 'paid', 'missed')", name=op.f('ck_instalments_status')),
    sa.CheckConstraint('amount_minor > 0 AND paid_minor >= 0', name=op.f('ck_instalments_amounts')),
    sa.ForeignKeyConstraint(['plan_id'], ['payment_plans.id'], name=op.f('fk_instalments_plan_id_payment_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalments'))
    )
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.create_index('uq_instalments_plan_seq', ['plan_id', 'seq'], unique=True)

    op.create_table('payment_plan_invoices',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_plan_invoices_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['plan_id'], ['payment_plans.id'], name=op.f('fk_payment_plan_invoices_plan_id_payment_plans')),
    sa.PrimaryKeyConstraint('plan_id', 'invoice_id', name=op.f('pk_payment_plan_invoices'))
    )
    with op.batch_alter_table('payment_plan_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_plan_invoices_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('resolution', sa.String(length=10), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('opened_by', sa.String(length=128), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=128), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("resolution IS NULL OR resolution IN ('credit', 'write_off', 'rebill', 'rejected')", name=op.f('ck_disputes_resolution')),
    sa.CheckConstraint("source IN ('manual', 'api', 'deduction')", name=op.f('ck_disputes_source')),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_disputes_status')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_disputes_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_disputes_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], name=op.f('fk_disputes_transaction_id_bank_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('ix_disputes_invoice_status', ['invoice_id', 'status'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('instalment_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'call', 'letter', 'agency')", name=op.f('ck_reminders_channel')),
    sa.CheckConstraint("status IN ('sent', 'queued', 'failed', 'done')", name=op.f('ck_reminders_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_reminders_customer_id_customers')),
    sa.ForeignKeyConstraint(['instalment_id'], ['instalments.id'], name=op.f('fk_reminders_instalment_id_instalments')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_reminders_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['policy_id'], ['dunning_policies.id'], name=op.f('fk_reminders_policy_id_dunning_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_reminders_dedupe_key'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_reminders_invoice', ['invoice_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('segment', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('dunning_policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customers_dunning_policy_id_dunning_policies'), 'dunning_policies', ['dunning_policy_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customers_dunning_policy_id_dunning_policies'), type_='foreignkey')
        batch_op.drop_column('dunning_policy_id')
        batch_op.drop_column('segment')
        batch_op.drop_column('email')

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_invoice')
        batch_op.drop_index('ix_reminders_customer')

    op.drop_table('reminders')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_invoice_status')

    op.drop_table('disputes')
    with op.batch_alter_table('payment_plan_invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_plan_invoices_invoice_id'))

    op.drop_table('payment_plan_invoices')
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.drop_index('uq_instalments_plan_seq')

    op.drop_table('instalments')
    with op.batch_alter_table('fee_items', schema=None) as batch_op:
        batch_op.drop_index('uq_fee_items_period')

    op.drop_table('fee_items')
    with op.batch_alter_table('payment_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_plans_customer_status')

    op.drop_table('payment_plans')
    op.drop_table('dunning_policies')
