"""Redis: which orders were dispatched (namespaced keys, kept DISPATCH_MEMORY_SECONDS)."""

from __future__ import annotations

from dispatch.settings import DispatchSettings
from kit import namespaced, stores


def _key(orderid: str) -> str:
    return namespaced(f"dispatch:order:{orderid}")


def was_dispatched(orderid: str) -> bool:
    return bool(stores.redis().get().exists(_key(orderid)))


def mark_dispatched(orderid: str) -> bool:
    """True for the first marking of this order (so it is counted once)."""
    ttl = DispatchSettings.current().dispatch_memory_seconds
    return bool(stores.redis().get().set(_key(orderid), "dispatched", nx=True, ex=ttl))
