"""worker lanes: once-per-cluster period claims, failed mail and unsendable confirmations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_period_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_period_runs')),
    sa.UniqueConstraint('job', 'period', name=op.f('uq_worker_period_runs_job'))
    )
    with op.batch_alter_table('queued_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('petition_signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_error', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('petition_signatures', schema=None) as batch_op:
        batch_op.drop_column('mail_error')
    with op.batch_alter_table('queued_mail', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
    op.drop_table('worker_period_runs')
