"""content in any number of languages: each `<field>_zh` / `<field>_en` pair becomes one JSON
column `{locale code: text}` (campaign/content.py)

Upgrade moves every text, Chinese to "zh_Hans" and English to "en", leaving out empty ones.
Downgrade moves them back: Simplified Chinese (or, where none, Traditional) to `_zh`, English to
`_en`; texts in other languages cannot be kept in the old layout and are lost.

Newsletter issues and templates kept their Chinese text in `subject` / `body` (no suffix); their
audience's `languages` list widens to hold any number of codes.

Revision ID: 0014_translations
Revises: 0013_api
Create Date: 2026-11-26 06:00:00

"""

import json
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_translations'
down_revision = '0013_api'
branch_labels = None
depends_on = None


@dataclass(frozen=True)
class Pair:
    name: str
    old_type: sa.types.TypeEngine
    zh: str = ''  # the old Chinese column, when not `<name>_zh`

    @property
    def zh_column(self) -> str:
        return self.zh or f'{self.name}_zh'

    @property
    def en_column(self) -> str:
        return f'{self.name}_en'


TEXT = sa.Text()
TABLES = {
    'petitions': (
        Pair('title', sa.String(200)), Pair('summary', sa.String(500)), Pair('body', TEXT),
        Pair('body_html', TEXT), Pair('target', sa.String(300)), Pair('thanks', sa.String(1000)),
        Pair('share_text', sa.String(280)),
    ),
    'petition_updates': (Pair('title', sa.String(200)), Pair('body', TEXT), Pair('body_html', TEXT)),
    'events': (
        Pair('title', sa.String(200)), Pair('description', TEXT), Pair('description_html', TEXT),
        Pair('area', sa.String(120)), Pair('questions', sa.String(1000)),
    ),
    'working_groups': (Pair('name', sa.String(100)), Pair('description', TEXT)),
    'newsletter_issues': (Pair('subject', sa.String(200), zh='subject'), Pair('body', TEXT, zh='body')),
    'newsletter_templates': (Pair('subject', sa.String(200), zh='subject'), Pair('body', TEXT, zh='body')),
}


def _new(pair: Pair) -> str:
    return f'{pair.name}__i18n'


def upgrade():
    conn = op.get_bind()
    for table, pairs in TABLES.items():
        with op.batch_alter_table(table) as batch_op:
            for pair in pairs:
                batch_op.add_column(sa.Column(_new(pair), sa.JSON(), nullable=True))
        olds = [sa.column(c) for pair in pairs for c in (pair.zh_column, pair.en_column)]
        target = sa.table(table, sa.column('id'), *(sa.column(_new(pair), sa.JSON()) for pair in pairs))
        rows = conn.execute(sa.select(sa.column('id'), *olds).select_from(sa.table(table))).mappings().all()
        updates = []
        for row in rows:
            values = {'row_id': row['id']}
            for pair in pairs:
                texts = {'zh_Hans': row[pair.zh_column] or '', 'en': row[pair.en_column] or ''}
                values['b_' + _new(pair)] = {code: text for code, text in texts.items() if text.strip()}
            updates.append(values)
        if updates:
            conn.execute(
                target.update().where(target.c.id == sa.bindparam('row_id'))
                .values({_new(pair): sa.bindparam('b_' + _new(pair)) for pair in pairs}),
                updates,
            )
        with op.batch_alter_table(table) as batch_op:
            for pair in pairs:
                batch_op.drop_column(pair.en_column)
                batch_op.drop_column(pair.zh_column)
        with op.batch_alter_table(table) as batch_op:
            for pair in pairs:
                batch_op.alter_column(_new(pair), new_column_name=pair.name, existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table('newsletter_issues') as batch_op:
        batch_op.alter_column('languages', existing_type=sa.String(20), type_=sa.String(200), existing_nullable=False)


def _chinese(texts: dict[str, str]) -> str:
    return texts.get('zh_Hans') or texts.get('zh_Hant') or ''


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table('newsletter_issues') as batch_op:
        batch_op.alter_column('languages', existing_type=sa.String(200), type_=sa.String(20), existing_nullable=False)
    for table, pairs in TABLES.items():
        with op.batch_alter_table(table) as batch_op:
            for pair in pairs:
                batch_op.alter_column(pair.name, new_column_name=_new(pair), existing_type=sa.JSON(), nullable=True)
        with op.batch_alter_table(table) as batch_op:
            for pair in pairs:
                batch_op.add_column(sa.Column(pair.zh_column, pair.old_type, nullable=False, server_default=''))
                batch_op.add_column(sa.Column(pair.en_column, pair.old_type, nullable=False, server_default=''))
        source = sa.table(table, sa.column('id'), *(sa.column(_new(pair), sa.JSON()) for pair in pairs))
        target = sa.table(table, sa.column('id'),
                          *(sa.column(c) for pair in pairs for c in (pair.zh_column, pair.en_column)))
        updates = []
        for row in conn.execute(sa.select(source)).mappings().all():
            values = {'row_id': row['id']}
            for pair in pairs:
                texts = row[_new(pair)] or {}
                if isinstance(texts, str):  # a driver that hands JSON back as text
                    texts = json.loads(texts)
                values['b_' + pair.zh_column] = _chinese(texts)
                values['b_' + pair.en_column] = texts.get('en', '')
            updates.append(values)
        if updates:
            conn.execute(
                target.update().where(target.c.id == sa.bindparam('row_id'))
                .values({c: sa.bindparam('b_' + c) for pair in pairs for c in (pair.zh_column, pair.en_column)}),
                updates,
            )
        with op.batch_alter_table(table) as batch_op:
            for pair in pairs:
                batch_op.drop_column(_new(pair))
                # The old layout had no server defaults on these columns.
                batch_op.alter_column(pair.zh_column, existing_type=pair.old_type, server_default=None)
                batch_op.alter_column(pair.en_column, existing_type=pair.old_type, server_default=None)
