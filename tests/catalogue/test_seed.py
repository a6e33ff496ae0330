from __future__ import annotations

import pymongo
import pymongo.errors
import pytest

from catalogue import store
from scripts.jobs.seed import catalogue as seed_catalogue


def snapshot() -> list[dict[str, object]]:
    return sorted(store.collection().find({}, {"_id": 0}), key=lambda p: str(p["sku"]))


def test_seed_is_idempotent(own_catalogue: str) -> None:
    before = snapshot()
    assert seed_catalogue.seed() == 11
    assert seed_catalogue.seed() == 11
    assert snapshot() == before
    assert store.collection().count_documents({}) == 11


def test_seed_holds_the_contract_prices_and_stock(own_catalogue: str) -> None:
    by_sku = {p["sku"]: p for p in snapshot()}
    assert {sku: (p["price"], p["instock"]) for sku, p in by_sku.items()} == {
        "Watson": (2001, 2),
        "Ewooid": (200, 0),
        "HPTD": (1200, 12),
        "UHJ": (5000, 10),
        "EPE": (953, 1),
        "EMM": (1024, 1),
        "SHCE": (300, 12),
        "RED": (700, 5),
        "RMC": (42, 48),
        "STAN-1": (67, 1000),
        "CNA": (1000, 0),
    }
    assert by_sku["STAN-1"]["categories"] == ["Robot", "Artificial Intelligence"]
    assert all(len(str(p["description"])) > 40 for p in by_sku.values())


def test_sku_is_unique(seeded: int) -> None:
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        store.collection().insert_one({"sku": "RMC", "name": "copy"})


def test_text_index_serves_text_queries(seeded: int) -> None:
    found = store.collection().find({"$text": {"$search": "harvesting"}}, {"_id": 0, "sku": 1})
    assert [p["sku"] for p in found] == ["UHJ"]
