"""Order history: what the order events recorded, a page at a time, newest first.

Only the order events write it (order_events.py). The classic `POST /order/{name}`
is kept for classic clients behind the origin, and only confirms an order the
events have recorded: it can't change one or record one that was never placed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kit import ApiError, contract, paging
from user import store

# A page of history: a shopper's recent orders by default, never the whole of a long one.
HISTORY_PAGE = 20
HISTORY_PAGE_MAX = 100
# The shipping line's name, as cart writes it: "shipping to <location>".
_SHIPPING_TO = "shipping to "


def checked_order_id(value: Any) -> str:
    if not isinstance(value, str) or not contract.ORDER_ID.fullmatch(value):
        raise ApiError(400, "invalid_field", "orderid must be 1-100 letters, digits or ._:-")
    return value


def confirm(user: str, body: dict[str, Any]) -> None:
    """The classic order call: 200 for an order the user's history holds, which it leaves
    as its events wrote it (the body's cart is not read); 404 for any other."""
    if "orderid" not in body or "cart" not in body:
        raise ApiError(400, "missing_field", "orderid and cart are required")
    orderid = checked_order_id(body["orderid"])
    if not isinstance(body["cart"], dict):
        raise ApiError(400, "invalid_field", "cart must be a JSON object")
    if not store.recorded(orderid, user):
        raise ApiError(404, "unknown_order", f"{user} placed no order {orderid}")


def history(user: str, args: Mapping[str, str]) -> tuple[dict[str, Any], int, int, int]:
    """One page of the user's orders and the paging facts: (answer, total, limit, offset).
    404 when the user has no order at all."""
    limit, offset = paging.page(args, HISTORY_PAGE, HISTORY_PAGE_MAX)
    total = store.listed_count(user)
    if not total:
        raise ApiError(404, "not_found", f"no order history for {user}")
    found = [entry(doc) for doc in store.history(user, limit, offset)]
    return {"name": user, "history": found}, total, limit, offset


def entry(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored order as the history shows it."""
    cart = doc.get("cart") or {}
    destination, shipping = _shipping(cart)
    placed = store.iso(doc["created"])
    shown = {
        "orderid": doc["orderid"],
        "status": doc.get("status", store.PLACED),
        "placed": placed,
        # Orders recorded before `updated` existed last changed when they were placed.
        "updated": doc.get("updated", placed),
        "destination": destination,
        "shipping": shipping,
        "cart": cart,
    }
    if shown["status"] == store.CANCELLED:
        shown["reason"] = doc.get("reason", "unknown")
    return shown


def _shipping(cart: dict[str, Any]) -> tuple[str | None, float | int | None]:
    """Where the order goes and what shipping cost, from its cart's shipping line (none on
    orders recorded by classic clients without one)."""
    items = cart.get("items")
    lines = items if isinstance(items, list) else []
    ship = [i for i in lines if isinstance(i, dict) and i.get("sku") == contract.SHIPPING_SKU]
    if not ship:
        return None, None
    line = ship[0]
    name = line.get("name")
    destination = name.removeprefix(_SHIPPING_TO) if isinstance(name, str) else None
    price = line.get("price")
    cost = price if isinstance(price, int | float) and not isinstance(price, bool) else None
    return destination, cost
