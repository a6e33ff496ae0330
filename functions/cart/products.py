"""Product facts from the catalogue function: clients never set prices.

An in-stock product's answer is kept for CART_CATALOGUE_SECONDS (default 5; 0: ask on
every add), so a shopper adding robot after robot costs the catalogue one call per
product every few seconds, and a changed price or a sell-out shows within that time.
Unknown and sold-out products are not kept: a restock shows at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

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


def _valid(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("name"), str)
        and isinstance(body.get("price"), int | float)
        and not isinstance(body.get("price"), bool)
        and body["price"] >= 0
        and isinstance(body.get("instock"), int)
    )


# sku -> (when the catalogue said so, the product)
_copies: dict[str, tuple[float, Product]] = {}


def in_stock(sku: str) -> Product:
    """The product, if the catalogue knows it and has it in stock (else 404; 503 if down)."""
    seconds = CartSettings.current().cart_catalogue_seconds
    now = time.monotonic()
    copy = _copies.get(sku)
    if copy is not None and now - copy[0] < seconds:
        return copy[1]
    product = _ask_catalogue(sku)
    if seconds > 0:
        if len(_copies) >= MAX_COPIES:
            _copies.clear()
        _copies[sku] = (now, product)
    return product


def _ask_catalogue(sku: str) -> Product:
    response = peers.call("catalogue", "GET", f"/product/{quote(sku, safe='')}", expect=(404,))
    if response.status == 404:
        raise ApiError(404, "not_found", f"no product with sku {sku}")
    body = response.data
    if not _valid(body):
        raise Unavailable("catalogue")
    if body["instock"] <= 0:
        raise ApiError(404, "out_of_stock", f"{body['name']} is out of stock")
    return Product(sku, body["name"], money(body["price"]))
