"""The cart as payment sees it: read from cart, every price taken again from catalogue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Request

from kit import ApiError, Unavailable, peers
from kit.contract import SHIPPING_SKU
from kit.money import included_vat, money, number


def invalid(reason: str) -> ApiError:
    return ApiError(400, "cart_not_valid", f"cart not valid: {reason}")


def hold_cart(cart_id: str, orderid: str, request: Request) -> dict[str, Any]:
    """The stored cart, held by cart for this order, read as its owner (their session
    travels with the call). 409 when the cart is held for another order already."""
    answer = peers.call(
        "cart",
        "POST",
        f"/checkout/{quote(cart_id, safe='')}",
        body={"orderid": orderid},
        expect=(401, 403, 404, 409),
        forward=request,
        # Holding the same cart again for the same order is harmless.
        retries=2,
    )
    if answer.status == 404:
        raise invalid("there is no cart")
    if not answer.ok:
        raise answer.refusal(keep=("orderid",))
    cart = answer.data
    if not isinstance(cart, dict) or not isinstance(cart.get("items"), list):
        raise Unavailable("cart")
    return cart


def release_cart(cart_id: str, orderid: str, request: Request) -> None:
    """The order did not happen: the cart may be checked out again."""
    path = f"/checkout/{quote(cart_id, safe='')}/{quote(orderid, safe='')}"
    # Someone else's cart, or one already gone, has nothing of this order's to release.
    peers.call("cart", "DELETE", path, expect=(401, 403, 404), forward=request)


def catalogue_prices() -> dict[str, dict[str, Any]]:
    """Every product by sku, in one call."""
    answer = peers.call("catalogue", "GET", "/products")
    products = answer.data
    if not isinstance(products, list):
        raise Unavailable("catalogue")
    return {p["sku"]: p for p in products if isinstance(p, dict) and "sku" in p}


def reprice(cart: dict[str, Any], products: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The cart with catalogue prices; 400 `cart not valid` unless it has items and shipping."""
    items: list[dict[str, Any]] = []
    shipping: dict[str, Any] | None = None
    for line in cart["items"]:
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            raise invalid("a line has no sku")
        qty = line.get("qty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise invalid(f"the quantity of {line['sku']} is not a positive whole number")
        if line["sku"] == SHIPPING_SKU:
            shipping = _shipping_line(line)
            continue
        product = products.get(line["sku"])
        if product is None:
            raise invalid(f"{line['sku']} is no longer sold")
        price = money(product["price"])
        items.append(
            {
                "qty": qty,
                "sku": product["sku"],
                "name": product["name"],
                "price": number(price),
                "subtotal": price * qty,
            }
        )
    if not items:
        raise invalid("it has no items")
    if shipping is None:
        raise invalid("shipping has not been chosen")
    lines = [*items, shipping]
    total = sum((line["subtotal"] for line in lines), Decimal(0))
    for line in lines:
        line["subtotal"] = number(line["subtotal"])
    return {"total": number(total), "tax": number(included_vat(total)), "items": lines}


def units(cart: dict[str, Any]) -> int:
    return sum(int(line["qty"]) for line in cart["items"] if line["sku"] != SHIPPING_SKU)


def _shipping_line(line: dict[str, Any]) -> dict[str, Any]:
    # Shipping was priced by the shipping function when the city was chosen; cart stores it.
    price = line.get("price")
    if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
        raise invalid("the shipping line has no valid price")
    cost = money(price)
    return {
        "qty": 1,
        "sku": SHIPPING_SKU,
        "name": str(line.get("name", "shipping")),
        "price": number(cost),
        "subtotal": cost,
    }
