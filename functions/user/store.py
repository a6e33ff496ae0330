"""MongoDB access for users and their orders: database `users`.

Collections: `users` (unique `name`) and `orders`, one document per order
(unique `orderid`), never an array inside the user: nx-27017 can't push
subdocuments, and unbounded arrays are MongoDB's own anti-pattern.

Orders are written by upserts keyed by `orderid` so that the event consumers
are idempotent and order-independent: a redelivered `placed` changes nothing,
and a `dispatched` that arrives before its `placed` is kept and never turned
back into `placed`.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pymongo
import pymongo.errors
from pymongo.collection import Collection

from kit import namespaced, stores

PLACED = "placed"
DISPATCHED = "dispatched"

_indexed: set[str] = set()
_index_lock = threading.Lock()


class OrderConflict(Exception):
    """The order id is already taken by another user's order."""


def _database() -> Any:
    return stores.mongo().get()[namespaced("users")]


def _ready(collection: Collection[dict[str, Any]]) -> Collection[dict[str, Any]]:
    # Indexes are made on first use per process (and by the seed), so a fresh
    # database refuses duplicate names from its very first registration.
    database = collection.database.name
    if database not in _indexed:
        with _index_lock:
            if database not in _indexed:
                ensure_indexes()
                _indexed.add(database)
    return collection


def ensure_indexes() -> None:
    """Unique user names and order ids, and orders by user (safe to repeat)."""
    database = _database()
    database["users"].create_index("name", unique=True)
    database["orders"].create_index("orderid", unique=True)
    database["orders"].create_index([("user", pymongo.ASCENDING), ("created", pymongo.ASCENDING)])


def users() -> Collection[dict[str, Any]]:
    return _ready(_database()["users"])


def orders() -> Collection[dict[str, Any]]:
    return _ready(_database()["orders"])


def insert_user(name: str, email: str, password_hash: str) -> bool:
    """Store a new user; False when the name is taken (the unique index decides)."""
    try:
        users().insert_one({"name": name, "email": email, "password_hash": password_hash})
    except pymongo.errors.DuplicateKeyError:
        return False
    return True


def find_user(name: str) -> dict[str, Any] | None:
    """The stored user, hash included: for checking a login, never for answering."""
    return users().find_one({"name": name}, {"_id": 0})


def set_password_hash(name: str, password_hash: str) -> None:
    users().update_one({"name": name}, {"$set": {"password_hash": password_hash}})


def user_exists(name: str) -> bool:
    return users().count_documents({"name": name}, limit=1) > 0


def list_users() -> list[dict[str, Any]]:
    """Every user's public fields: name and email."""
    found = users().find({}, {"_id": 0, "name": 1, "email": 1}).sort("name", pymongo.ASCENDING)
    return [{"name": doc["name"], "email": doc.get("email", "")} for doc in found]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _upsert_order(orderid: str, user: str, update: dict[str, Any]) -> None:
    """Upsert keyed by (orderid, user): an orderid held by another user is a conflict."""
    update.setdefault("$setOnInsert", {})["created"] = _now()
    try:
        orders().update_one({"orderid": orderid, "user": user}, update, upsert=True)
    except pymongo.errors.DuplicateKeyError:
        raise OrderConflict(orderid) from None


def record_placed(orderid: str, user: str, cart: dict[str, Any]) -> None:
    """The order exists with its cart; its status starts at placed, never overriding dispatched."""
    _upsert_order(orderid, user, {"$set": {"cart": cart}, "$setOnInsert": {"status": PLACED}})


def record_dispatched(orderid: str, user: str) -> None:
    """The order is dispatched, whether or not its placed event has arrived yet."""
    _upsert_order(orderid, user, {"$set": {"status": DISPATCHED}})


def history(user: str) -> list[dict[str, Any]]:
    """The user's orders, oldest first, as `{orderid, cart, status}`.

    An order whose dispatched event came before its placed one has no cart yet
    and is left out until it does.
    """
    found = orders().find({"user": user}, {"_id": 0}).sort([("created", 1), ("orderid", 1)])
    return [
        {"orderid": doc["orderid"], "cart": doc["cart"], "status": doc.get("status", PLACED)}
        for doc in found
        if "cart" in doc
    ]
