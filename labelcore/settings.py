"""Server settings: environment variables ``LABELCORE_*``, or arguments to ``create_app``."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a labelcore process needs to know; one instance per app or CLI command."""

    model_config = SettingsConfigDict(env_prefix="LABELCORE_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file, uploads and exports.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite in data_dir when unset.")
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = Field(default=1, ge=1, description="Server processes ``labelcore serve`` runs on one database.")
    username: str | None = Field(default=None, description="First admin's email, created at start if missing.")
    password: str | None = None
    user_token: str | None = Field(default=None, description="API token given to that first admin.")
    max_request_bytes: int = Field(default=256 * 1024 * 1024, description="Largest request body accepted.")
    access_token_seconds: int = Field(default=300, description="Lifetime of Bearer access tokens.")
    refresh_token_days: int = Field(default=3650, description="Lifetime of personal access (refresh) tokens.")
    session_days: int = 14
    task_lock_seconds: int = Field(default=600, description="How long /next reserves a task for an annotator.")
    secret_key: str | None = Field(default=None, description="Signs access tokens; generated in data_dir when unset.")
    local_files_root: Path | None = Field(
        default=None, description="Folder whose files may be served and used as local storage (unset: none).")
    sqlite_busy_timeout_ms: int = 30_000
    hostname: str | None = Field(
        default=None, description="labelcore's public base URL, given to ML backends to fetch media and tasks "
                                  "(unset: http://{host}:{port}).")
    ml_token_days: int = Field(default=30, description="Lifetime of the read-only tokens given to ML backends.")

    @property
    def public_url(self) -> str:
        """The base URL other servers (ML backends) reach labelcore at, without a trailing slash."""
        return (self.hostname or f"http://{self.host}:{self.port}").rstrip("/")

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # plain postgresql:// means psycopg 3 here (the one driver we ship)
            if url.startswith("postgres://"):
                url = "postgresql://" + url[len("postgres://"):]
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            return url
        return f"sqlite:///{self.resolved_data_dir / 'labelcore.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @cached_property
    def signing_key(self) -> str:
        """The secret that signs access tokens; persisted so restarts keep tokens valid."""
        if self.secret_key:
            return self.secret_key
        path = self.resolved_data_dir / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def exports_dir(self) -> Path:
        path = self.resolved_data_dir / "export"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def uploads_dir(self) -> Path:
        path = self.resolved_data_dir / "upload"
        path.mkdir(parents=True, exist_ok=True)
        return path
