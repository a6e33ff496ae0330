"""Catalogue reads, answered from an in-process snapshot of all products.

Products change rarely and are read on every page, so each process keeps the
whole (small) catalogue in memory for CATALOGUE_CACHE_SECONDS and answers
lists, lookups and categories from it; search ranks the same copy
(catalogue.search). Stock is not in that copy: it moves with every restock
(and with orders), so each answer reads it from MongoDB as it is now (one small
query) and a cart is never told of stock that is gone. Clients get an ETag of the
whole answer, stock included, so a repeated read costs no body, and a changed
stock changes the ETag.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Request, Response

from catalogue import store
from catalogue.settings import CatalogueSettings
from kit import flags

Product = dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    products: list[Product]
    by_sku: dict[str, Product] = field(init=False)
    by_category: dict[str, list[Product]] = field(init=False)
    categories: list[str] = field(init=False)
    version: str = field(init=False)

    def __post_init__(self) -> None:
        by_category: dict[str, list[Product]] = {}
        for product in sorted(self.products, key=lambda p: p["name"]):
            for category in product.get("categories", []):
                by_category.setdefault(category, []).append(product)
        encoded = json.dumps(self.products, sort_keys=True).encode()
        object.__setattr__(self, "by_sku", {p["sku"]: p for p in self.products})
        object.__setattr__(self, "by_category", by_category)
        object.__setattr__(self, "categories", sorted(by_category))
        object.__setattr__(self, "version", hashlib.sha256(encoded).hexdigest()[:16])


_lock = threading.Lock()
_cached: tuple[float, Snapshot] | None = None


# A search page at most: beyond, one pass over every product is cheaper than a long $in.
STOCK_BY_SKU_AT_MOST = 100


def snapshot() -> Snapshot:
    """The current snapshot, reloaded from MongoDB once it is older than the TTL."""
    global _cached
    hog_cpu()
    ttl = CatalogueSettings.current().catalogue_cache_seconds
    cached = _cached
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    with _lock:
        cached = _cached
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        fresh = Snapshot(store.load_all())
        if ttl > 0:
            _cached = (time.monotonic() + ttl, fresh)
        return fresh


def stocked(found: list[Product]) -> list[Product]:
    """The products with their stock as it is now: a page of them by sku, more in one pass
    over the whole catalogue (a search page of 100 out of 10,000 was 230 ms read whole)."""
    skus = [product["sku"] for product in found]
    counts = store.stock(skus if len(skus) <= STOCK_BY_SKU_AT_MOST else None)
    return [{**product, "instock": counts.get(product["sku"], 0)} for product in found]


def all_products() -> list[Product]:
    return stocked(snapshot().products)


def by_sku(sku: str) -> Product | None:
    product = snapshot().by_sku.get(sku)
    instock = store.stock_of(sku) if product is not None else None
    # Gone since the snapshot was taken: there is no such product any more.
    return None if instock is None or product is None else {**product, "instock": instock}


def in_category(category: str) -> list[Product]:
    return stocked(snapshot().by_category.get(category, []))


def categories() -> list[str]:
    return snapshot().categories


def cached_answer(request: Request, body: Any) -> Response:
    """The JSON answer with an ETag of its bytes (stock included): 304 when the client has it."""
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(payload).hexdigest()[:16]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    else:
        response = Response(payload, content_type="application/json")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response


def hog_cpu() -> None:
    """The chaos switch `catalogue-cpu-hog`: every read spins the CPU that many ms first."""
    busy_ms = flags.integer("catalogue-cpu-hog-ms", 0)
    if busy_ms <= 0:
        return
    until = time.thread_time() + busy_ms / 1000
    while time.thread_time() < until:
        pass
