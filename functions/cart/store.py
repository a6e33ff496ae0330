"""Redis access for carts: one JSON value per cart, expiring an hour after its last write.

Every change is an optimistic transaction: WATCH the cart keys, read, compute
the new carts, then MULTI/EXEC; when another writer got in between, EXEC fails
and the change is recomputed from the fresh value. So concurrent writes never
lose one another, and no lock is held while waiting on anything else.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence

import redis

from cart.carts import Cart
from kit import ApiError, env_int, namespaced, stores

MAX_ATTEMPTS = 50

# Given the current carts (None: no cart), the new ones (None: delete it).
Change = Callable[[list[Cart | None]], list[Cart | None]]


def key(cart_id: str) -> str:
    return namespaced(f"cart:{cart_id}")


def ttl_seconds() -> int:
    return env_int("CART_TTL_SECONDS", 3600)


def _decode(raw: bytes | str | None) -> Cart | None:
    if raw is None:
        return None
    cart: Cart = json.loads(raw)
    return cart


def load(cart_id: str) -> Cart | None:
    client: redis.Redis = stores.redis().get()
    return _decode(client.get(key(cart_id)))


def delete(cart_id: str) -> bool:
    """Remove the cart; False when there was none."""
    client: redis.Redis = stores.redis().get()
    return bool(client.delete(key(cart_id)))


def change(cart_ids: Sequence[str], compute: Change) -> list[Cart | None]:
    """Apply `compute` to the carts atomically; returns what was stored.

    `compute` may raise (an ApiError, say) to write nothing; it may run more than
    once, so it must not have side effects.
    """
    stored = _transaction(cart_ids, compute, None)
    assert stored is not None  # only a marked change can be skipped
    return stored


def change_once(
    cart_id: str, change_id: str, compute: Callable[[Cart | None], Cart | None]
) -> bool:
    """Apply `compute` to the cart unless the change `change_id` was applied before.

    The change is marked in the same transaction (kept CART_CHANGE_MEMORY_SECONDS),
    so a repeated change_id is a no-op; False when it was one.
    """
    marker = namespaced(f"cart-change:{change_id}")
    done = _transaction([cart_id], lambda current: [compute(current[0])], marker)
    return done is not None


def _transaction(
    cart_ids: Sequence[str], compute: Change, marker: str | None
) -> list[Cart | None] | None:
    client: redis.Redis = stores.redis().get()
    keys = [key(cart_id) for cart_id in cart_ids]
    watched = [*keys, marker] if marker else keys
    with client.pipeline() as pipe:
        for attempt in range(MAX_ATTEMPTS):
            try:
                pipe.watch(*watched)  # type: ignore[no-untyped-call]
                if marker and pipe.exists(marker):
                    pipe.reset()
                    return None
                current = [_decode(pipe.get(k)) for k in keys]
                wanted = compute(current)
                pipe.multi()
                for k, cart in zip(keys, wanted, strict=True):
                    if cart is None:
                        pipe.delete(k)
                    else:
                        pipe.set(k, json.dumps(cart, separators=(",", ":")), ex=ttl_seconds())
                if marker:
                    pipe.set(marker, "1", ex=env_int("CART_CHANGE_MEMORY_SECONDS", 7 * 86400))
                pipe.execute()
                return wanted
            except redis.WatchError:
                # Someone else wrote first: back off a little, at random, and recompute.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise ApiError(
        503, "busy", "the cart is changing too often, please try again", {"Retry-After": "1"}
    )
