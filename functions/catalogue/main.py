"""catalogue: the robots for sale (MongoDB), read on every page of the shop, and their
stock, which orders take (order.placed) and give back (order.cancelled)."""

from __future__ import annotations

import time

import functions_framework
from flask import Request, Response, jsonify, request

from catalogue import order_events, products
from catalogue import search as search_products
from catalogue.settings import CatalogueSettings
from kit import ApiError, FunctionApp, counter, events, flags, paging, stores

app = FunctionApp("catalogue", dependencies=[stores.mongo])
# The checkout funnel's first step: views -> items_added -> sold_count -> orders_dispatched.
product_views = counter("product_views", "Product pages shown to shoppers.")


@app.route("/products")
def list_products() -> Response:
    return products.cached_answer(request, products.all_products())


@app.route("/product/<sku>")
def get_product(sku: str) -> Response:
    delay_ms = slow_down_ms(sku)
    if delay_ms > 0:
        time.sleep(delay_ms / 1000)
    product = products.by_sku(sku)
    if product is None:
        raise ApiError(404, "not_found", f"no product with sku {sku}")
    if request.headers.get("X-Real-IP"):  # set by nginx: a shopper's view, not a peer's lookup
        product_views.inc()
    return products.cached_answer(request, product)


def slow_down_ms(sku: str) -> int:
    """The chaos switch's delay for its one product ("*": every one), else the knob's."""
    slow = flags.mapping("catalogue-slow-product", {})
    if slow.get("sku") in (sku, "*"):
        return int(slow.get("ms", 0))
    return CatalogueSettings.current().catalogue_delay_ms


@app.route("/products/<category>")
def list_category(category: str) -> Response:
    return products.cached_answer(request, products.in_category(category))


@app.route("/categories")
def list_categories() -> Response:
    return products.cached_answer(request, products.categories())


@app.route("/search/<text>")
def search(text: str) -> Response:
    found, total, limit, offset = search_products.search(text, request.args)
    return paging.describe(jsonify(products.stocked(found)), total, limit, offset)


events.route(app, "/events/order-placed", events.ORDER_PLACED, order_events.placed)


events.route(app, "/events/order-cancelled", events.ORDER_CANCELLED, order_events.cancelled)


@functions_framework.http
def catalogue(req: Request) -> Response:
    return app(req)
