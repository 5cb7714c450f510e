"""Credentials: the caller's API token, personal access tokens and their Bearer exchange, login."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel
from sqlmodel import Session, select

from labelcore.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    current_caller,
    current_user,
    db_write,
    get_settings,
    start_browser_session,
)
from labelcore.errors import LabelcoreError
from labelcore.models import Token, User
from labelcore.security import new_api_key, verify_password
from labelcore.services import users as user_service
from labelcore.settings import Settings

router = APIRouter(tags=["auth"])


class RefreshRequest(BaseModel):
    refresh: str


class LoginRequest(BaseModel):
    email: str
    password: str


@router.post("/api/token/refresh")
def refresh_access_token(body: RefreshRequest, session: Session = Depends(db_write, scope="function"),
                         settings: Settings = Depends(get_settings)) -> dict:
    """Exchange a personal access token for a short-lived Bearer access token (no other auth)."""
    try:
        return {"access": user_service.exchange_refresh_token(session, body.refresh, settings)}
    except LabelcoreError as exc:
        raise HTTPException(status_code=401, detail=exc.message) from None


@router.post("/api/token", status_code=201)
def create_personal_access_token(user: User = Depends(current_user), session: Session = Depends(db_write, scope="function"),
                                 settings: Settings = Depends(get_settings)) -> dict:
    token = user_service.issue_refresh_token(session, user, settings)
    return {"token": token, "expires_at": None}


@router.get("/api/token")
def list_personal_access_tokens(user: User = Depends(current_user), session: Session = Depends(db_write, scope="function")) -> list:
    rows = session.exec(select(Token).where(Token.user_id == user.id, Token.kind == "refresh",
                                            Token.revoked == False)).all()  # noqa: E712
    return [{"token": "", "created_at": row.created_at, "expires_at": row.expires_at} for row in rows]


@router.post("/api/token/blacklist", status_code=204)
def blacklist_token(body: RefreshRequest, user: User = Depends(current_user),
                    session: Session = Depends(db_write, scope="function")) -> Response:
    if not user_service.revoke_refresh_token(session, body.refresh):
        raise HTTPException(status_code=404, detail="Token not found.")
    return Response(status_code=204)


@router.get("/api/current-user/token")
def current_token(request: Request, caller: Caller = Depends(current_caller)) -> dict:
    """The caller's API token. Tokens are stored hashed, so it can only be echoed to a caller who
    authenticated with it; others get a new one from reset-token."""
    if caller.via == "token":
        return {"token": request.headers["authorization"].partition(" ")[2].strip()}
    raise HTTPException(status_code=404, detail="API tokens are stored hashed and cannot be shown again; "
                                                "POST /api/current-user/reset-token/ issues a new one.")


@router.post("/api/current-user/reset-token")
def reset_token(user: User = Depends(current_user), session: Session = Depends(db_write, scope="function")) -> dict:
    return {"token": user_service.set_api_key(session, user, new_api_key())}


@router.post("/api/auth/login")
def login(body: LoginRequest, response: Response, session: Session = Depends(db_write, scope="function"),
          settings: Settings = Depends(get_settings)) -> dict:
    """Password login for the browser: sets the session cookie and the CSRF cookie."""
    user = session.exec(select(User).where(User.email == body.email.strip())).first()
    if user is None or not user.is_active or not user.password_hash or \
            not verify_password(body.password, user.password_hash):
        raise HTTPException(status_code=401, detail="Invalid email or password.")
    start_browser_session(response, session, user, settings)
    return {"id": user.id, "email": user.email}


@router.post("/api/auth/logout", status_code=204)
def logout(request: Request, response: Response, caller: Caller = Depends(current_caller),
           session: Session = Depends(db_write, scope="function")) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user_service.revoke_session(session, cookie)
    out = Response(status_code=204)
    out.delete_cookie(SESSION_COOKIE)
    out.delete_cookie(CSRF_COOKIE)
    return out
