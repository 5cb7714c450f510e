"""Database tables (SQLModel). Schema changes go through Alembic (labelcore/migrations).

Counters the API reports on every page (a project's task/annotation counts, a task's
``total_annotations``/``is_labeled``) are stored, not computed, and changed in the same transaction
as the rows they count, so listing a 100k-task project never aggregates over it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def json_column(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSONType, nullable=nullable))


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=254)
    username: str = Field(default="", max_length=150)
    first_name: str = Field(default="", max_length=150)
    last_name: str = Field(default="", max_length=150)
    password_hash: str = Field(default="", max_length=256)
    is_superuser: bool = False
    is_active: bool = True
    date_joined: datetime = Field(default_factory=utcnow)
    last_activity: datetime = Field(default_factory=utcnow)


class Token(SQLModel, table=True):
    """An API credential, stored hashed. ``kind``: ``legacy`` (Token <key>), ``refresh`` (a
    personal access token exchanged for Bearer access tokens), ``session`` (browser cookie)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    key_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked: bool = False


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=50)
    description: str = ""
    label_config: str = "<View></View>"
    parsed_label_config: dict | None = json_column()
    expert_instruction: str = ""
    show_instruction: bool = False
    show_skip_button: bool = True
    enable_empty_annotation: bool = True
    show_annotation_history: bool = False
    show_collab_predictions: bool = True
    reveal_preannotations_interactively: bool = False
    maximum_annotations: int = 1
    min_annotations_to_start_training: int = 0
    sampling: str = Field(default="Sequential sampling", max_length=32)
    skip_queue: str = Field(default="REQUEUE_FOR_OTHERS", max_length=32)
    color: str = Field(default="#FFFFFF", max_length=16)
    is_published: bool = False
    is_draft: bool = False
    model_version: str = ""
    evaluate_predictions_automatically: bool = False
    control_weights: dict | None = json_column()
    pinned_at: datetime | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # stored counters, kept in step by the services that change tasks/annotations/predictions
    task_number: int = 0
    total_annotations_number: int = 0
    skipped_annotations_number: int = 0
    total_predictions_number: int = 0
    num_tasks_with_annotations: int = 0
    finished_task_number: int = 0
    next_inner_id: int = 1


class Task(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("project_id", "inner_id", name="uq_task_project_inner_id"),
        Index("ix_task_project_labeled_id", "project_id", "is_labeled", "id"),
        Index("ix_task_project_id", "project_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    inner_id: int
    data: dict = Field(sa_column=Column(JSONType, nullable=False))
    meta: dict | None = json_column()
    is_labeled: bool = False
    total_annotations: int = 0
    cancelled_annotations: int = 0
    total_predictions: int = 0
    overlap: int = 1
    file_upload_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class Annotation(SQLModel, table=True):
    __table_args__ = (Index("ix_annotation_project_id", "project_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    result: list = Field(sa_column=Column(JSONType, nullable=False))
    completed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL", index=True)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    was_cancelled: bool = False
    ground_truth: bool = False
    lead_time: float | None = None
    unique_id: str = Field(default="", max_length=64)
    import_id: int | None = None
    last_action: str | None = Field(default=None, max_length=64)
    # indexed: deleting a prediction/annotation looks up the rows pointing at it
    parent_prediction_id: int | None = Field(default=None, foreign_key="prediction.id", ondelete="SET NULL",
                                             index=True)
    parent_annotation_id: int | None = Field(default=None, foreign_key="annotation.id", ondelete="SET NULL",
                                             index=True)
    draft_created_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Prediction(SQLModel, table=True):
    __table_args__ = (
        Index("ix_prediction_project_id", "project_id", "id"),
        # uncertainty sampling: a task's lowest score among its predictions of one model version
        Index("ix_prediction_task_version_score", "task_id", "model_version", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    result: list = Field(sa_column=Column(JSONType, nullable=False))
    score: float | None = None
    model_version: str = Field(default="", max_length=255)
    cluster: int | None = None
    neighbors: dict | None = json_column()
    mislabeling: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """An unsubmitted annotation the labeling page autosaves."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True, ondelete="CASCADE")
    annotation_id: int | None = Field(default=None, foreign_key="annotation.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    result: list = Field(sa_column=Column(JSONType, nullable=False))
    lead_time: float | None = None
    was_postponed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TaskLock(SQLModel, table=True):
    """A task reserved for one annotator by /next until ``expire_at``."""

    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_tasklock_task_user"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    expire_at: datetime


class ExportSnapshot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    title: str = Field(default="", max_length=2048)
    status: str = Field(default="created", max_length=32)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    md5: str = Field(default="", max_length=128)
    file_path: str | None = None
    counters: dict | None = json_column()
    converted_formats: list | None = json_column()
    task_filter_options: dict | None = json_column()
    annotation_filter_options: dict | None = json_column()
    serialization_options: dict | None = json_column()
    error: str | None = None


class MLBackend(SQLModel, table=True):
    """A model attached to a project (Label Studio's MLBackend). ``backend`` names the
    MLBackendSpec that builds it; ``settings`` are that spec's settings (for ``remote``, the
    Label Studio fields below are its settings). ``state``: CO connected, DI disconnected,
    ER error, TR training, PR predicting."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    backend: str = Field(default="remote", max_length=100)
    settings: dict | None = json_column()
    title: str = Field(default="default", max_length=500)
    description: str = ""
    url: str = ""
    is_interactive: bool = False
    auth_method: str = Field(default="NONE", max_length=10)
    basic_auth_user: str | None = Field(default=None, max_length=255)
    basic_auth_pass: str | None = Field(default=None, max_length=255)
    extra_params: dict | None = json_column()
    timeout: float = 100.0
    auto_update: bool = True
    model_version: str = Field(default="", max_length=255)
    state: str = Field(default="DI", max_length=2)
    error_message: str | None = None
    annotations_at_last_train: int = 0
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
