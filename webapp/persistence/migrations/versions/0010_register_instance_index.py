"""register entries by instance

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_register_instance', 'register_entry', ['instance_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_register_instance', table_name='register_entry')
