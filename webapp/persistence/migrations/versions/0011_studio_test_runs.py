"""studio test runs

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import webapp.persistence.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('studio_test_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.String(length=40), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('started_at', webapp.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('touched_at', webapp.persistence.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', webapp.persistence.types.EncryptedText('studio_test_run.state'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name='fk_studio_test_run_owner'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', name='uq_studio_test_run_run_id')
    )
    with op.batch_alter_table('studio_test_run', schema=None) as batch_op:
        batch_op.create_index('ix_studio_test_run_owner', ['owner_id', 'touched_at'], unique=False)
        batch_op.create_index('ix_studio_test_run_touched', ['touched_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('studio_test_run', schema=None) as batch_op:
        batch_op.drop_index('ix_studio_test_run_touched')
        batch_op.drop_index('ix_studio_test_run_owner')

    op.drop_table('studio_test_run')
