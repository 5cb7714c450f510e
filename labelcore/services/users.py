"""Users and their credentials: creation, the bootstrap admin, API tokens, sessions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from labelcore.db import write_session
from labelcore.errors import LabelcoreError
from labelcore.models import Token, User
from labelcore.security import hash_key, hash_password, make_jwt, new_api_key, read_jwt
from labelcore.settings import Settings


def create_user(session: Session, email: str, password: str | None = None, token: str | None = None,
                admin: bool = False, **fields) -> User:
    """Create a user (and its legacy API token); the email must be new."""
    email = email.strip()
    if "@" not in email:
        raise LabelcoreError(f"{email!r} is not an email address")
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise LabelcoreError(f"a user with email {email!r} already exists")
    user = User(email=email, username=fields.pop("username", None) or email.split("@")[0],
                password_hash=hash_password(password) if password else "", is_superuser=admin, **fields)
    session.add(user)
    session.flush()
    set_api_key(session, user, token or new_api_key())
    return user


def set_api_key(session: Session, user: User, key: str) -> str:
    """Replace the user's legacy API token with ``key``."""
    if len(key) < 20:
        raise LabelcoreError("an API token must be at least 20 characters long")
    session.exec(update(Token).where(Token.user_id == user.id, Token.kind == "legacy").values(revoked=True))
    existing = session.exec(select(Token).where(Token.key_hash == hash_key(key))).first()
    if existing is not None:
        if existing.user_id != user.id:
            raise LabelcoreError("that API token is already in use")
        existing.revoked = False
        existing.kind = "legacy"
        session.add(existing)
    else:
        session.add(Token(user_id=user.id, kind="legacy", key_hash=hash_key(key)))
    return key


def ensure_bootstrap_admin(engine: Engine, settings: Settings) -> None:
    """LABELCORE_USERNAME/PASSWORD/USER_TOKEN create the first admin at start when missing."""
    if not settings.username:
        return
    with write_session(engine) as session:
        user = session.exec(select(User).where(User.email == settings.username)).first()
        if user is None:
            create_user(session, settings.username, settings.password, settings.user_token, admin=True)
        elif settings.user_token:
            present = session.exec(select(Token.id).where(Token.key_hash == hash_key(settings.user_token),
                                                           Token.user_id == user.id, Token.revoked == False)  # noqa: E712
                                   ).first()
            if present is None:
                set_api_key(session, user, settings.user_token)


def issue_refresh_token(session: Session, user: User, settings: Settings) -> str:
    """A personal access token (JWT refresh token), recorded so it can be revoked."""
    token = make_jwt(settings.signing_key, user.id, "refresh", settings.refresh_token_days * 86400)
    expires = datetime.now(timezone.utc) + timedelta(days=settings.refresh_token_days)
    session.add(Token(user_id=user.id, kind="refresh", key_hash=hash_key(token), expires_at=expires))
    return token


def exchange_refresh_token(session: Session, refresh: str, settings: Settings) -> str:
    """A short-lived Bearer access token for a valid, unrevoked personal access token."""
    claims = read_jwt(settings.signing_key, refresh, "refresh")
    if claims is None:
        raise LabelcoreError("Token is invalid or expired")
    row = session.exec(select(Token).where(Token.key_hash == hash_key(refresh), Token.kind == "refresh",
                                           Token.revoked == False)).first()  # noqa: E712
    if row is None:
        raise LabelcoreError("Token is blacklisted")
    return make_jwt(settings.signing_key, claims["user_id"], "access", settings.access_token_seconds)


def revoke_refresh_token(session: Session, refresh: str) -> bool:
    return _revoke(session, refresh, "refresh")


def revoke_session(session: Session, cookie: str) -> bool:
    """Log a browser out: its session key stops working."""
    return _revoke(session, cookie, "session")


def _revoke(session: Session, key: str, kind: str) -> bool:
    row = session.exec(select(Token).where(Token.key_hash == hash_key(key), Token.kind == kind)).first()
    if row is None:
        return False
    row.revoked = True
    session.add(row)
    return True


def open_session(session: Session, user: User, settings: Settings) -> str:
    """A browser session key (the cookie value); only its hash is stored."""
    key = new_api_key() + new_api_key()
    expires = datetime.now(timezone.utc) + timedelta(days=settings.session_days)
    session.add(Token(user_id=user.id, kind="session", key_hash=hash_key(key), expires_at=expires))
    return key


def ensure_first_admin(engine: Engine, settings: Settings) -> str:
    """Make sure someone can log in; returns how (the sentence ``labelcore serve`` prints).

    With LABELCORE_USERNAME set, that admin is created (see ensure_bootstrap_admin). Otherwise, on
    an empty database, an ``admin@localhost`` admin is created with a random password, which is
    printed once and kept in the data folder (mode 0600) for the next starts.
    """
    import secrets

    ensure_bootstrap_admin(engine, settings)
    if settings.username:
        return f"log in as {settings.username}"
    password_file = settings.resolved_data_dir / "first-admin.txt"
    with write_session(engine) as session:
        if session.exec(select(User.id)).first() is None:
            password = secrets.token_urlsafe(12)
            create_user(session, "admin@localhost", password, admin=True)
            password_file.write_text(f"admin@localhost {password}\n")
            password_file.chmod(0o600)
    if password_file.exists():
        email, _, password = password_file.read_text().strip().partition(" ")
        return f"log in as {email} with password {password} (from {password_file})"
    return "log in with your account"
