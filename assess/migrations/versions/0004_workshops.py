"""workshops and cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'workshop',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_token', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
        sa.Column('questionnaire_version', sa.Integer(), nullable=False),
        sa.Column('cases', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop')),
        sa.UniqueConstraint('code', name=op.f('uq_workshop_code')),
        sa.UniqueConstraint('trainer_token', name=op.f('uq_workshop_trainer_token')),
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('workshop_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('participant', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('participant_key', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessment_workshop_id'), ['workshop_id'], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_assessment_workshop_id'), ['workshop_id', 'participant_key']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_assessment_workshop_id_workshop'), 'workshop', ['workshop_id'], ['id'],
            ondelete='CASCADE',
        )


def downgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessment_workshop_id_workshop'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_assessment_workshop_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_assessment_workshop_id'))
        batch_op.drop_column('participant_key')
        batch_op.drop_column('participant')
        batch_op.drop_column('workshop_id')
        batch_op.drop_column('case_id')
    op.drop_table('workshop')
