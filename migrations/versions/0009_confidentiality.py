"""confidentiality: one locale code everywhere, the "vetted only" group setting, public notices

Every stored language becomes the interface's own code ('zh_Hans' or 'en'): the newsletter
stored 'zh' while signatures and volunteer sign-ups stored 'zh_Hans', so an issue limited to
Chinese missed everyone who subscribed while signing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

LOCALE_TABLES = ('users', 'subscribers', 'newsletter_outbox', 'petition_signatures', 'volunteers')


def upgrade():
    op.create_table('public_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_notices'))
    )
    with op.batch_alter_table('public_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_notices_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('working_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vetted_only', sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in LOCALE_TABLES:
        op.execute(f"UPDATE {table} SET locale = 'en' WHERE locale LIKE 'en%' AND locale <> 'en'")
        op.execute(f"UPDATE {table} SET locale = 'zh_Hans' WHERE locale NOT LIKE 'en%' AND locale <> 'zh_Hans'")
    # An issue's languages: a comma-separated list of codes ('' means every language).
    issues = sa.table('newsletter_issues', sa.column('id', sa.Integer), sa.column('languages', sa.String))
    conn = op.get_bind()
    for issue_id, languages in conn.execute(sa.select(issues.c.id, issues.c.languages)).all():
        codes = [c for c in (languages or '').split(',') if c]
        fixed = ','.join(dict.fromkeys('en' if c.startswith('en') else 'zh_Hans' for c in codes))
        if fixed != (languages or ''):
            conn.execute(issues.update().where(issues.c.id == issue_id).values(languages=fixed))


def downgrade():
    for table in ('subscribers', 'newsletter_outbox'):
        op.execute(f"UPDATE {table} SET locale = 'zh' WHERE locale = 'zh_Hans'")
    op.execute("UPDATE newsletter_issues SET languages = REPLACE(languages, 'zh_Hans', 'zh')")
    with op.batch_alter_table('working_groups', schema=None) as batch_op:
        batch_op.drop_column('vetted_only')
    with op.batch_alter_table('public_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_notices_created_at'))
    op.drop_table('public_notices')
