from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.support.functions import create_app
from tests.support.mysql import FunctionDatabase
from tests.support.stub import Reply, Seen, Stub, stub_server


def cart_reply(seen: Seen) -> Reply:
    """Cart's `POST /shipping/{id}`: 404 for `missing`, 403 for `theirs`, else the cart."""
    cart_id = seen.path.rsplit("/", 1)[-1]
    if seen.method != "POST" or not seen.path.startswith("/shipping/"):
        return Reply(404, {"error": "not_found", "message": "no such path"})
    if cart_id == "missing":
        return Reply(404, {"error": "not_found", "message": "no cart"})
    if cart_id == "theirs":
        return Reply(403, {"error": "forbidden", "message": "not your cart"})
    line = json.loads(seen.body)
    item = {"sku": "SHIP", "name": "shipping to " + line["location"], "price": line["cost"]}
    return Reply(200, {"id": cart_id, "items": [item], "total": line["cost"]})


@pytest.fixture(scope="session")
def cart() -> Iterator[Stub]:
    with stub_server(cart_reply) as stub:
        yield stub


@pytest.fixture
def app(shipping_database: FunctionDatabase, cart: Stub, monkeypatch: pytest.MonkeyPatch) -> Flask:
    shipping_database.connect_as_function(monkeypatch)
    monkeypatch.setenv("CART_URL", cart.url)
    cart.seen.clear()
    return create_app("shipping")
