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


def text_search(words: list[str]) -> list[dict[str, Any]]:
    """Products matching any of `words` in name or description, best match first.

    One `$text` query a word, the scores added up: what MongoDB's own several-word search
    does (it ORs the terms), in a shape the local stand-in answers the same way (it finds
    nothing for several words at once)."""
    fields = dict(PUBLIC_FIELDS, score={"$meta": "textScore"})
    scores: dict[str, float] = {}
    products: dict[str, dict[str, Any]] = {}
    for word in words:
        for doc in collection().find({"$text": {"$search": word}}, fields):
            score = float(doc.pop("score", 0.0))
            scores[doc["sku"]] = scores.get(doc["sku"], 0.0) + score
            products.setdefault(doc["sku"], doc)
    ranked = sorted(products, key=lambda sku: -scores[sku])  # stable: first found first
    return [products[sku] for sku in ranked]
