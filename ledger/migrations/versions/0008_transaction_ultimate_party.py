"""bank_transactions.ultimate_name / ultimate_id: the party a payment is made for (camt UltmtDbtr)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

When a payment service, a bank or a parent pays on a customer's behalf, the ultimate debtor
is the customer: the matcher identifies it before the payer. Kept in columns of their own,
not in the remittance (that stays what the bank sent as remittance).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ultimate_name', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('ultimate_id', sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_column('ultimate_id')
        batch_op.drop_column('ultimate_name')
