"""Redis access for carts: one JSON value per cart, expiring an hour after its last write.

Adding to a cart, the shop's busiest write, is one Lua script run inside Redis (`add`):
read, merge and write happen with no other command in between, so concurrent adds
never lose one another and never retry. Every other change is an optimistic
transaction: WATCH the cart keys, read, compute the new carts, then MULTI/EXEC; when
another writer got in between, EXEC fails and the change is recomputed from the fresh
value. Either way no lock is held while waiting on anything else.

A cart held for checkout is the order's until its event: the shopper's own changes to it
(update, delete, the login merge) watch the hold keys in the same transaction and are
refused while either cart is held, so a paid robot never reappears in a merged cart.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import redis
from redis.commands.core import Script

from cart.carts import MAX_LINE_QTY, BeyondStock, Cart, TooMany
from cart.settings import CartSettings
from kit import ApiError, namespaced, stores
from kit.contract import SHIPPING_SKU

MAX_ATTEMPTS = 50

# Given the current carts (None: no cart), the new ones (None: delete it).
Change = Callable[[list[Cart | None]], list[Cart | None]]


def key(cart_id: str) -> str:
    return namespaced(f"cart:{cart_id}")


def ttl_seconds() -> int:
    return CartSettings.current().cart_ttl_seconds


def _decode(raw: bytes | str | None) -> Cart | None:
    if raw is None:
        return None
    cart: Cart = json.loads(raw)
    return cart


def load(cart_id: str) -> Cart | None:
    client: redis.Redis = stores.redis().get()
    return _decode(client.get(key(cart_id)))


class Held(Exception):
    """A cart the shopper changes is held for checkout by the order `orderid`."""

    def __init__(self, cart_id: str, orderid: str) -> None:
        super().__init__(cart_id, orderid)
        self.cart_id = cart_id
        self.orderid = orderid


def change(
    cart_ids: Sequence[str], compute: Change, *, unless_held: bool = False
) -> list[Cart | None]:
    """Apply `compute` to the carts atomically; returns what was stored.

    `compute` may raise (an ApiError, say) to write nothing; it may run more than
    once, so it must not have side effects. `unless_held`: Held, and nothing written,
    while any of the carts is held for checkout, checked in the same transaction.
    """
    holds = [_hold_key(cart_id) for cart_id in cart_ids] if unless_held else []
    stored = _transaction(cart_ids, compute, None, holds)
    assert stored is not None  # only a marked change can be skipped
    return stored


def change_once(
    cart_id: str, change_id: str, compute: Callable[[Cart | None], Cart | None]
) -> None:
    """Apply `compute` to the cart unless the change `change_id` was applied before.

    The change is marked in the same transaction (kept CART_CHANGE_MEMORY_SECONDS),
    so a repeated change_id is a no-op.
    """
    marker = namespaced(f"cart-change:{change_id}")
    _transaction([cart_id], lambda current: [compute(current[0])], marker)


# carts.add inside Redis: the line of the sku gets `qty` more (name and price refreshed)
# or is appended, the shipping line stays last. Nothing is written when the line would
# then hold more than the stock (-2) or the most of one line (-1): the check and the
# write are one step, so concurrent adds to one cart can't together pass the stock.
_ADD = """
local raw = redis.call('GET', KEYS[1])
local items = {}
if raw then items = cjson.decode(raw)['items'] end
local sku, qty, most = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
local instock = tonumber(ARGV[8])
local function refused(line)
  if line > instock then return -2 end
  if line > most then return -1 end
  return nil
end
local goods, shipping, found = {}, {}, false
for _, item in ipairs(items) do
  if item['sku'] == sku then
    local refusal = refused(item['qty'] + qty)
    if refusal then return refusal end
    item['qty'] = item['qty'] + qty
    item['name'] = ARGV[2]
    item['price'] = ARGV[3]
    found = true
  end
  if item['sku'] == ARGV[7] then
    table.insert(shipping, item)
  else
    table.insert(goods, item)
  end
end
if not found then
  local refusal = refused(qty)
  if refusal then return refusal end
  table.insert(goods, {sku = sku, name = ARGV[2], price = ARGV[3], qty = qty})
