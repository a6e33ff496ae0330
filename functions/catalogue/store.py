"""MongoDB access for the catalogue: database `catalogue`, collection `products`."""

from __future__ import annotations

from typing import Any

import pymongo
import pymongo.errors
from pymongo.collection import Collection

from kit import namespaced, stores

PUBLIC_FIELDS = {
    "_id": 0,
    "sku": 1,
    "name": 1,
    "description": 1,
    "price": 1,
    "instock": 1,
    "categories": 1,
}


def collection() -> Collection[dict[str, Any]]:
    return stores.mongo().get()[namespaced("catalogue")]["products"]


def ensure_indexes(products: Collection[dict[str, Any]]) -> None:
    """Unique sku, and the text index that search ranks by (safe to repeat)."""
    products.create_index("sku", unique=True)
    try:
        products.create_index([("name", pymongo.TEXT), ("description", pymongo.TEXT)])
    except pymongo.errors.OperationFailure:
        # nx-27017 refuses to create a text index again once documents exist (MongoDB
        # accepts the repeat); a text query that succeeds proves the index is there.
        products.find_one({"$text": {"$search": "robot"}})


def load_all() -> list[dict[str, Any]]:
    return list(collection().find({}, PUBLIC_FIELDS).sort("sku", pymongo.ASCENDING))
