"""workspace: volunteers' consent to be mailed, outbox rows for such contacts, issue templates

A volunteer audience now reaches volunteers who agreed to be mailed, subscribed or not: their
outbox rows have no subscriber and name the contact instead ("volunteer:<id>"). Existing
volunteers have not been asked, so nobody's consent is assumed (false).

Revision ID: 0010_workspace
Revises: 0009
Create Date: 2026-11-26 01:18:25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_workspace'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('newsletter_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('subject_en', sa.String(length=200), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_newsletter_templates_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_templates'))
    )
    with op.batch_alter_table('newsletter_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=80), server_default='', nullable=False))
        batch_op.alter_column('subscriber_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_newsletter_outbox_contact'), ['contact'], unique=False)

    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_consent', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_column('mail_consent')

    # Rows made for contacts have no subscriber: the older schema cannot hold them.
    op.execute("DELETE FROM newsletter_outbox WHERE subscriber_id IS NULL")
    with op.batch_alter_table('newsletter_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_outbox_contact'))
        batch_op.alter_column('subscriber_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('contact')

    op.drop_table('newsletter_templates')
