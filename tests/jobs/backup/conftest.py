"""A small shop of known data in a namespace of its own, and its record-by-record picture.

The namespace lies inside the session's DATA_NAMESPACE, so the session's clean-up
drops it, and no other suite's data is ever wiped or restored by these tests.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.settings import reload

ORDERS = ("order-ada-1", "order-ada-2", "order-bob-1")


@pytest.fixture(scope="module")
def shop(
    mongo_url: str, redis_url: str, mysql_settings: dict[str, Any], namespace: str
) -> Iterator[str]:
    """Catalogue, users with orders, votes, carts and markers, made by the shop's own code."""
    previous = os.environ["DATA_NAMESPACE"]
    own = f"{namespace}bk{uuid.uuid4().hex[:6]}_"
    os.environ["DATA_NAMESPACE"] = own
    reload()
    try:
        fill()
        yield own
    finally:
        os.environ["DATA_NAMESPACE"] = previous
        reload()


def fill() -> None:
    from cart import store as carts
    from dispatch import store as dispatch
    from kit import namespaced, stores
    from ratings import store as ratings
    from scripts.jobs.seed import catalogue, cities
    from scripts.jobs.seed import ratings as ratings_seed
    from user import store as users

    catalogue.seed()
    cities.seed(only={"lu"})
    ratings_seed.seed()
    users.ensure_indexes()
    for name in ("ada", "bob", "cyd"):
        users.insert_user(name, f"{name}@example.com", f"scrypt$not-a-real-hash-of-{name}")
    cart = {
        "total": 100.8,
        "tax": 16.8,
        "items": [
            {"qty": 2, "sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "subtotal": 84},
            {
                "qty": 1,
                "sku": "SHIP",
                "name": "shipping to Luxembourg",
                "price": 16.8,
                "subtotal": 16.8,
            },
        ],
    }
    for orderid in ORDERS:
        users.record_placed(orderid, orderid.split("-")[1], cart, most=10)
    users.record_status("order-ada-1", "ada", users.DISPATCHED)
    dispatch.mark_dispatched("order-ada-1")
    for sku, voter, score in (
        ("RMC", "a", 5),
        ("RMC", "b", 2),
        ("STAN-1", "a", 4),
        ("EPE", "c", 1),
    ):
        ballot = ratings.Ballot(voter * 64, "c" * 64, datetime.date(2026, 3, 1))
        ratings.vote(sku, ballot, score, cap=10)

    def keep_cart(current: list[Any]) -> list[Any]:
        return [cart]

    for cart_id in ("anonymous-4f1c9e2b7d", "ada"):
        carts.change([cart_id], keep_cart)
    redis = stores.redis().get()
    redis.set(namespaced("payment:idempotency:abc123"), '{"status": 200}', ex=86400)


Picture = dict[str, Any]


def picture() -> Picture:
    """Every record the shop holds in the current namespace, in a comparable form."""
    from kit import namespaced, stores
    from scripts.jobs.backup import registry
    from scripts.jobs.seed import _mysql

    found: Picture = {}
    client = stores.mongo().get()
    for database in registry.MONGO_DATABASES:
        db = client[namespaced(database.name)]
        for name in sorted(db.list_collection_names()):
            found[f"mongodb {database.name}.{name}"] = list(db[name].find({}).sort("_id", 1))
    with _mysql.admin() as conn, conn.cursor() as cursor:
        for logical in registry.MYSQL_DATABASES:
            cursor.execute("SHOW DATABASES LIKE %s", (namespaced(logical),))
            if cursor.fetchone() is None:
                continue
            cursor.execute(
                "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = %s",
                (namespaced(logical),),
            )
            for table in sorted(row["t"] for row in cursor.fetchall()):
                cursor.execute(f"SELECT * FROM `{namespaced(logical)}`.`{table}`")
                rows = sorted(cursor.fetchall(), key=lambda row: sorted(map(str, row.values())))
                found[f"mysql {logical}.{table}"] = rows
    redis = stores.redis().get()
    for key in sorted(redis.scan_iter(match=namespaced("*"))):
        found[f"redis {key}"] = (redis.get(key), redis.pttl(key))
    return found


def without_ttls(found: Picture) -> Picture:
    return {k: (v[0] if k.startswith("redis ") else v) for k, v in found.items()}


def wipe() -> None:
    """Drop everything the shop holds in the current namespace (and only there)."""
    from kit import namespaced, stores
    from scripts.jobs.backup import registry
    from scripts.jobs.seed import _mysql

    namespace = namespaced("")
    assert namespace, "never wipe without a namespace: that would be the shared stores' data"
    client = stores.mongo().get()
    for database in registry.MONGO_DATABASES:
        client.drop_database(namespaced(database.name))
    with _mysql.admin() as conn, conn.cursor() as cursor:
        for logical in registry.MYSQL_DATABASES:
            cursor.execute(f"DROP DATABASE IF EXISTS `{namespaced(logical)}`")
    redis = stores.redis().get()
    keys = list(redis.scan_iter(match=namespace + "*"))
    if keys:
        redis.delete(*keys)
