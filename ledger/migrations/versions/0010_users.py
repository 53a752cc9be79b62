"""users: people who sign in to the workbench with e-mail and password; ui_sessions.user_id

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

A workbench session now belongs to a person (user_id) or, as before, to an API key (key_id):
exactly one of the two. Going down drops the people and their sessions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('ui_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('key_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_ui_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_ui_sessions_user_id_users'), 'users', ['user_id'], ['id'])
        batch_op.create_check_constraint(
            'one_principal', '(key_id IS NULL) <> (user_id IS NULL)')


def downgrade() -> None:
    op.execute("DELETE FROM ui_sessions WHERE user_id IS NOT NULL")
    with op.batch_alter_table('ui_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ui_sessions_one_principal'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_ui_sessions_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ui_sessions_user_id'))
        batch_op.alter_column('key_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('user_id')
    op.drop_table('users')
