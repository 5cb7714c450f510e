"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from labelcore.db import alembic_config, make_engine, migrate
from labelcore.settings import Settings


def postgres_url() -> str:
    import psycopg

    admin_url = os.environ.get("LABELCORE_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.fail("LABELCORE_TEST_POSTGRES_URL is not set: run the suite with ./dev test, which starts PostgreSQL")
    name = f"lc_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = postgres_url() if request.param == "postgresql" else None
    engine = make_engine(Settings(data_dir=tmp_path, database_url=url))
    yield engine
    engine.dispose()


def test_upgrade_builds_the_schema_the_models_describe(engine):
    migrate(engine)

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def test_upgrading_twice_changes_nothing_and_downgrade_undoes_everything(engine):
    migrate(engine)
    migrate(engine)

    command.downgrade(alembic_config(engine), "base")
    with engine.connect() as connection:
        leftover = set(SQLModel.metadata.tables) & set(connection.dialect.get_table_names(connection))
    assert leftover == set()
    migrate(engine)
