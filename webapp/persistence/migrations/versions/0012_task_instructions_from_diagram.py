"""task instructions from the diagram

A task's instructions belong to its step in the deployed diagram (WorkflowRuntime.instructions); every task
row kept its own copy of them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('instructions')


def downgrade() -> None:
    with op.batch_alter_table('human_task') as batch:
        batch.add_column(sa.Column('instructions', sa.Text(), nullable=False, server_default=''))
