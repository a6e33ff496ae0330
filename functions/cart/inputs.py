"""Checking what clients send: ids, skus, quantities and the shipping choice (400 if bad)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from cart.carts import MAX_LINE_QTY
from kit import ApiError, contract
from kit.money import money

SKU = re.compile(r"[A-Za-z0-9._-]{1,64}")
QTY = re.compile(r"[0-9]{1,7}")
# Amounts sent as text (classic clients did): plain decimals only, no "1_000" or " 1 ".
AMOUNT_TEXT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?")
MAX_SHIPPING_COST_EUR = Decimal(100000)


def cart_id(value: str) -> str:
    if not contract.USER_ID.fullmatch(value):
        raise ApiError(400, "invalid_id", "a cart id is 1-100 letters, digits, '.', '_' or '-'")
    return value


def sku(value: str) -> str:
    if not SKU.fullmatch(value):
        raise ApiError(400, "invalid_sku", "a sku is 1-64 letters, digits, '.', '_' or '-'")
    if value == contract.SHIPPING_SKU:
        raise ApiError(400, "invalid_sku", "the shipping line is chosen through shipping")
    return value


def line_sku(value: str, qty: int) -> str:
    """A sku whose line may be set to `qty`: the shipping line can only be removed (qty 0),
    as the classic cart page does before the shopper picks a city again."""
    if value == contract.SHIPPING_SKU and qty == 0:
        return value
    return sku(value)


def order_id(body: dict[str, Any]) -> str:
    value = body.get("orderid")
    if not isinstance(value, str) or not contract.ORDER_ID.fullmatch(value):
        raise ApiError(400, "invalid_field", "orderid must be 1-100 letters, digits or ._:-")
    return value


def qty(value: str, minimum: int) -> int:
    """A whole quantity from `minimum` to MAX_LINE_QTY."""
    number = int(value) if QTY.fullmatch(value) else -1
    if not minimum <= number <= MAX_LINE_QTY:
        raise ApiError(
            400, "invalid_qty", f"qty must be a whole number from {minimum} to {MAX_LINE_QTY}"
        )
    return number


def _amount(body: dict[str, Any], field: str) -> Decimal:
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ApiError(400, "invalid_field", f"{field} must be a number")
    if isinstance(value, str) and not AMOUNT_TEXT.fullmatch(value):
        raise ApiError(400, "invalid_field", f"{field} must be a number")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ApiError(400, "invalid_field", f"{field} must be a number") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_SHIPPING_COST_EUR * 1000:
        raise ApiError(400, "invalid_field", f"{field} must be a positive number")
    return amount


def _check_amount(body: dict[str, Any], field: str) -> None:
    """400 unless the field is an amount `_amount` would take, for one the cart never keeps."""
    _amount(body, field)


def shipping(body: dict[str, Any]) -> tuple[str, Decimal]:
    """The location and cost of a `{distance, cost, location}` body."""
    missing = [f for f in ("distance", "cost", "location") if body.get(f) in (None, "")]
    if missing:
        raise ApiError(400, "missing_field", f"{', '.join(missing)} required")
    # The classic body's distance must be a sane number, but the line keeps only the place
    # and its cost: shipping has priced that place from its own distance already.
    _check_amount(body, "distance")
    cost = _amount(body, "cost")
    if cost > MAX_SHIPPING_COST_EUR:
        raise ApiError(400, "invalid_field", f"cost must be at most {MAX_SHIPPING_COST_EUR}")
    location = body["location"]
    if (
        not isinstance(location, str)
        or not location.strip()
        or len(location) > contract.MAX_LOCATION_CHARS
        or any(unicodedata.category(ch) == "Cc" for ch in location)
    ):
        raise ApiError(
            400,
            "invalid_field",
            f"location must be text of 1-{contract.MAX_LOCATION_CHARS} characters,"
            " no control characters",
        )
    return location.strip(), money(cost)
