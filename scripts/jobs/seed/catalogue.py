"""Seed the catalogue: the 11 robots, upserted by sku, and the indexes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pymongo import ReplaceOne

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
    collection.bulk_write([ReplaceOne({"sku": p["sku"]}, p, upsert=True) for p in items])
    return len(items)
