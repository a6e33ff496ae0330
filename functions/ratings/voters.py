"""Who is voting: one vote per shopper per product, whatever the client sends.

The shopper is the session's user; without a session, the anonymous id that the
user function issued to this browser (sent as X-Anonymous-Id; a made-up one is
refused, 400); without either, the client's address as nginx saw it. Only a
digest of that identity is stored.
"""

from __future__ import annotations

import hashlib

from flask import Request

from kit import clients, sessions

ANONYMOUS_HEADER = "X-Anonymous-Id"


def identity(request: Request) -> str:
    user = sessions.current_user(request)
    if user is not None:
        return f"user:{user}"
    anonymous = request.headers.get(ANONYMOUS_HEADER, "").strip()
    if anonymous:
        sessions.require_issued(anonymous)
        return f"anonymous:{anonymous}"
    return f"client:{clients.address(request)}"


def voter(request: Request) -> str:
    """The digest a shopper's votes are kept under."""
    return hashlib.sha256(identity(request).encode()).hexdigest()
