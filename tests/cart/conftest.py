from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import anonymous_id, use_test_secret
from tests.support.functions import create_app
from tests.support.stub import Reply, Seen, Stub, stub_server

# What the catalogue stub knows: sku -> product, as catalogue's GET /product/{sku} answers.
PRODUCTS: dict[str, dict[str, Any]] = {
    "RMC": {"sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "instock": 100_000},
    "BIG": {"sku": "BIG", "name": "Big Robot", "price": 1000, "instock": 3},
    "HALF": {"sku": "HALF", "name": "Half Robot", "price": 234.5, "instock": 3},
    "DIME": {"sku": "DIME", "name": "Dime Robot", "price": 0.1, "instock": 99},
    "CNA": {"sku": "CNA", "name": "Cybernated Neutralization Android", "price": 1000, "instock": 0},
}


def catalogue_answer(seen: Seen) -> Reply:
    sku = seen.path.removeprefix("/product/")
    if seen.method == "GET" and sku in PRODUCTS:
        return Reply(200, PRODUCTS[sku])
    return Reply(404, {"error": "not_found", "message": f"no product with sku {sku}"})


@pytest.fixture(scope="session")
def catalogue_stub() -> Iterator[Stub]:
    with stub_server(catalogue_answer) as stub:
        yield stub


@pytest.fixture
def catalogue(catalogue_stub: Stub, monkeypatch: pytest.MonkeyPatch) -> Stub:
    """The stub, answering from PRODUCTS with nothing seen yet."""
    catalogue_stub.answer(catalogue_answer)
    catalogue_stub.seen.clear()
    monkeypatch.setenv("CATALOGUE_URL", catalogue_stub.url)
    return catalogue_stub


@pytest.fixture
def app(redis_url: str, catalogue: Stub, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    use_test_secret(monkeypatch)
    # Each test sees the catalogue's answers as they are now; test_catalogue_copies
    # turns the short-lived copies on.
    monkeypatch.setenv("CART_CATALOGUE_SECONDS", "0")
    from cart import products

    monkeypatch.setattr(products, "_copies", {})  # none kept from an earlier test
    yield create_app("cart")


@pytest.fixture
def cart_id() -> str:
    return anonymous_id()
