"""The simulated payment gateway's authorisations as it keeps them in Redis, read there
(payment's code has no reader of them: the gateway itself only ever settles one)."""

from __future__ import annotations

import os
from functools import cache

import redis

from kit import namespaced


def key(authorisation: str) -> str:
    return namespaced(f"payment:authorisation:{authorisation}")


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def state(authorisation: str) -> str | None:
    """authorised, captured, voided, or None once unknown or lapsed."""
    found = _client(os.environ["REDIS_URL"]).get(key(authorisation))
    return None if found is None else str(found)
