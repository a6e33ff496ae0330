"""order.placed: the ordered cart is cleared, but what was added since stays.

What the order held is subtracted from the cart, line by line, in one Redis
transaction that also marks the order as applied: a redelivered event finds
the mark and changes nothing, even once a new cart exists under the same id.
"""

from __future__ import annotations

from typing import Any

from cart import carts, inputs, store
from kit import ApiError, events, flags


def ordered_quantities(data: dict[str, Any]) -> dict[str, int]:
    cart = data.get("cart")
    items = cart.get("items") if isinstance(cart, dict) else None
    if not isinstance(items, list):
        raise ApiError(400, "bad_event", "the order has no cart items")
    quantities: dict[str, int] = {}
    for item in items:
        sku, qty = (item.get("sku"), item.get("qty")) if isinstance(item, dict) else (None, None)
        if not isinstance(sku, str) or not isinstance(qty, int) or isinstance(qty, bool):
            raise ApiError(400, "bad_event", "every ordered line needs a sku and a whole qty")
        if qty < 1:
            # Subtracting a negative quantity would add to the cart.
            raise ApiError(400, "bad_event", f"the ordered qty of {sku[:64]} is below 1")
        quantities[sku] = quantities.get(sku, 0) + qty
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
    data = events.event_data(event)
    orderid, cart_id = data.get("orderid"), data.get("user")
    if not isinstance(orderid, str) or not orderid or not isinstance(cart_id, str):
        raise ApiError(400, "bad_event", "the order needs a string orderid and user")
    inputs.cart_id(cart_id)
    ordered = ordered_quantities(data)
    store.change_once(cart_id, orderid, lambda current: carts.subtract(current, ordered))
    # The order is placed: the cart may be checked out again (what was added since).
    store.finish_checkout(cart_id, orderid)
