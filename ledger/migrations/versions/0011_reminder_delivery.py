"""reminders.message_id / attempts / attempted_at and the delivery states; customers.phone

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

An email reminder is claimed (`sending`, with the Message-ID it will carry) and committed
before the SMTP conversation, so a crash between the server's answer and the commit never
sends it twice: the next run finds it `sending` and marks it `unknown` instead of resending.
Temporary failures are `failed` (retried), permanent ones `undeliverable` (status grows to
16 characters). customers.phone comes with `remit customers import`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

NEW_STATUSES = "status IN ('sending', 'sent', 'queued', 'failed', 'undeliverable', 'unknown', 'done')"
OLD_STATUSES = "status IN ('sent', 'queued', 'failed', 'done')"


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=64), nullable=True))

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('status', existing_type=sa.String(length=8), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_reminders_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_status'), NEW_STATUSES)
        batch_op.create_check_constraint(batch_op.f('ck_reminders_attempts'), 'attempts >= 0')


def downgrade() -> None:
    # The new states have no older spelling: in flight or unknown counts as sent (never
    # resent), undeliverable as failed.
    op.execute("UPDATE reminders SET status = 'sent' WHERE status IN ('sending', 'unknown')")
    op.execute("UPDATE reminders SET status = 'failed' WHERE status = 'undeliverable'")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminders_attempts'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_reminders_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_status'), OLD_STATUSES)
        batch_op.alter_column('status', existing_type=sa.String(length=16), type_=sa.String(length=8),
                              existing_nullable=False)
        batch_op.drop_column('attempted_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('message_id')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('phone')
