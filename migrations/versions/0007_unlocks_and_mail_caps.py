"""help-desk unlocks shared across processes; per-recipient cap on unsolicited mail

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('intake_unlocks',
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_version', sa.Integer(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(length=128), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_intake_unlocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('row_id', name=op.f('pk_intake_unlocks'))
    )
    with op.batch_alter_table('intake_unlocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_unlocks_user_id'), ['user_id'], unique=False)

    op.create_table('mail_caps',
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('address_hash', 'day', name=op.f('pk_mail_caps'))
    )
    with op.batch_alter_table('mail_caps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_caps_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_caps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_caps_day'))
    op.drop_table('mail_caps')
    with op.batch_alter_table('intake_unlocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_unlocks_user_id'))
    op.drop_table('intake_unlocks')
