"""ML backends attached to projects; projects' evaluate_predictions_automatically; the index
uncertainty sampling reads (prediction task_id, model_version, score)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:30:33.153371
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mlbackend',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('backend', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('is_interactive', sa.Boolean(), nullable=False),
    sa.Column('auth_method', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('basic_auth_user', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('basic_auth_pass', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('extra_params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('timeout', sa.Float(), nullable=False),
    sa.Column('auto_update', sa.Boolean(), nullable=False),
    sa.Column('model_version', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('error_message', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('annotations_at_last_train', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mlbackend', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mlbackend_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('prediction', schema=None) as batch_op:
        batch_op.create_index('ix_prediction_task_version_score', ['task_id', 'model_version', 'score'], unique=False)

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluate_predictions_automatically', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('evaluate_predictions_automatically')

    with op.batch_alter_table('prediction', schema=None) as batch_op:
        batch_op.drop_index('ix_prediction_task_version_score')

    with op.batch_alter_table('mlbackend', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mlbackend_project_id'))

    op.drop_table('mlbackend')
