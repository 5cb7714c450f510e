"""API tests run against a real `labelcore serve` on 127.0.0.1, once on SQLite and once on
PostgreSQL (`./dev test` starts a throwaway cluster and sets LABELCORE_TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import uuid

import pytest

from labelcore.testing import LiveServer

BACKENDS = ["sqlite", "postgresql"]


def fresh_postgres_database() -> str:
    import psycopg

    admin_url = os.environ.get("LABELCORE_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.fail("LABELCORE_TEST_POSTGRES_URL is not set: run the suite with ./dev test, which starts PostgreSQL")
    name = f"lc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def database_url(backend: str) -> str | None:
    return fresh_postgres_database() if backend == "postgresql" else None


@pytest.fixture(scope="session", params=BACKENDS)
def server(request, tmp_path_factory):
    """One live server per database backend, shared by the API tests (each makes its own projects)."""
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    with LiveServer(data_dir, database_url=database_url(request.param)) as live:
        yield live


@pytest.fixture
def http(server):
    """An httpx client authenticated with the admin's API token."""
    with server.client() as client:
        yield client


@pytest.fixture
def sdk(server):
    """The official label-studio-sdk client, pointed at labelcore."""
    return server.sdk()
