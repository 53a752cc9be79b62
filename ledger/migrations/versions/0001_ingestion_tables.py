"""ingestion tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# The audit log is append-only: the database itself refuses to change or drop history.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
_PG_TRIGGERS = [
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]


def _create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_TRIGGERS, "postgresql": _PG_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def _drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('bank_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=512), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('archive_path', sa.String(length=1024), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('statements', sa.Integer(), nullable=False),
    sa.Column('entries_new', sa.Integer(), nullable=False),
    sa.Column('entries_duplicate', sa.Integer(), nullable=False),
    sa.Column('transactions_new', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('received', 'parsed', 'rejected')", name=op.f('ck_bank_files_status')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_bank_files_size')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_files')),
    sa.UniqueConstraint('sha256', name=op.f('uq_bank_files_sha256'))
    )
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=256), nullable=True),
    sa.Column('account', sa.String(length=128), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('opening_minor', sa.BigInteger(), nullable=True),
    sa.Column('closing_minor', sa.BigInteger(), nullable=True),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.Column('balances', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['bank_files.id'], name=op.f('fk_statements_file_id_bank_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_file_id'), ['file_id'], unique=False)

    op.create_table('bank_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=128), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('bank_reference', sa.String(length=256), nullable=True),
    sa.Column('reversal', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('bank_code', sa.String(length=128), nullable=True),
    sa.Column('additional_info', sa.Text(), nullable=True),
    sa.Column('charges_minor', sa.BigInteger(), nullable=True),
    sa.Column('ref_key', sa.String(length=64), nullable=True),
    sa.Column('e2e_key', sa.String(length=64), nullable=True),
    sa.Column('content_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('credit', 'debit')", name=op.f('ck_bank_entries_direction')),
    sa.CheckConstraint("status IN ('booked', 'pending', 'info')", name=op.f('ck_bank_entries_status')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_bank_entries_amount_positive')),
    sa.CheckConstraint('ref_key IS NOT NULL OR e2e_key IS NOT NULL OR content_key IS NOT NULL', name=op.f('ck_bank_entries_has_key')),
    sa.ForeignKeyConstraint(['file_id'], ['bank_files.id'], name=op.f('fk_bank_entries_file_id_bank_files')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_bank_entries_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_entries')),
    sa.UniqueConstraint('content_key', name=op.f('uq_bank_entries_content_key')),
    sa.UniqueConstraint('e2e_key', name=op.f('uq_bank_entries_e2e_key')),
    sa.UniqueConstraint('ref_key', name=op.f('uq_bank_entries_ref_key'))
    )
    with op.batch_alter_table('bank_entries', schema=None) as batch_op:
        batch_op.create_index('ix_bank_entries_account_booking', ['account', 'booking_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_entries_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_entries_statement_id'), ['statement_id'], unique=False)

    op.create_table('bank_entry_sightings',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['bank_entries.id'], name=op.f('fk_bank_entry_sightings_entry_id_bank_entries')),
    sa.ForeignKeyConstraint(['file_id'], ['bank_files.id'], name=op.f('fk_bank_entry_sightings_file_id_bank_files')),
    sa.PrimaryKeyConstraint('entry_id', 'file_id', name=op.f('pk_bank_entry_sightings'))
    )
    with op.batch_alter_table('bank_entry_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_entry_sightings_file_id'), ['file_id'], unique=False)

    op.create_table('bank_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('end_to_end_id', sa.String(length=256), nullable=True),
    sa.Column('instruction_id', sa.String(length=256), nullable=True),
    sa.Column('transaction_id', sa.String(length=256), nullable=True),
    sa.Column('uetr', sa.String(length=64), nullable=True),
    sa.Column('mandate_id', sa.String(length=256), nullable=True),
    sa.Column('check_number', sa.String(length=64), nullable=True),
    sa.Column('counterparty_name', sa.String(length=512), nullable=True),
    sa.Column('counterparty_account', sa.String(length=128), nullable=True),
    sa.Column('remittance', sa.JSON(), nullable=False),
    sa.Column('references', sa.JSON(), nullable=False),
    sa.Column('invoices', sa.JSON(), nullable=False),
    sa.Column('return_reason', sa.String(length=16), nullable=True),
    sa.Column('return_original_reference', sa.String(length=256), nullable=True),
    sa.Column('return_info', sa.JSON(), nullable=True),
    sa.Column('change_code', sa.String(length=8), nullable=True),
    sa.Column('change_info', sa.JSON(), nullable=True),
    sa.CheckConstraint('amount_minor IS NULL OR amount_minor >= 0', name=op.f('ck_bank_transactions_amount_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['bank_entries.id'], name=op.f('fk_bank_transactions_entry_id_bank_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_transactions'))
    )
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_transactions_counterparty_account'), ['counterparty_account'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_transactions_end_to_end_id'), ['end_to_end_id'], unique=False)
        batch_op.create_index('ix_bank_transactions_entry_seq', ['entry_id', 'seq'], unique=True)
        batch_op.create_index(batch_op.f('ix_bank_transactions_return_original_reference'), ['return_original_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_transactions_transaction_id'), ['transaction_id'], unique=False)


    _create_triggers()

def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_transactions_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_bank_transactions_return_original_reference'))
        batch_op.drop_index('ix_bank_transactions_entry_seq')
        batch_op.drop_index(batch_op.f('ix_bank_transactions_end_to_end_id'))
        batch_op.drop_index(batch_op.f('ix_bank_transactions_counterparty_account'))

    op.drop_table('bank_transactions')
    with op.batch_alter_table('bank_entry_sightings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_entry_sightings_file_id'))

    op.drop_table('bank_entry_sightings')
    with op.batch_alter_table('bank_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_entries_statement_id'))
        batch_op.drop_index(batch_op.f('ix_bank_entries_file_id'))
        batch_op.drop_index('ix_bank_entries_account_booking')

    op.drop_table('bank_entries')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_file_id'))

    op.drop_table('statements')
    op.drop_table('bank_files')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
    op.drop_table('api_keys')
