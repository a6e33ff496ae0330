"""Seed the catalogue: the 11 robots, upserted by sku, and the indexes.

A product already there keeps its stock: the file's `instock` is only a new product's
first stock, so a re-seed (a release's seed Job, `make run`) never undoes a restock or
the units sold since.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pymongo import UpdateOne

from catalogue import store

PRODUCTS_FILE = Path(__file__).with_name("products.json")


def products() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(PRODUCTS_FILE.read_text())
    return loaded


def seed() -> int:
    """Create the indexes and put every seed product in place; returns how many."""
    collection = store.collection()
    store.ensure_indexes(collection)
    items = products()
    collection.bulk_write([_upsert(p) for p in items])
    return len(items)


def _upsert(product: dict[str, Any]) -> UpdateOne:
    described = {k: v for k, v in product.items() if k != "instock"}
    return UpdateOne(
        {"sku": product["sku"]},
        {"$set": described, "$setOnInsert": {"instock": product["instock"]}},
        upsert=True,
    )
