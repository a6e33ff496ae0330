"""Throttling password guesses, per name and per client, with counters in Redis.

Every refused login (wrong password or unknown name) counts against the name
and against the client's address in a window of LOGIN_WINDOW_SECONDS that
starts with the first refusal. Once either count reaches its limit
(LOGIN_FAILURES_PER_NAME, LOGIN_FAILURES_PER_CLIENT), logins for that name or
from that client answer 429 with Retry-After until the window ends, before any
password is hashed: a flood of guesses costs a Redis round trip each, not a
hash. A successful login clears its name's count; a client's count only ends
with its window, so one right password can't reset a guessing run.
"""

from __future__ import annotations

import hashlib

from kit import ApiError, namespaced, stores
from user.settings import UserSettings


def _key(kind: str, value: str) -> str:
    # Hashed: a name that was never registered can be anything a client typed.
    digest = hashlib.sha256(value.encode(errors="replace")).hexdigest()[:32]
    return namespaced(f"login-throttle:{kind}:{digest}")


def _keys(name: str, client: str) -> list[tuple[str, int]]:
    settings = UserSettings.current()
    return [
        (_key("name", name.lower()), settings.login_failures_per_name),
        (_key("client", client), settings.login_failures_per_client),
    ]


def check(name: str, client: str) -> None:
    """429 with Retry-After while the name or the client has used up its failures."""
    keys = _keys(name, client)
    pipe = stores.redis().get().pipeline(transaction=False)
    for key, _ in keys:
        pipe.get(key)
        pipe.ttl(key)
    answers = pipe.execute()
    waits = [
        int(ttl)
        for (_, limit), count, ttl in zip(keys, answers[::2], answers[1::2], strict=True)
        if count is not None and int(count) >= limit
    ]
    if waits:
        raise ApiError(
            429,
            "too_many_attempts",
            "too many failed logins: wait before trying again",
            {"Retry-After": str(max(1, *waits))},
        )


def failed(name: str, client: str) -> None:
    window = UserSettings.current().login_window_seconds
    pipe = stores.redis().get().pipeline(transaction=True)
    for key, _ in _keys(name, client):
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
    pipe.execute()


def succeeded(name: str) -> None:
    stores.redis().get().delete(_key("name", name.lower()))
