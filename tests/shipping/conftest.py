from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from scripts.seed import cities as seed_cities
from tests.support.mysql import function_user
from tests.support.stub import Reply, Seen, Stub, stub_server


@pytest.fixture(scope="session")
def shipping_user(mysql_settings: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The function's own MySQL user as the seed makes it (mysql_settings drops it)."""
    with function_user("shipping") as user:
        yield user


@pytest.fixture(scope="session")
def seeded(shipping_user: tuple[str, str]) -> int:
    """The full GeoNames load, once per test session (about 8 s here)."""
    return seed_cities.seed()


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
def app(
    seeded: int, shipping_user: tuple[str, str], cart: Stub, monkeypatch: pytest.MonkeyPatch
) -> Flask:
    user, password = shipping_user
    monkeypatch.setenv("MYSQL_USER", user)
    monkeypatch.setenv("MYSQL_PASSWORD", password)
    monkeypatch.setenv("CART_URL", cart.url)
    cart.seen.clear()
    from tests.support.functions import create_app

    return create_app("shipping")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
