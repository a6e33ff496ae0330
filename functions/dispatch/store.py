"""Redis: which orders were dispatched (namespaced keys, kept DISPATCH_MEMORY_DAYS)."""

from __future__ import annotations

from kit import env_int, namespaced, stores


def _key(orderid: str) -> str:
    return namespaced(f"dispatch:order:{orderid}")


def was_dispatched(orderid: str) -> bool:
    return bool(stores.redis().get().exists(_key(orderid)))


def mark_dispatched(orderid: str) -> bool:
    """True for the first marking of this order (so it is counted once)."""
    ttl = env_int("DISPATCH_MEMORY_DAYS", 30) * 86400
    return bool(stores.redis().get().set(_key(orderid), "dispatched", nx=True, ex=ttl))
