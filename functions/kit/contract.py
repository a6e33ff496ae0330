"""What the functions agree on between them: the shipping line and the order.placed
payload, written once for every function that makes or reads them."""

from __future__ import annotations

import json
import math
import re
from typing import Any, TypedDict

from kit._errors import ApiError

# The types of the shop's events about one order (order.*, and catalogue's stock.* replies):
# their subject is the order id.
ORDER_EVENTS = ("com.roboshop.order.", "com.roboshop.stock.")
# The sku of the cart's shipping line: cart writes it, payment requires and prices it.
SHIPPING_SKU = "SHIP"
# Its location, in the line's name: shipping confirms it, cart keeps it.
MAX_LOCATION_CHARS = 200

# order.placed data is `{orderid, user, registered, cart}` and the cart is `{total, tax,
# items: [{sku, qty, ...}]}`. The bounds leave a real cart ample room while keeping every
# stored order far below MongoDB's document and nesting limits (user keeps the cart).
ORDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
# A cart id: a registered user's name, or an anonymous shopper's id.
USER_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
MAX_SKU_CHARS = 64
MAX_CART_BYTES = 256 * 1024
MAX_CART_DEPTH = 10
_INT64 = 2**63


class PlacedOrder(TypedDict):
    orderid: str
    user: str
    registered: bool
    cart: dict[str, Any]


def placed_order(data: Any) -> PlacedOrder:
    """The order.placed data, if it keeps the contract; 400 `bad_event` otherwise, the
    same answer from every consumer (the event can never be processed)."""
    if not isinstance(data, dict):
        raise _bad("the event data must be a JSON object")
    orderid, user, registered = data.get("orderid"), data.get("user"), data.get("registered")
    if not isinstance(orderid, str) or not ORDER_ID.fullmatch(orderid):
        raise _bad("orderid must be 1-100 letters, digits or ._:-")
    if not isinstance(user, str) or not USER_ID.fullmatch(user):
        raise _bad("user must be 1-100 letters, digits, '.', '_' or '-'")
    if not isinstance(registered, bool):
        raise _bad("registered must be true or false")
    return {"orderid": orderid, "user": user, "registered": registered, "cart": _cart(data)}


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_event", message)


def _cart(data: dict[str, Any]) -> dict[str, Any]:
    cart = data.get("cart")
    if not isinstance(cart, dict):
        raise _bad("cart must be a JSON object")
    problem = unstorable(cart)
    if problem is not None:
        raise _bad(f"cart {problem}")
    for total in ("total", "tax"):
        if not _is_amount(cart.get(total)):
            raise _bad(f"the cart's {total} must be a number of at least 0")
    items = cart.get("items")
    if not isinstance(items, list):
        raise _bad("the order has no cart items")
    for item in items:
        _check_line(item)
    return cart


def _is_amount(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value >= 0


def _check_line(item: Any) -> None:
    sku, qty = (item.get("sku"), item.get("qty")) if isinstance(item, dict) else (None, None)
    if not isinstance(sku, str) or not 0 < len(sku) <= MAX_SKU_CHARS:
        raise _bad(f"every ordered line needs a sku of 1-{MAX_SKU_CHARS} characters")
    if not isinstance(qty, int) or isinstance(qty, bool):
        raise _bad("every ordered line needs a whole qty")
    if qty < 1:
        # A consumer subtracting a negative quantity would add to the cart.
        raise _bad(f"the ordered qty of {sku} is below 1")


def unstorable(cart: dict[str, Any]) -> str | None:
    """Why a cart can't be kept as it is (in a MongoDB document), or None."""
    problem = _unstorable(cart, MAX_CART_DEPTH)
    if problem is None and len(json.dumps(cart)) > MAX_CART_BYTES:
        problem = f"is larger than {MAX_CART_BYTES // 1024} KiB"
    return problem


def _unstorable(value: Any, depth: int) -> str | None:
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
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return "numbers must fit in 64 bits"
    if isinstance(value, float) and not math.isfinite(value):
        return "numbers must be finite"
    return None
