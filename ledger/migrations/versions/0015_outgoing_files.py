"""outgoing_files: files sent to the bank by SFTP; an index on bank_entries.bank_reference (issue 15)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

`remit collect` keeps each pain.008 / NACHA file byte for byte (ledger/models/outgoing.py);
the SFTP sender pushes the pending ones. bank_transactions.end_to_end_id is indexed since 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.types


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outgoing_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('connection', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('renaming_since', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.CheckConstraint("format IN ('pain.008', 'nacha')", name=op.f('ck_outgoing_files_format')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_outgoing_files_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outgoing_files_attempts_positive')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_outgoing_files_size_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_files')),
    sa.UniqueConstraint('name', name=op.f('uq_outgoing_files_name'))
    )
    with op.batch_alter_table('outgoing_files', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_files_status_connection', ['status', 'connection'], unique=False)

    op.create_index('ix_bank_entries_bank_reference', 'bank_entries', ['bank_reference'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_bank_entries_bank_reference', table_name='bank_entries')

    with op.batch_alter_table('outgoing_files', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_files_status_connection')

    op.drop_table('outgoing_files')
