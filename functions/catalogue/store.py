"""MongoDB access for the catalogue: database `catalogue`, collection `products`.

A product's `instock` is the catalogue's own: the operator's restock sets it (`make stock`),
and it is read live on every answer, never from the snapshot of the other fields.
"""

from __future__ import annotations

from typing import Any

import pymongo
import pymongo.errors
from pymongo.collection import Collection

from kit import namespaced, stores

# What the snapshot keeps: every public field but the stock.
DESCRIBED_FIELDS = {
    "_id": 0,
    "sku": 1,
    "name": 1,
    "description": 1,
    "price": 1,
    "categories": 1,
}
STOCK_FIELDS = {"_id": 0, "sku": 1, "instock": 1}


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
    """Every product without its stock (what changes only with a re-seed)."""
    return list(collection().find({}, DESCRIBED_FIELDS).sort("sku", pymongo.ASCENDING))


def _count(document: dict[str, Any]) -> int:
    # A product stored without a whole, positive count has none to sell.
    value = document.get("instock")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def stock(skus: list[str] | None = None) -> dict[str, int]:
    """Every product's stock as it is now, or only these products' (a page of them)."""
    query = {} if skus is None else {"sku": {"$in": skus}}
    return {doc["sku"]: _count(doc) for doc in collection().find(query, STOCK_FIELDS)}


def stock_of(sku: str) -> int | None:
    """One product's stock as it is now; None when there is no such product."""
    found = collection().find_one({"sku": sku}, STOCK_FIELDS)
    return None if found is None else _count(found)


def set_stock(sku: str, instock: int) -> bool:
    """The operator's restock: the product's stock is `instock`; False for an unknown sku."""
    return collection().update_one({"sku": sku}, {"$set": {"instock": instock}}).matched_count > 0
