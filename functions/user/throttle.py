"""Throttling logins, with counters in Redis: guesses back off, and nobody locks out others.

Two counts, both checked before any password is hashed (a refused attempt costs a
Redis round trip, not a hash):

- per client address, a hard stop: LOGIN_FAILURES_PER_CLIENT refused logins (wrong
  password or unknown name, any names) in a window of LOGIN_WINDOW_SECONDS that starts
  with the first, then 429 until the window ends. A right password does not reset it.
  LOGIN_ATTEMPTS_PER_CLIENT bounds every login and registration, right or wrong, the
  same way, so that correct passwords can't keep the hashes busy either.
- per name *and* client, growing delays: after LOGIN_FREE_FAILURES refused logins of
  one name from one client, the next attempt must wait LOGIN_BACKOFF_FIRST_SECONDS after
  the last refusal, doubling with each further one up to LOGIN_BACKOFF_MAX_SECONDS
  (429 with Retry-After meanwhile). The count lasts a window past the last refusal, and a
  right password from that client clears it.

There is no count per name alone: failures from elsewhere never delay the owner, who
logs in from their own address (docs/decisions/0011-login-backoff-per-name-and-client.md).
The time is passed in (`now`, seconds since the epoch), so tests move it by hand.
"""

from __future__ import annotations

import hashlib
import math

from kit import ApiError, namespaced, stores
from user.settings import UserSettings

MINUTE = 60


def _key(kind: str, *values: str) -> str:
    # Hashed: a name that was never registered can be anything a client typed.
    joined = "\0".join(values).encode(errors="replace")
    return namespaced(f"login-throttle:{kind}:{hashlib.sha256(joined).hexdigest()[:32]}")


def _pair_key(name: str, client: str) -> str:
    return _key("pair", name.lower(), client)


def _client_key(client: str) -> str:
    return _key("client", client)


def _attempts_key(client: str) -> str:
    return _key("attempts", client)


def too_many(message: str, seconds: float) -> ApiError:
    return ApiError(
        429, "too_many_attempts", message, {"Retry-After": str(max(1, math.ceil(seconds)))}
    )


def backoff_seconds(failures: int) -> float:
    """How long after its last refusal a name may be tried again from the same client."""
    settings = UserSettings.current()
    beyond = failures - settings.login_free_failures
    if beyond < 0:
        return 0.0
    # Capped before the power is taken: a long run of failures must not overflow.
    doubling = min(beyond, 32)
    return float(
        min(settings.login_backoff_max_seconds, settings.login_backoff_first_seconds * 2**doubling)
    )


def check(name: str, client: str, now: float) -> None:
    """429 with Retry-After while the client is stopped or the name backs off for it."""
    settings = UserSettings.current()
    pipe = stores.redis().get().pipeline(transaction=False)
    pipe.get(_client_key(client))
    pipe.ttl(_client_key(client))
    pipe.hmget(_pair_key(name, client), ["failures", "last"])
    client_failures, client_ttl, (failures, last) = pipe.execute()
    if client_failures is not None and int(client_failures) >= settings.login_failures_per_client:
        raise too_many("too many failed logins: wait before trying again", int(client_ttl))
    if failures is None or last is None:
        return
    wait = float(last) + backoff_seconds(int(failures)) - now
    if wait > 0:
        raise too_many("too many failed logins for this name: wait before trying again", wait)


def _counted(key: str, limit: int, window: int) -> int | None:
    """Count one more in the key's window; the seconds left of it once past `limit`."""
    pipe = stores.redis().get().pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    pipe.ttl(key)
    count, _, ttl = pipe.execute()
    return int(ttl) if int(count) > limit else None


def attempted(client: str) -> None:
    """Count a login or registration against the client; 429 past its limit.

    Counted before the password is hashed, so a refused attempt spends no hash."""
    settings = UserSettings.current()
    left = _counted(
        _attempts_key(client), settings.login_attempts_per_client, settings.login_window_seconds
    )
    if left is not None:
        raise too_many("too many logins and registrations: wait before trying again", left)


def minted(client: str) -> None:
    """Count an anonymous id issued to the client; 429 past ANONYMOUS_IDS_PER_CLIENT a
    minute, so that one client can't mint voters by the thousand (ratings.voters)."""
    left = _counted(_key("minted", client), UserSettings.current().anonymous_ids_per_client, MINUTE)
    if left is not None:
        raise ApiError(
            429,
            "too_many_requests",
            "too many anonymous ids for this client: wait before asking again",
            {"Retry-After": str(max(1, left))},
        )


def failed(name: str, client: str, now: float) -> None:
    window = UserSettings.current().login_window_seconds
    pair = _pair_key(name, client)
    pipe = stores.redis().get().pipeline(transaction=True)
    pipe.incr(_client_key(client))
    pipe.expire(_client_key(client), window, nx=True)
    pipe.hincrby(pair, "failures", 1)
    pipe.hset(pair, "last", repr(now))
    # A window past the last refusal, and never shorter than the longest delay it may hold.
    pipe.expire(pair, window + UserSettings.current().login_backoff_max_seconds)
    pipe.execute()


def succeeded(name: str, client: str) -> None:
    stores.redis().get().delete(_pair_key(name, client))
