"""Sessions: signed, expiring tokens that say which registered user is calling.

The user function issues one at login and registration (an HttpOnly cookie, and
in the body for non-browser clients); cart, user, payment and ratings verify it
with the same SESSION_SECRET. A token is itsdangerous's URL-safe signed JSON (HMAC-SHA256
with a key of its own for each purpose, so a session token is never an anonymous
id nor the other way round): the user name, the expiry time and a session id. The
expiry is written in at issue rather than taken from the signing time: a session
revoked under one SESSION_TTL_SECONDS stays revoked if a restart raises it. Logging out
revokes the session id in Redis until the token would have expired, so every
verifier checks it there: a token stops working the moment its session ends.

The cookie is SameSite=Strict, so a browser never sends it along with a request
that another site started; and a cookie that arrives anyway with a request the
browser marks as cross-site or same-site (Fetch Metadata: a sibling subdomain,
or an old browser's Lax default) is ignored. Cart changes are GETs in the
classic API, so this is what keeps another site from changing a user's cart.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from flask import Request, Response
from itsdangerous import BadSignature, Signer, URLSafeSerializer

from kit import stores
from kit._config import namespaced
from kit._errors import ApiError
from kit.settings import About, Settings

COOKIE = "roboshop_session"
MIN_SECRET_LENGTH = 32
# Ids handed out by the user function's /uniqueid; any other cart or order id is a user name.
ANONYMOUS_PREFIX = "anonymous-"
# Fetch Metadata values of requests this origin's own pages (or the shopper) started.
_OWN_SITE = frozenset({"same-origin", "none"})
# itsdangerous's salts: each purpose signs with a key derived for it alone.
_SESSION_SALT = "roboshop.session"
_ANONYMOUS_SALT = "roboshop.anonymous-id"


@dataclass(frozen=True)
class SessionSettings(Settings):
    session_secret: Annotated[
        str,
        About(
            "signs sessions and events (every consumer checks them)",
            min_chars=MIN_SECRET_LENGTH,
            shown="`make run`: made once into `.state/session-secret`",
        ),
    ]
    session_ttl_seconds: Annotated[int, About("how long a session lasts", minimum=60)] = 86400


@lru_cache(maxsize=4)
def _sessions(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(
        secret, salt=_SESSION_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


@lru_cache(maxsize=4)
def _anonymous(secret: str) -> Signer:
    return Signer(secret, salt=_ANONYMOUS_SALT, digest_method=hashlib.sha256)


def _secret() -> str:
    return SessionSettings.current().session_secret


def lifetime() -> int:
    """How long a session lasts, in seconds."""
    return SessionSettings.current().session_ttl_seconds


def issue(name: str, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + lifetime())
    claims = {"sub": name, "exp": expires, "sid": secrets.token_urlsafe(12)}
    return _sessions(_secret()).dumps(claims)


def _claims(token: str, now: float | None) -> dict[str, Any] | None:
    """The token's claims if it is ours, well formed and not expired; else None."""
    if not token.isascii():  # itsdangerous would encode a lone surrogate, and fail
        return None
    try:
        claims = _sessions(_secret()).loads(token)
        name, expires, sid = str(claims["sub"]), int(claims["exp"]), str(claims["sid"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if expires <= (now if now is not None else time.time()):
        return None
    return {"sub": name, "exp": expires, "sid": sid}


def _revocation_key(sid: str) -> str:
    return namespaced(f"session-revoked:{sid}")


def verify(token: str, now: float | None = None) -> str | None:
    """The user name the token was issued to; None if forged, malformed, expired or revoked."""
    claims = _claims(token, now)
    if claims is None or stores.redis().get().exists(_revocation_key(claims["sid"])):
        return None
    return str(claims["sub"])


def revoke(token: str) -> None:
    """End the token's session for good (nothing to end when it is no valid session)."""
    claims = _claims(token, None)
    if claims is None:
        return
    remaining = max(1, int(claims["exp"] - time.time()) + 1)
    stores.redis().get().set(_revocation_key(claims["sid"]), "1", ex=remaining)


def token_of(request: Request) -> str | None:
    """The session token from `Authorization: Bearer ...`, else from the cookie.

    A page on another site can set neither header nor cookie: the cookie is only
    taken from requests the browser says this origin (or the shopper) started.
    """
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in _OWN_SITE:
        return None
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
    """An anonymous id is protected by being unguessable, so it must be one the shop
    issued (400 otherwise); a user's needs their session."""
    if is_anonymous(identity):
        require_issued(identity)
    else:
        require_user(request, identity)


def require_issued(identity: str) -> None:
    """400 `unknown_anonymous_id` unless /uniqueid handed out this id.

    A made-up `anonymous-1` would otherwise be a cart anyone can guess, and a vote
    anyone can cast again under a new name. An id signed under an earlier
    SESSION_SECRET is refused too: the storefront asks for a new one then.
    """
    if not issued_anonymous_id(identity):
        raise ApiError(
            400,
            "unknown_anonymous_id",
            "this anonymous id was not issued by the shop: ask GET /api/user/uniqueid for one",
        )


def new_anonymous_id() -> str:
    """An unguessable anonymous shopper id, signed so that it can be told from a made-up one."""
    return ANONYMOUS_PREFIX + _anonymous(_secret()).sign(secrets.token_urlsafe(16)).decode()


def issued_anonymous_id(identity: str) -> bool:
    """Whether /uniqueid handed out this id (anyone may invent an `anonymous-...` string)."""
    if not identity.isascii() or not is_anonymous(identity):
        return False
    return _anonymous(_secret()).validate(identity.removeprefix(ANONYMOUS_PREFIX))


def set_cookie(response: Response, token: str, request: Request) -> None:
    """HttpOnly and SameSite=Strict always; Secure when the client came over https."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    response.set_cookie(
        COOKIE,
        token,
        max_age=lifetime(),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.scheme == "https" or forwarded == "https",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict")
