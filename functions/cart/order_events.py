"""order.placed: the ordered cart is cleared, but what was added since stays.

What the order held is subtracted from the cart, line by line, in one Redis
transaction that also marks the order as applied: a redelivered event finds
the mark and changes nothing, even once a new cart exists under the same id.
"""

from __future__ import annotations

from typing import Any

from cart import carts, store
from kit import ApiError, contract, flags


def ordered_quantities(items: list[dict[str, Any]]) -> dict[str, int]:
    quantities: dict[str, int] = {}
    for item in items:
        quantities[item["sku"]] = quantities.get(item["sku"], 0) + item["qty"]
    return quantities


def placed(event: Any) -> None:
    if flags.boolean("cart-clear-failure"):
        # The broker retries, then dead-letters: what a cart store refusing writes looks like.
        raise ApiError(
            503,
            "unavailable",
            "the cart could not be cleared (chaos switch cart-clear-failure)",
            {"Retry-After": "1"},
        )
    order = contract.placed_order(event.data)
    orderid, cart_id = order["orderid"], order["user"]
    ordered = ordered_quantities(order["cart"]["items"])
    store.change_once(cart_id, orderid, lambda current: carts.subtract(current, ordered))
    # The order is placed: the cart may be checked out again (what was added since).
    store.finish_checkout(cart_id, orderid)
