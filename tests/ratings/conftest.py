from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from flask import Flask

from tests.support.accounts import use_test_secret
from tests.support.functions import create_app
from tests.support.mysql import FunctionDatabase
from tests.support.stub import Reply, Seen, Stub, stub_server


def product_reply(seen: Seen) -> Reply:
    """Catalogue's `GET /product/{sku}`: every sku is known except those named `unknown...`."""
    prefix = "/product/"
    if seen.method != "GET" or not seen.path.startswith(prefix):
        return Reply(404, {"error": "not_found", "message": "no such path"})
    sku = unquote(seen.path[len(prefix) :])
    if sku.startswith("unknown"):
        return Reply(404, {"error": "not_found", "message": f"no product with sku {sku}"})
    return Reply(200, {"sku": sku, "name": sku, "price": 1, "instock": 1, "categories": []})


@pytest.fixture(scope="session")
def catalogue() -> Iterator[Stub]:
    with stub_server(product_reply) as stub:
        yield stub


@pytest.fixture
def app(
    ratings_database: FunctionDatabase,
    catalogue: Stub,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Flask:
    use_test_secret(monkeypatch)
    ratings_database.connect_as_function(monkeypatch)
    monkeypatch.setenv("CATALOGUE_URL", catalogue.url)
    catalogue.seen.clear()
    return create_app("ratings")


@pytest.fixture
def sku() -> str:
    """A sku of this test alone, so tests sharing the session's table never meet."""
    return f"robot-{uuid.uuid4().hex[:10]}"
