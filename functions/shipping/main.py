"""shipping: where a robot can be shipped to, and for how much (MySQL, calls cart)."""

from __future__ import annotations

from typing import Any

import functions_framework
from flask import Request, Response, jsonify, request

from kit import FunctionApp, flags, paging, stores
from shipping import confirm, memory, places, store

app = FunctionApp("shipping", dependencies=[lambda: stores.mysql(store.database())])


@app.route("/codes")
def codes() -> list[dict[str, Any]]:
    return store.country_codes()


@app.route("/cities/<code>")
def cities(code: str) -> Response:
    """One page of cities (CITIES_PAGE_DEFAULT without `limit`)."""
    found, total, limit, offset = places.cities(code, request.args)
    return paging.describe(jsonify(found), total, limit, offset)


@app.route("/match/<code>/<text>")
def match(code: str, text: str) -> list[dict[str, Any]]:
    return places.match(code, text)


@app.route("/calc/<uuid>")
def calc(uuid: str) -> dict[str, float | int]:
    return places.quote(places.find_city(uuid))


@app.route("/confirm/<cart_id>", methods=["POST"])
def confirm_shipping(cart_id: str) -> Any:
    return confirm.confirm(cart_id, request)


@app.route("/count")
def count() -> Response:
    return jsonify(store.city_count())


@app.route("/memory")
def hold_memory() -> dict[str, int]:
    return memory.hold()


@app.route("/free")
def free_memory() -> dict[str, int]:
    return memory.free()


@functions_framework.http
def shipping(req: Request) -> Response:
    if not req.path.startswith(("/health", "/metrics")):
        memory.leak(flags.integer("shipping-memory-leak-kib", 0))
    return app(req)
