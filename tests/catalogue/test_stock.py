"""Stock is the catalogue's own and read live: a restock shows at once, whatever the snapshot
of the other fields, it changes every answer's ETag, and a re-seed keeps it."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from catalogue import products, store
from scripts.jobs.seed import catalogue as seed_catalogue
from tests.support.settings import restart_with


@pytest.fixture
def cached(own_catalogue: str, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """The catalogue keeping its snapshot for minutes, as it does in production."""
    restart_with(monkeypatch, CATALOGUE_CACHE_SECONDS="300")
    monkeypatch.setattr(products, "_cached", None)
    return client


def stock_in(answer: Any, sku: str) -> int:
    found = [p["instock"] for p in answer.get_json() if p["sku"] == sku]
    assert len(found) == 1, answer.get_json()
    return int(found[0])


def test_a_restock_shows_at_once_in_every_answer(cached: FlaskClient) -> None:
    assert cached.get("/product/RMC").get_json()["instock"] == 48
    assert stock_in(cached.get("/products"), "RMC") == 48  # the snapshot is taken now
    assert store.set_stock("RMC", 7)
    assert cached.get("/product/RMC").get_json()["instock"] == 7
    assert stock_in(cached.get("/products"), "RMC") == 7
    assert stock_in(cached.get("/products/Robot"), "RMC") == 7
    assert stock_in(cached.get("/search/mining"), "RMC") == 7
    assert store.set_stock("RMC", 0)
    assert cached.get("/product/RMC").get_json()["instock"] == 0


@pytest.mark.parametrize("path", ["/product/EPE", "/products", "/products/Robot"])
def test_a_changed_stock_changes_the_etag(cached: FlaskClient, path: str) -> None:
    first = cached.get(path)
    etag = first.headers["ETag"]
    assert cached.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert store.set_stock("EPE", 5)
    changed = cached.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "5" in changed.get_data(as_text=True)
    assert cached.get(path, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_a_product_removed_after_the_snapshot_is_gone(cached: FlaskClient) -> None:
    assert cached.get("/product/UHJ").status_code == 200
    store.collection().delete_one({"sku": "UHJ"})
    assert cached.get("/product/UHJ").status_code == 404


def test_a_reseed_keeps_the_stock_and_restores_the_rest(own_catalogue: str) -> None:
    assert store.set_stock("RMC", 3)
    store.collection().update_one({"sku": "RMC"}, {"$set": {"name": "Renamed", "price": 1}})
    store.collection().delete_one({"sku": "EPE"})
    assert seed_catalogue.seed() == 11
    rmc = store.collection().find_one({"sku": "RMC"}, {"_id": 0})
    assert rmc is not None
    assert (rmc["name"], rmc["price"], rmc["instock"]) == ("Robotic Mining Cyborg", 42, 3)
    assert store.stock_of("EPE") == 1  # a new product starts with the file's stock
    assert store.collection().count_documents({}) == 11


def test_stock_of_every_product_and_an_unknown_one(own_catalogue: str) -> None:
    assert store.stock()["STAN-1"] == 1000
    assert store.stock()["CNA"] == 0
    assert store.stock_of("NOPE") is None
    assert not store.set_stock("NOPE", 1)
