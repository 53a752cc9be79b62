"""customer groups: customers.parent_id, the parent or group company (may pay for its group)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customers_parent_id_customers'), 'customers',
                                    ['parent_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customers_parent_id_customers'), type_='foreignkey')
        batch_op.drop_column('parent_id')
