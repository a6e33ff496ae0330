"""catalogue: the robots for sale (MongoDB), read on every page of the shop."""

from __future__ import annotations

import time
from typing import Any

import functions_framework
from flask import Request, Response, request

from catalogue import products
from kit import ApiError, FunctionApp, env_int, flags, stores

app = FunctionApp("catalogue", dependencies=[stores.mongo])


@app.route("/products")
def list_products() -> Response:
    return products.cached_answer(request, products.all_products())


@app.route("/product/<sku>")
def get_product(sku: str) -> dict[str, Any]:
    delay_ms = slow_down_ms(sku)
    if delay_ms > 0:
        time.sleep(delay_ms / 1000)
    product = products.by_sku(sku)
    if product is None:
        raise ApiError(404, "not_found", f"no product with sku {sku}")
    return product


def slow_down_ms(sku: str) -> int:
    """The chaos switch's delay for its one product ("*": every one), else GO_SLOW."""
    slow = flags.mapping("catalogue-slow-product", {})
    if slow.get("sku") in (sku, "*"):
        return int(slow.get("ms", 0))
    return env_int("GO_SLOW", 0)


@app.route("/products/<category>")
def list_category(category: str) -> Response:
    return products.cached_answer(request, products.in_category(category))


@app.route("/categories")
def list_categories() -> Response:
    return products.cached_answer(request, products.categories())


@app.route("/search/<text>")
def search(text: str) -> list[dict[str, Any]]:
    return products.search(text)


@functions_framework.http
def catalogue(req: Request) -> Response:
    return app(req)
