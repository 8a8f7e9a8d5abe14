"""the assessor's own findings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'own_finding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('check', sa.String(length=64), nullable=False),
        sa.Column('severity', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('risk', sa.Text(), nullable=False),
        sa.Column('mitigation', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'], ['assessment.id'],
            name=op.f('fk_own_finding_assessment_id_assessment'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_own_finding')),
        sa.UniqueConstraint('assessment_id', 'number', name=op.f('uq_own_finding_assessment_id')),
    )
    op.create_index(
        op.f('ix_own_finding_assessment_id'), 'own_finding', ['assessment_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_own_finding_assessment_id'), table_name='own_finding')
    op.drop_table('own_finding')
