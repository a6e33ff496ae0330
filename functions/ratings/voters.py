"""Who is voting: one vote per shopper per product, whatever the client sends.

The shopper is the session's user; without a session, the anonymous id that the
user function issued to this browser (sent as X-Anonymous-Id; a made-up one is
refused, 400); without either, the client's address as nginx saw it. Only a
digest of that identity is stored, and of the address, which the cap on new voters per
client is counted by (ratings.store).
"""

from __future__ import annotations

import datetime
import hashlib

from flask import Request

from kit import clients, sessions
from ratings.store import Ballot

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


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def voter(request: Request) -> str:
    """The digest a shopper's votes are kept under."""
    return _digest(identity(request))


def ballot(request: Request, now: datetime.datetime) -> Ballot:
    """The request's voter, its client address and the UTC day of `now`."""
    client = _digest(f"client:{clients.address(request)}")
    return Ballot(voter(request), client, now.astimezone(datetime.UTC).date())
