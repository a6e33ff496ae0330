"""Product facts from the catalogue function, asked on every add: clients never set prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from kit import ApiError, Unavailable, peers
from kit.money import money


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


def in_stock(sku: str) -> Product:
    """The product, if the catalogue knows it and has it in stock (else 404; 503 if down)."""
    response = peers.call("catalogue", "GET", f"/product/{quote(sku, safe='')}")
    if response.status == 404:
        raise ApiError(404, "not_found", f"no product with sku {sku}")
    if not response.ok:
        raise Unavailable("catalogue")
    try:
        body = response.json()
    except ValueError:
        raise Unavailable("catalogue") from None
    if not _valid(body):
        raise Unavailable("catalogue")
    if body["instock"] <= 0:
        raise ApiError(404, "out_of_stock", f"{body['name']} is out of stock")
    return Product(sku, body["name"], money(body["price"]))
