"""Password hashing, API token generation/hashing and signed access tokens.

Passwords use scrypt (memory-hard, in the standard library). API tokens are random and stored as
SHA-256 digests, so a leaked database reveals no usable token. Personal access tokens and the
Bearer access tokens they are exchanged for are JWTs (HS256), the shape label-studio-sdk expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid

import jwt

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return "scrypt$%d$%d$%d$%s$%s" % (
        _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"],
        base64.b64encode(salt).decode(), base64.b64encode(digest).decode(),
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                            maxmem=_SCRYPT["maxmem"], dklen=len(expected))
    return hmac.compare_digest(actual, expected)


def new_api_key() -> str:
    """A legacy API token: 40 hex characters, like Label Studio's."""
    return secrets.token_hex(20)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def make_jwt(secret: str, user_id: int, token_type: str, ttl_seconds: int, jti: str | None = None,
             extra: dict | None = None) -> str:
    """A signed token; ``extra`` claims (plain JSON values) are carried alongside the standard ones."""
    now = int(time.time())
    claims = {
        **(extra or {}),
        "token_type": token_type,
        "exp": now + ttl_seconds,
        "iat": now,
        "jti": jti or uuid.uuid4().hex,
        "user_id": user_id,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_jwt(secret: str, token: str, token_type: str) -> dict | None:
    """The claims of a valid, unexpired token of the given type, else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    if claims.get("token_type") != token_type or not isinstance(claims.get("user_id"), int):
        return None
    return claims


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2
