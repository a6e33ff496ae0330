"""Order history: orders recorded per user, one stored document per order."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kit import ApiError
from user import store

ORDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
# A cart is `{total, tax, items: [{...}]}`: these bounds leave it ample room while
# keeping every stored order far below MongoDB's document and nesting limits.
MAX_CART_BYTES = 256 * 1024
MAX_CART_DEPTH = 10
_INT64 = 2**63


def checked_order_id(value: Any) -> str:
    if not isinstance(value, str) or not ORDER_ID.fullmatch(value):
        raise ApiError(400, "invalid_field", "orderid must be 1-100 letters, digits or ._:-")
    return value


def checked_cart(value: Any) -> dict[str, Any]:
    """The cart, if MongoDB can store it as it is; 400 otherwise."""
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_field", "cart must be a JSON object")
    problem = _unstorable(value, MAX_CART_DEPTH)
    if problem is None and len(json.dumps(value)) > MAX_CART_BYTES:
        problem = f"is larger than {MAX_CART_BYTES // 1024} KiB"
    if problem is not None:
        raise ApiError(400, "invalid_field", f"cart {problem}")
    return value


def _unstorable(value: Any, depth: int) -> str | None:
    """Why a JSON value can't be stored in a MongoDB document, or None."""
    if isinstance(value, dict | list) and depth <= 0:
        return f"is nested more than {MAX_CART_DEPTH} levels deep"
    if isinstance(value, dict):
        for key, item in value.items():
            # Operators and paths are spelled with $ and . in MongoDB; BSON keys end at NUL.
            if key.startswith("$") or "." in key or "\0" in key:
                return "keys must not start with $ or hold '.' or NUL"
            problem = _unstorable(item, depth - 1)
            if problem is not None:
                return problem
        return None
    if isinstance(value, list):
        return next((p for p in (_unstorable(i, depth - 1) for i in value) if p), None)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        return "numbers must fit in 64 bits"
    if isinstance(value, float) and not math.isfinite(value):
        return "numbers must be finite"
    return None


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
