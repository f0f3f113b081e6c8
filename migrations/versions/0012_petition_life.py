"""petition life: updates and the target's answer, paper signatures, embeds, milestones

Signatures gain `source` (online or paper) and `updates` (consent to mail about that petition
only); subscribers gain `general` (False: joined for one petition's updates alone). Existing
rows keep their data: every new column has a server default.

Revision ID: 0012_petition_life
Revises: 0011_events
Create Date: 2026-11-26 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_petition_life'
down_revision = '0011_events'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('milestones', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('milestone_reached', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('embed_origins', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('petition_signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updates', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('source', sa.String(length=10), nullable=False, server_default='online'))
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('general', sa.Boolean(), nullable=False, server_default=sa.true()))

    op.create_table('petition_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('body_zh', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('body_html_zh', sa.Text(), nullable=False),
    sa.Column('body_html_en', sa.Text(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('no_answer_days', sa.Integer(), nullable=True),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_petition_updates_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issue_id'], ['newsletter_issues.id'], name=op.f('fk_petition_updates_issue_id_newsletter_issues'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_petition_updates_petition_id_petitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_updates'))
    )
    with op.batch_alter_table('petition_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_updates_petition_id'), ['petition_id'], unique=False)

    op.create_table('petition_milestones_passed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.Integer(), nullable=False),
    sa.Column('passed_at', sa.DateTime(), nullable=False),
    sa.Column('mail_due', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_petition_milestones_passed_petition_id_petitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_milestones_passed')),
    sa.UniqueConstraint('petition_id', 'milestone', name=op.f('uq_petition_milestones_passed_petition_id'))
    )
    with op.batch_alter_table('petition_milestones_passed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_milestones_passed_mail_due'), ['mail_due'], unique=False)

    op.create_table('petition_milestone_watchers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_petition_milestone_watchers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_petition_milestone_watchers'))
    )


def downgrade():
    op.drop_table('petition_milestone_watchers')
    with op.batch_alter_table('petition_milestones_passed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_milestones_passed_mail_due'))
    op.drop_table('petition_milestones_passed')
    with op.batch_alter_table('petition_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_updates_petition_id'))
    op.drop_table('petition_updates')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_column('general')
    with op.batch_alter_table('petition_signatures', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('updates')
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('embed_origins')
        batch_op.drop_column('milestone_reached')
        batch_op.drop_column('milestones')
