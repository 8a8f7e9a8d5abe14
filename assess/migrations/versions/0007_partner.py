"""the partner's link and answers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_token', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('partner_name', sa.String(length=200), server_default='', nullable=False)
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_assessment_partner_token'), ['partner_token']
        )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('side', sa.String(length=10), server_default='author', nullable=False)
        )
        batch_op.drop_constraint('uq_answer_assessment_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_answer_assessment_id', ['assessment_id', 'question_id', 'side']
        )


def downgrade() -> None:
    op.execute("DELETE FROM answer WHERE side <> 'author'")
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint('uq_answer_assessment_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_answer_assessment_id', ['assessment_id', 'question_id']
        )
        batch_op.drop_column('side')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_assessment_partner_token'), type_='unique')
        batch_op.drop_column('partner_name')
        batch_op.drop_column('partner_token')
