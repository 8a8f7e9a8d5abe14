"""review, sign-off, audit trail and versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        # "approved_with_conditions" needs more than the 20 characters of version 0001.
        batch_op.alter_column(
            'status', existing_type=sa.String(length=20), type_=sa.String(length=32),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column('reviewer_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('decision_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('decision_role', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('decision_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('frozen_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('version_number', sa.Integer(), server_default='1', nullable=False)
        )
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_assessment_reviewer_token'), ['reviewer_token']
        )
        batch_op.create_index(batch_op.f('ix_assessment_previous_id'), ['previous_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_assessment_previous_id_assessment'), 'assessment', ['previous_id'], ['id'],
            ondelete='SET NULL',
        )
    op.create_table(
        'comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.String(length=64), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'], ['assessment.id'],
            name=op.f('fk_comment_assessment_id_assessment'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comment')),
    )
    op.create_index(op.f('ix_comment_assessment_id'), 'comment', ['assessment_id'], unique=False)
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=80), nullable=True),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ['assessment_id'], ['assessment.id'],
            name=op.f('fk_audit_event_assessment_id_assessment'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    op.create_index(
        op.f('ix_audit_event_assessment_id'), 'audit_event', ['assessment_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_event_assessment_id'), table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_index(op.f('ix_comment_assessment_id'), table_name='comment')
    op.drop_table('comment')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_assessment_previous_id_assessment'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_assessment_previous_id'))
        batch_op.drop_constraint(batch_op.f('uq_assessment_reviewer_token'), type_='unique')
        for column in (
            'previous_id', 'version_number', 'frozen_sha256', 'decision_reason', 'decision_at',
            'decision_role', 'decision_name', 'reviewer_token',
        ):
            batch_op.drop_column(column)
        batch_op.alter_column(
            'status', existing_type=sa.String(length=32), type_=sa.String(length=20),
            existing_nullable=False,
        )