end
for _, item in ipairs(shipping) do table.insert(goods, item) end
local stored = cjson.encode({items = goods})
redis.call('SET', KEYS[1], stored, 'EX', tonumber(ARGV[6]))
return stored
"""
_add_script: Script | None = None


def add(cart_id: str, sku: str, name: str, price: Decimal, qty: int, instock: int) -> Cart:
    """carts.add applied in Redis in one step; returns the stored cart (TooMany or
    BeyondStock: nothing written)."""
    global _add_script
    client: redis.Redis = stores.redis().get()
    if _add_script is None:
        _add_script = client.register_script(_ADD)
    args: list[str | int] = [
        sku,
        name,
        str(price),
        qty,
        MAX_LINE_QTY,
        ttl_seconds(),
        SHIPPING_SKU,
        instock,
    ]
    stored = _add_script(keys=[key(cart_id)], args=args, client=client)
    if stored == -1:
        raise TooMany(sku)
    if stored == -2:
        raise BeyondStock(sku, instock)
    cart = _decode(stored)
    assert cart is not None
    return cart


# Deletes the hold only if it is still this order's: a lapsed hold may belong to another by now.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


# The order's event has cleared the cart: its hold ends, and the cart remembers the order
# for a while, so that a late second checkout of the emptied cart is told which order won.
_FINISH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
"""


def _hold_key(cart_id: str) -> str:
    return namespaced(f"cart-checkout:{cart_id}")


def _last_order_key(cart_id: str) -> str:
    return namespaced(f"cart-last-order:{cart_id}")


@dataclass(frozen=True)
class Hold:
    """A checkout's claim on a cart: the cart when held for the order, else why not."""

    cart: Cart | None = None
    held_by: str | None = None  # another order holds it
    emptied_by: str | None = None  # no cart: this order has just emptied it, if any


# One script, so that no second checkout can slip in between the checks: the hold is taken
# only while no other order holds the cart and the cart exists, and the cart comes back with
# it. A hold taken on a cart that an order had just emptied would name an order that never
# happens to every checkout that lost to it.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return {'held', holder}
end
local cart = redis.call('GET', KEYS[2])
if not cart then
  return {'gone', redis.call('GET', KEYS[3]) or ''}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return {'yours', cart}
"""


def hold_for_checkout(cart_id: str, orderid: str) -> Hold:
    """Hold the cart for order `orderid`, and read it.

    Holding again for the same order succeeds (payment may retry its call). The hold
    lasts until the order's event clears the cart, or CART_CHECKOUT_HOLD_SECONDS.
    """
    client: redis.Redis = stores.redis().get()
    keys = (_hold_key(cart_id), key(cart_id), _last_order_key(cart_id))
    hold = CartSettings.current().cart_checkout_hold_seconds
    outcome, value = client.eval(_HOLD, len(keys), *keys, orderid, hold)
    if outcome == "held":
        return Hold(held_by=value)
    if outcome == "gone":
        return Hold(emptied_by=value or None)
    return Hold(cart=_decode(value))


def release_checkout(cart_id: str, orderid: str) -> None:
    """End the hold of `orderid` on the cart, if it still holds it."""
    client: redis.Redis = stores.redis().get()
    client.eval(_RELEASE, 1, _hold_key(cart_id), orderid)


def finish_checkout(cart_id: str, orderid: str) -> None:
    """The order is placed: its hold ends and it is the cart's last order."""
    client: redis.Redis = stores.redis().get()
    keep = CartSettings.current().cart_checkout_hold_seconds
    client.eval(_FINISH, 2, _hold_key(cart_id), _last_order_key(cart_id), orderid, keep)


def _transaction(
    cart_ids: Sequence[str],
    compute: Change,
    marker: str | None,
    holds: Sequence[str] = (),
) -> list[Cart | None] | None:
    client: redis.Redis = stores.redis().get()
    keys = [key(cart_id) for cart_id in cart_ids]
    watched = [*keys, *holds, *([marker] if marker else [])]
    with client.pipeline() as pipe:
        for attempt in range(MAX_ATTEMPTS):
            try:
                pipe.watch(*watched)  # type: ignore[no-untyped-call]
                if marker and pipe.exists(marker):
                    pipe.reset()
                    return None
                _refuse_held(pipe, cart_ids, holds)
                current = [_decode(pipe.get(k)) for k in keys]
                wanted = compute(current)
                pipe.multi()
                for k, cart in zip(keys, wanted, strict=True):
                    if cart is None:
                        pipe.delete(k)
                    else:
                        pipe.set(k, json.dumps(cart, separators=(",", ":")), ex=ttl_seconds())
                if marker:
                    pipe.set(marker, "1", ex=CartSettings.current().cart_change_memory_seconds)
                pipe.execute()
                return wanted
            except redis.WatchError:
                # Someone else wrote first: back off a little, at random, and recompute.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise ApiError(
        503, "busy", "the cart is changing too often, please try again", {"Retry-After": "1"}
    )


def _refuse_held(
    pipe: redis.client.Pipeline, cart_ids: Sequence[str], holds: Sequence[str]
) -> None:
    """Held for the first held cart; the hold keys are watched, so a hold taken after this
    read fails the EXEC and the retry sees it."""
    if not holds:
        return
    for cart_id, holder in zip(cart_ids, pipe.mget(holds), strict=True):
        if holder is not None:
            pipe.reset()
            raise Held(cart_id, holder.decode() if isinstance(holder, bytes) else holder)
