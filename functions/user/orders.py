"""Order history: orders recorded per user, one stored document per order."""

from __future__ import annotations

from typing import Any

from kit import ApiError, contract
from user import store


def checked_order_id(value: Any) -> str:
    if not isinstance(value, str) or not contract.ORDER_ID.fullmatch(value):
        raise ApiError(400, "invalid_field", "orderid must be 1-100 letters, digits or ._:-")
    return value


def checked_cart(value: Any) -> dict[str, Any]:
    """The cart, if MongoDB can store it as it is; 400 otherwise."""
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_field", "cart must be a JSON object")
    problem = contract.unstorable(value)
    if problem is not None:
        raise ApiError(400, "invalid_field", f"cart {problem}")
    return value


def record(user: str, body: dict[str, Any]) -> None:
    """Add `{orderid, cart}` to the user's history; repeating it changes nothing."""
    if "orderid" not in body or "cart" not in body:
        raise ApiError(400, "missing_field", "orderid and cart are required")
    orderid = checked_order_id(body["orderid"])
    cart = checked_cart(body["cart"])
    if not store.user_exists(user):
        raise ApiError(404, "not_found", f"no user {user}")
    try:
        store.record_placed(orderid, user, cart)
    except store.OrderConflict:
        raise ApiError(409, "order_conflict", f"order {orderid} belongs to another user") from None


def history(user: str) -> dict[str, Any]:
    found = store.history(user)
    if not found:
        raise ApiError(404, "not_found", f"no order history for {user}")
    return {"name": user, "history": found}
