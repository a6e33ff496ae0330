"""Product facts from the catalogue function: clients never set prices or stock.

An in-stock product's answer is kept for CART_CATALOGUE_SECONDS (default 5; 0: ask on
every add), so a shopper adding robot after robot costs the catalogue one call per
product every few seconds, and a changed price shows within that time. Unknown and
sold-out products are not kept, and a line the kept stock refuses is asked about again
(`within_stock`): a restock shows at once, and a refusal always names the stock as the
catalogue has it now. A line the kept copy allows may be up to that many seconds late
on a sale; a line is a wish, and the order's reservation is what takes the units.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from cart.carts import BeyondStock
from cart.settings import CartSettings
from kit import ApiError, Unavailable, peers
from kit.money import money

# Enough for a large catalogue's every product; past it the copies start again from none.
MAX_COPIES = 4096


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    instock: int


def _valid(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("name"), str)
        and isinstance(body.get("price"), int | float)
        and not isinstance(body.get("price"), bool)
        and body["price"] >= 0
        and isinstance(body.get("instock"), int)
        and not isinstance(body.get("instock"), bool)
    )


# sku -> (when the catalogue said so, the product)
_copies: dict[str, tuple[float, Product]] = {}
T = TypeVar("T")


def within_stock(sku: str, attempt: Callable[[Product], T]) -> T:
    """What `attempt` makes of the product (404 unknown, 503 catalogue down). When it
    refuses a line beyond the stock (BeyondStock) of a kept copy, the catalogue is asked
    again and `attempt` runs once more; beyond the catalogue's own answer it is 409
    `out_of_stock`, with the units `left`."""
    product, kept = _product(sku)
    if kept:
        try:
            return attempt(product)
        except BeyondStock:
            product = _asked(sku)
    try:
        return attempt(product)
    except BeyondStock as beyond:
        raise out_of_stock(product.name, beyond.left) from None


def out_of_stock(name: str, left: int) -> ApiError:
    message = f"{name} is out of stock" if left <= 0 else f"only {left} of {name} in stock"
    return ApiError(409, "out_of_stock", message, fields={"left": max(left, 0)})


def _product(sku: str) -> tuple[Product, bool]:
    """The product and whether it is a kept copy."""
    seconds = CartSettings.current().cart_catalogue_seconds
    copy = _copies.get(sku)
    if copy is not None and time.monotonic() - copy[0] < seconds:
        return copy[1], True
    return _asked(sku), False


def _asked(sku: str) -> Product:
    """The catalogue's answer now, kept for a while if the product is in stock."""
    now = time.monotonic()
    product = _ask_catalogue(sku)
    if CartSettings.current().cart_catalogue_seconds > 0 and product.instock > 0:
        if len(_copies) >= MAX_COPIES:
            _copies.clear()
        _copies[sku] = (now, product)
    else:
        _copies.pop(sku, None)
    return product


def _ask_catalogue(sku: str) -> Product:
    response = peers.call("catalogue", "GET", f"/product/{quote(sku, safe='')}", expect=(404,))
    if response.status == 404:
        raise ApiError(404, "not_found", f"no product with sku {sku}")
    body = response.data
    if not _valid(body):
        raise Unavailable("catalogue")
    return Product(sku, body["name"], money(body["price"]), max(body["instock"], 0))
