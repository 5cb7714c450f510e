"""FastAPI dependencies shared by every router: settings, registry, sessions, the caller.

Dependencies that do no blocking work are ``async def``: FastAPI runs a plain ``def`` dependency in
the thread pool, one thread hand-off each, per request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import pluggy
from fastapi import Depends, HTTPException, Request
from sqlalchemy import Engine
from sqlmodel import Session, select

from labelcore.api import inline
from labelcore.db import read_session, write_session
from labelcore.models import Annotation, Prediction, Task, Token, User
from labelcore.registry import Registry
from labelcore.security import hash_key, looks_like_jwt, read_jwt
from labelcore.services import credentials
from labelcore.settings import Settings

SESSION_COOKIE = "labelcore_session"
CSRF_COOKIE = "labelcore_csrf"


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_registry(request: Request) -> Registry:
    return request.app.state.registry


async def get_pm(request: Request) -> pluggy.PluginManager:
    return request.app.state.pm


def db(engine: Engine = Depends(get_engine)) -> Iterator[Session]:
    """A read session; writes go through ``db_write``."""
    with read_session(engine) as session:
        yield session


def db_write(engine: Engine = Depends(get_engine)) -> Iterator[Session]:
    """A session whose transaction commits when the route returns and rolls back if it raises.

    Always depend on it as ``Depends(db_write, scope="function")``: with the default request scope
    the commit would run after the response is sent, so a client could see 200 for a write that
    then fails.
    """
    with write_session(engine) as session:
        yield session


@dataclass(frozen=True)
class Caller:
    """Who is calling and how they authenticated (``token``, ``bearer``, ``session``, or ``ml``: the
    read-only token an ML backend's model was given at setup, limited to ``project_id``)."""

    user: User
    via: str
    project_id: int | None = None


# What an ML token may read, all of it in its own project: the project and what hangs under it, its
# tasks, annotations and predictions, its uploaded media; besides, local-storage files (media of any
# project that uses local storage) and who the token acts as.
_ML_IN_PROJECT = re.compile(r"^/(?:api/projects|data/upload)/(\d+)(?:/.*)?$")
_ML_ROWS = re.compile(r"^/api/(tasks|annotations|predictions)/(\d+)(?:/.*)?$")
_ML_ANYWHERE = {"/api/current-user/whoami", "/data/local-files"}


def _ml_may_read(engine: Engine, request: Request, project_id: int | None) -> bool:
    path = request.url.path
    if path in _ML_ANYWHERE:
        return True
    if path == "/api/tasks":
        return request.query_params.get("project") == str(project_id)
    match = _ML_IN_PROJECT.match(path)
    if match:
        return int(match.group(1)) == project_id
    match = _ML_ROWS.match(path)
    if match:
        model = {"tasks": Task, "annotations": Annotation, "predictions": Prediction}[match.group(1)]
        with read_session(engine) as session:
            owner = session.exec(select(model.project_id).where(model.id == int(match.group(2)))).first()
        return owner is None or owner == project_id  # no such row: the route answers 404
    return False


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Token"})


def _user_for_key(engine: Engine, key: str, kind: str) -> User | None:
    key_hash = hash_key(key)
    user = credentials.recall((kind, key_hash))
    if user is not None:
        return user
    now = datetime.now(timezone.utc)
    with read_session(engine) as session:
        row = session.exec(
            select(User, Token).join(Token, Token.user_id == User.id)
            .where(Token.key_hash == key_hash, Token.kind == kind, Token.revoked == False)  # noqa: E712
        ).first()
    if row is None:
        return None
    user, token = row
    if token.expires_at is not None and token.expires_at < now or not user.is_active:
        return None
    credentials.remember((kind, key_hash), user, token.expires_at)
    return user


def _user_by_id(engine: Engine, user_id: int) -> User | None:
    user = credentials.recall(("user", user_id))
    if user is not None:
        return user
    with read_session(engine) as session:
        user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    credentials.remember(("user", user_id), user)
    return user


def authenticate(request: Request) -> Caller | None:
    """The caller behind a request's Authorization header or session cookie, or None."""
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if header:
        scheme = scheme.lower()
        if scheme == "token" and credential and looks_like_jwt(credential):
            from labelcore.services.ml_backends import read_ml_token

            claims = read_ml_token(engine, settings.signing_key, credential)
            user = _user_by_id(engine, claims["user_id"]) if claims else None
            return Caller(user, "ml", claims["project"]) if user else None
        if scheme == "token" and credential:
            user = _user_for_key(engine, credential, "legacy")
            return Caller(user, "token") if user else None
        if scheme == "bearer" and credential and looks_like_jwt(credential):
            claims = read_jwt(settings.signing_key, credential, "access")
            user = _user_by_id(engine, claims["user_id"]) if claims else None
            return Caller(user, "bearer") if user else None
        return None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = _user_for_key(engine, cookie, "session")
        return Caller(user, "session") if user else None
    return None


async def current_caller(request: Request) -> Caller:
    """Every API route depends on this: 401 unless the request carries valid credentials.

    Browser (cookie) requests that change data must also carry the CSRF header the pages send.
    """
    caller = await inline.run(request.app.state.engine, authenticate, request)
    if caller is None:
        if request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE):
            raise _unauthorized("Invalid token.")
        raise _unauthorized("Authentication credentials were not provided.")
    if caller.via == "ml":
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            raise HTTPException(status_code=403, detail="ML backend tokens can only read (GET).")
        if not await inline.run(request.app.state.engine, _ml_may_read, request.app.state.engine, request,
                                caller.project_id):
            raise HTTPException(status_code=403, detail=f"This ML backend token reads only its own project "
                                                        f"(project {caller.project_id}).")
    if caller.via == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
        expected = request.cookies.get(CSRF_COOKIE)
        if not expected or request.headers.get("x-csrftoken") != expected:
            raise HTTPException(status_code=403, detail="CSRF Failed: CSRF token missing or incorrect.")
    request.state.user = caller.user
    return caller


async def current_user(caller: Caller = Depends(current_caller)) -> User:
    return caller.user


async def require_admin(user: User = Depends(current_user)) -> User:
    """Routes that manage other users. Roles and project membership will grow from here."""
    if not user.is_superuser:
        raise HTTPException(status_code=403, detail="You do not have permission to perform this action.")
    return user


def start_browser_session(response, session: Session, user: User, settings: Settings) -> None:
    """Sign a user in on this browser: the session cookie (only its hash is stored) and the CSRF
    cookie that pages echo in X-CSRFToken. The API login and the login form both use this."""
    import secrets

    from labelcore.services.users import open_session

    key = open_session(session, user, settings)
    max_age = settings.session_days * 86400
    response.set_cookie(SESSION_COOKIE, key, max_age=max_age, httponly=True, samesite="lax")
    response.set_cookie(CSRF_COOKIE, secrets.token_hex(16), max_age=max_age, samesite="strict")
