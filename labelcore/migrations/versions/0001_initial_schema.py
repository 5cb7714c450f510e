"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 21:54:22.216981
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('is_superuser', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('date_joined', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_activity', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_email'), ['email'], unique=True)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label_config', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('parsed_label_config', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('expert_instruction', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('show_instruction', sa.Boolean(), nullable=False),
    sa.Column('show_skip_button', sa.Boolean(), nullable=False),
    sa.Column('enable_empty_annotation', sa.Boolean(), nullable=False),
    sa.Column('show_annotation_history', sa.Boolean(), nullable=False),
    sa.Column('show_collab_predictions', sa.Boolean(), nullable=False),
    sa.Column('reveal_preannotations_interactively', sa.Boolean(), nullable=False),
    sa.Column('maximum_annotations', sa.Integer(), nullable=False),
    sa.Column('min_annotations_to_start_training', sa.Integer(), nullable=False),
    sa.Column('sampling', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('skip_queue', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('color', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('is_draft', sa.Boolean(), nullable=False),
    sa.Column('model_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('control_weights', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('pinned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('task_number', sa.Integer(), nullable=False),
    sa.Column('total_annotations_number', sa.Integer(), nullable=False),
    sa.Column('skipped_annotations_number', sa.Integer(), nullable=False),
    sa.Column('total_predictions_number', sa.Integer(), nullable=False),
    sa.Column('num_tasks_with_annotations', sa.Integer(), nullable=False),
    sa.Column('finished_task_number', sa.Integer(), nullable=False),
    sa.Column('next_inner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_key_hash'), ['key_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_token_user_id'), ['user_id'], unique=False)

    op.create_table('exportsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('md5', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('file_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('counters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('converted_formats', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('task_filter_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('annotation_filter_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('serialization_options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exportsnapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exportsnapshot_project_id'), ['project_id'], unique=False)

    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('inner_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('is_labeled', sa.Boolean(), nullable=False),
    sa.Column('total_annotations', sa.Integer(), nullable=False),
    sa.Column('cancelled_annotations', sa.Integer(), nullable=False),
    sa.Column('total_predictions', sa.Integer(), nullable=False),
    sa.Column('overlap', sa.Integer(), nullable=False),
    sa.Column('file_upload_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'inner_id', name='uq_task_project_inner_id')
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_project_id', ['project_id', 'id'], unique=False)
        batch_op.create_index('ix_task_project_labeled_id', ['project_id', 'is_labeled', 'id'], unique=False)

    op.create_table('prediction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('model_version', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('cluster', sa.Integer(), nullable=True),
    sa.Column('neighbors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('mislabeling', sa.Float(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prediction', schema=None) as batch_op:
        batch_op.create_index('ix_prediction_project_id', ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prediction_task_id'), ['task_id'], unique=False)

    op.create_table('tasklock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expire_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'user_id', name='uq_tasklock_task_user')
    )
    with op.batch_alter_table('tasklock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasklock_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasklock_task_id'), ['task_id'], unique=False)

    op.create_table('annotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('was_cancelled', sa.Boolean(), nullable=False),
    sa.Column('ground_truth', sa.Boolean(), nullable=False),
    sa.Column('lead_time', sa.Float(), nullable=True),
    sa.Column('unique_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('last_action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('parent_prediction_id', sa.Integer(), nullable=True),
    sa.Column('parent_annotation_id', sa.Integer(), nullable=True),
    sa.Column('draft_created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_annotation_id'], ['annotation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_prediction_id'], ['prediction.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('annotation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotation_completed_by_id'), ['completed_by_id'], unique=False)
        batch_op.create_index('ix_annotation_project_id', ['project_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annotation_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annotation_parent_annotation_id'), ['parent_annotation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annotation_parent_prediction_id'), ['parent_prediction_id'], unique=False)

    op.create_table('draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('annotation_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('lead_time', sa.Float(), nullable=True),
    sa.Column('was_postponed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['annotation_id'], ['annotation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_annotation_id'), ['annotation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_annotation_id'))
        batch_op.drop_index(batch_op.f('ix_draft_user_id'))
        batch_op.drop_index(batch_op.f('ix_draft_task_id'))

    op.drop_table('draft')
    with op.batch_alter_table('annotation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotation_parent_prediction_id'))
        batch_op.drop_index(batch_op.f('ix_annotation_parent_annotation_id'))
        batch_op.drop_index(batch_op.f('ix_annotation_task_id'))
        batch_op.drop_index('ix_annotation_project_id')
        batch_op.drop_index(batch_op.f('ix_annotation_completed_by_id'))

    op.drop_table('annotation')
    with op.batch_alter_table('tasklock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasklock_task_id'))
        batch_op.drop_index(batch_op.f('ix_tasklock_project_id'))

    op.drop_table('tasklock')
    with op.batch_alter_table('prediction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prediction_task_id'))
        batch_op.drop_index('ix_prediction_project_id')

    op.drop_table('prediction')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_project_labeled_id')
        batch_op.drop_index('ix_task_project_id')

    op.drop_table('task')
    with op.batch_alter_table('exportsnapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exportsnapshot_project_id'))

    op.drop_table('exportsnapshot')
    with op.batch_alter_table('token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_token_key_hash'))

    op.drop_table('token')
    op.drop_table('project')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_email'))

    op.drop_table('user')
