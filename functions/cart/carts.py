"""Cart arithmetic: lines merged by sku, money in exact cents, 20 % VAT included.

A stored cart is `{"items": [{"sku", "name", "price", "qty"}]}` with each price a
decimal string in EUR; the public cart adds subtotals, total and tax as JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kit.contract import SHIPPING_SKU
from kit.money import included_vat, number

Cart = dict[str, Any]
Item = dict[str, Any]

MAX_LINE_QTY = 1000


class LineMissing(LookupError):
    """The cart has no line for that sku."""


class TooMany(ValueError):
    """A line would hold more than MAX_LINE_QTY."""


class BeyondStock(ValueError):
    """A line would hold more than the catalogue has in stock (`left`)."""

    def __init__(self, sku: str, left: int) -> None:
        super().__init__(sku, left)
        self.sku = sku
        self.left = left


def check_line(sku: str, qty: int, instock: int) -> None:
    """BeyondStock when a line of `qty` is more than the stock, else TooMany past the most
    of one line. A line is a wish, not a reservation: other carts may want the same units,
    and the order that takes them first gets them."""
    if qty > instock:
        raise BeyondStock(sku, instock)
    if qty > MAX_LINE_QTY:
        raise TooMany(sku)


def empty() -> Cart:
    return {"items": []}


def public(cart: Cart) -> Cart:
    """The cart as clients see it: `{total, tax, items: [{qty, sku, name, price, subtotal}]}`."""
    items = []
    total = Decimal(0)
    for item in cart["items"]:
        price = Decimal(item["price"])
        subtotal = price * item["qty"]
        total += subtotal
        items.append(
            {
                "qty": item["qty"],
                "sku": item["sku"],
                "name": item["name"],
                "price": number(price),
                "subtotal": number(subtotal),
            }
        )
    tax = included_vat(total)
    return {"total": number(total), "tax": number(tax), "items": items}


def _goods_then_shipping(items: list[Item]) -> list[Item]:
    # The shipping line stays last, where the shopper expects it.
    return [i for i in items if i["sku"] != SHIPPING_SKU] + [
        i for i in items if i["sku"] == SHIPPING_SKU
    ]


def add(cart: Cart | None, sku: str, name: str, price: Decimal, qty: int, instock: int) -> Cart:
    """One more `qty` of a product: merged into its line (price and name refreshed), if the
    line then holds no more than `instock` and MAX_LINE_QTY (check_line).

    The cart function adds with store.add, this same rule as a script inside Redis;
    this is its definition in Python, which tests/properties holds the script to."""
    items = [dict(item) for item in (cart or empty())["items"]]
    for item in items:
        if item["sku"] == sku:
            check_line(sku, item["qty"] + qty, instock)
            item.update(qty=item["qty"] + qty, name=name, price=str(price))
            break
    else:
        check_line(sku, qty, instock)
        items.append({"sku": sku, "name": name, "price": str(price), "qty": qty})
    return {"items": _goods_then_shipping(items)}


def update(cart: Cart, sku: str, qty: int) -> Cart:
    """Set a line's quantity; 0 removes the line."""
    if not any(item["sku"] == sku for item in cart["items"]):
        raise LineMissing(sku)
    items = []
    for item in cart["items"]:
        if item["sku"] != sku:
            items.append(item)
        elif qty > 0:
            items.append({**item, "qty": qty})
    return {"items": items}


def with_shipping(cart: Cart, location: str, cost: Decimal) -> Cart:
    """The cart with one shipping line, replacing any earlier one."""
    line = {"sku": SHIPPING_SKU, "name": f"shipping to {location}", "price": str(cost), "qty": 1}
    return {"items": [i for i in cart["items"] if i["sku"] != SHIPPING_SKU] + [line]}


def merge(target: Cart | None, source: Cart) -> Cart:
    """`source`'s goods added into `target`: same sku lines add up, shipping is dropped.

    The goods changed, so an earlier shipping choice no longer holds for either cart.
    """
    items = [dict(i) for i in (target or empty())["items"] if i["sku"] != SHIPPING_SKU]
    by_sku = {item["sku"]: item for item in items}
    for item in source["items"]:
        if item["sku"] == SHIPPING_SKU:
            continue
        found = by_sku.get(item["sku"])
        if found is None:
            copied = dict(item)
            items.append(copied)
            by_sku[item["sku"]] = copied
        else:
            found["qty"] = min(MAX_LINE_QTY, found["qty"] + item["qty"])
    return {"items": items}


def subtract(cart: Cart | None, ordered: dict[str, int]) -> Cart | None:
    """The cart less what was ordered; None (no cart) once no goods are left in it."""
    if cart is None:
        return None
    items = []
    for item in cart["items"]:
        left = item["qty"] - ordered.get(item["sku"], 0)
        if left > 0:
            items.append({**item, "qty": left})
    if not any(item["sku"] != SHIPPING_SKU for item in items):
        return None
    return {"items": items}
