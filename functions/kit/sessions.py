"""Sessions: signed, expiring tokens that say which registered user is calling.

The user function issues one at login (an HttpOnly cookie, and in the body for
non-browser clients); cart, user and payment verify it with the same
SESSION_SECRET, with no store lookup. A token is `<payload>.<signature>`, both
base64url: the payload holds the user name and the expiry time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from flask import Request

from kit._config import env, env_int
from kit._errors import ApiError, ConfigError

COOKIE = "roboshop_session"
MIN_SECRET_LENGTH = 32
# Ids handed out by the user function's /uniqueid; any other cart or order id is a user name.
ANONYMOUS_PREFIX = "anonymous-"


def _secret() -> bytes:
    secret = env("SESSION_SECRET", "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"SESSION_SECRET must be set to {MIN_SECRET_LENGTH}+ random characters")
    return secret.encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str) -> str:
    return _b64(hmac.new(_secret(), payload.encode(), hashlib.sha256).digest())


def lifetime() -> int:
    """How long a session lasts, in seconds (SESSION_TTL_SECONDS, default a day)."""
    return env_int("SESSION_TTL_SECONDS", 86400)


def issue(name: str, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + lifetime())
    payload = _b64(json.dumps({"sub": name, "exp": expires}, separators=(",", ":")).encode())
    return f"{payload}.{_sign(payload)}"


def verify(token: str, now: float | None = None) -> str | None:
    """The user name the token was issued to, or None if forged, malformed or expired."""
    payload, _, signature = token.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(payload)):
        return None
    try:
        claims = json.loads(_unb64(payload))
        name, expires = str(claims["sub"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None
    return name if expires > (now if now is not None else time.time()) else None


def token_of(request: Request) -> str | None:
    """The session token from `Authorization: Bearer ...`, else from the cookie."""
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def current_user(request: Request) -> str | None:
    token = token_of(request)
    return verify(token) if token else None


def require_user(request: Request, name: str) -> None:
    """401 without a valid session, 403 when the session belongs to someone else."""
    user = current_user(request)
    if user is None:
        raise ApiError(401, "unauthorized", "log in to reach this account")
    if user != name:
        raise ApiError(403, "forbidden", "this session belongs to another user")


def is_anonymous(identity: str) -> bool:
    return identity.startswith(ANONYMOUS_PREFIX)


def require_owner(request: Request, identity: str) -> None:
    """An anonymous id is protected by being unguessable; a user's needs their session."""
    if not is_anonymous(identity):
        require_user(request, identity)
