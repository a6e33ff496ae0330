"""MongoDB access for users and their orders: database `users`.

Collections: `users` (unique `name`, and unique `name_key`: the name lower-cased, so
that `STAN` can't be registered beside `stan`) and `orders`, one document per order
(unique `orderid`), never an array inside the user: nx-27017 can't push
subdocuments, and unbounded arrays are MongoDB's own anti-pattern.

Users stored before `name_key` existed get theirs when the indexes are made (the seed
step, and each process's first use): `add_name_keys`. Two such users whose names differ
only in case can't both have the key; the later one is left without it, logged, and still
logs in by its exact name (`find_user` looks for that before the key). The
key's index is partial (documents with a string key only), as MongoDB needs it to be for
those; nx-27017 ignores the filter, and its unique indexes let missing keys repeat anyway.

Only the order events write orders, by upserts keyed by `orderid`, so that
each consumer is idempotent and order-independent. An order's status only moves
forward (placed, then paid or cancelled, then dispatched; cancelled and
dispatched are final): each transition is one conditional update that matches
only the states it may follow, so a redelivered or late event changes nothing.
A transition that arrives before its `placed` is kept, and the order is listed
(`listed`) once `placed` brings its cart.

Times: `created` (a datetime, written on insert only) is when the shop first heard
of the order, which is its `placed` time; `updated` is an ISO 8601 string, since
nx-27017 stores a datetime `$set` on an existing document as text.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pymongo
import pymongo.errors
from pymongo.collection import Collection

from kit import Unavailable, get_logger, namespaced, stores

PLACED = "placed"
PAID = "paid"
CANCELLED = "cancelled"
DISPATCHED = "dispatched"

# What each status may follow. Cancelled and dispatched follow nothing but these and
# are followed by nothing, so an order ends in exactly one of them.
_AFTER = {
    PAID: (PLACED,),
    CANCELLED: (PLACED, PAID),
    DISPATCHED: (PLACED, PAID),
}
# An upsert that loses a race with another insert of the same order is tried again.
_ATTEMPTS = 3

_log = get_logger("user.store")

_indexed: set[str] = set()
_index_lock = threading.Lock()


class OrderConflict(Exception):
    """The order id is already taken by another user's order."""


class TooManyOrders(Exception):
    """The user's history holds as many orders as it may."""


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
    """Unique user names (whatever their case) and order ids, and orders by user (safe to
    repeat); users stored without a name key get theirs."""
    database = _database()
    database["users"].create_index("name", unique=True)
    database["users"].create_index(
        "name_key", unique=True, partialFilterExpression={"name_key": {"$type": "string"}}
    )
    add_name_keys(database["users"])
    database["orders"].create_index("orderid", unique=True)
    database["orders"].create_index([("user", pymongo.ASCENDING), ("created", pymongo.ASCENDING)])


def name_key(name: str) -> str:
    """What makes two names the same name: their case does not."""
    return name.lower()


def add_name_keys(collection: Collection[dict[str, Any]]) -> int:
    """Give each user stored without a name key theirs; how many got one."""
    added = 0
    for doc in collection.find({"name_key": {"$exists": False}}, {"_id": 0, "name": 1}):
        name = str(doc["name"])
        try:
            collection.update_one(
                {"name": name, "name_key": {"$exists": False}},
                {"$set": {"name_key": name_key(name)}},
            )
        except pymongo.errors.DuplicateKeyError:
            # Registered before names were compared without case: kept, reached by exact name.
            _log.warning("user %s shares its name key with another user: left without", name)
            continue
        added += 1
    return added


def _by_name(name: str) -> dict[str, Any]:
    # By key; a user left without one (add_name_keys) by its exact name.
    return {"$or": [{"name_key": name_key(name)}, {"name": name, "name_key": {"$exists": False}}]}


def users() -> Collection[dict[str, Any]]:
    return _ready(_database()["users"])


def orders() -> Collection[dict[str, Any]]:
    return _ready(_database()["orders"])


def insert_user(name: str, email: str, password_hash: str, demo: bool = False) -> bool:
    """Store a new user; False when the name is taken in any case (the unique indexes
    decide). `demo`: one of the seeded accounts whose password is published."""
    user: dict[str, Any] = {
        "name": name,
        "name_key": name_key(name),
        "email": email,
        "password_hash": password_hash,
    }
    if demo:
        user["demo"] = True
    try:
        users().insert_one(user)
    except pymongo.errors.DuplicateKeyError:
        return False
    return True


def find_user(name: str) -> dict[str, Any] | None:
    """The stored user of that name in any case, hash included: for checking a login, never
    for answering. The exact name first: a user left without a key (add_name_keys) is
    theirs, not the keyed user's whose name differs in case."""
    exact = users().find_one({"name": name}, {"_id": 0})
    if exact is not None:
        return exact
    return users().find_one({"name_key": name_key(name)}, {"_id": 0})


def set_password_hash(name: str, password_hash: str) -> None:
    """`name` as stored (the user's own case)."""
    users().update_one({"name": name}, {"$set": {"password_hash": password_hash}})


def user_exists(name: str) -> bool:
    """Whether the name is taken, in any case."""
    return users().count_documents(_by_name(name), limit=1) > 0


def list_users() -> list[dict[str, Any]]:
    """Every user's public fields: name and email."""
    found = users().find({}, {"_id": 0, "name": 1, "email": 1}).sort("name", pymongo.ASCENDING)
    return [{"name": doc["name"], "email": doc.get("email", "")} for doc in found]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def iso(moment: datetime.datetime) -> str:
    """ISO 8601 UTC to the millisecond: text that sorts as the times do."""
    utc = moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment
    return utc.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _owner_of(orderid: str) -> dict[str, Any] | None:
    return orders().find_one({"orderid": orderid}, {"_id": 0, "user": 1, "status": 1})


def _upsert(
    orderid: str, user: str, follows: tuple[str, ...] | None, update: dict[str, Any]
) -> bool:
    """Apply `update` to the user's order if its status `follows` one of these (None: any),
    inserting the order when it is not stored yet; True when it was applied. An orderid
    held by another user is a conflict; an order in a later state is left as it is."""
    update.setdefault("$setOnInsert", {})["created"] = _now()
    match = {} if follows is None else {"status": {"$in": list(follows)}}
    for _ in range(_ATTEMPTS):
        try:
            orders().update_one({"orderid": orderid, "user": user, **match}, update, upsert=True)
        except pymongo.errors.DuplicateKeyError:
            # Stored already: by this event's earlier delivery, a later event or another
            # user; or inserted a moment ago by a concurrent event, which a retry matches.
            stored = _owner_of(orderid)
            if stored is not None and stored["user"] != user:
                raise OrderConflict(orderid) from None
            if stored is not None and follows is not None and stored["status"] not in follows:
                return False
            continue
        return True
    # Still racing: the broker delivers the event again (503), so nothing is lost.
    raise Unavailable("mongodb")


def record_placed(orderid: str, user: str, cart: dict[str, Any], most: int) -> None:
    """The order is listed with its cart; its status starts at placed unless a later event
    came first. TooManyOrders when the user has `most` orders listed already."""
    if not _listed(orderid) and listed_count(user) >= most:
        raise TooManyOrders(user)
    now = iso(_now())
    _upsert(
        orderid,
        user,
        None,
        {
            "$set": {"cart": cart, "listed": True},
            "$setOnInsert": {"status": PLACED, "updated": now},
        },
    )


def record_status(orderid: str, user: str, status: str, reason: str | None = None) -> bool:
    """Move the order on to `status` if it may follow the stored one (or the order is not
    stored yet); True when it moved. A repeated or out-of-date event changes nothing."""
    changes: dict[str, Any] = {"status": status, "updated": iso(_now())}
    if reason is not None:
        changes["reason"] = reason
    update = {"$set": changes, "$setOnInsert": {"listed": False}}
    return _upsert(orderid, user, _AFTER[status], update)


def _listed(orderid: str) -> bool:
    return orders().count_documents({"orderid": orderid, "listed": True}, limit=1) > 0


def _listed_of(user: str) -> dict[str, Any]:
    # Orders stored before `listed` existed have a cart and no flag: $ne lists them.
    return {"user": user, "listed": {"$ne": False}}


def listed_count(user: str) -> int:
    return orders().count_documents(_listed_of(user))


def recorded(orderid: str, user: str) -> bool:
    """Whether the user's history lists the order."""
    return orders().count_documents({**_listed_of(user), "orderid": orderid}, limit=1) > 0


def history(user: str, limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the user's listed orders as stored, newest first."""
    found = (
        orders()
        .find(_listed_of(user), {"_id": 0})
        .sort([("created", pymongo.DESCENDING), ("orderid", pymongo.DESCENDING)])
        .skip(offset)
        .limit(limit)
    )
    return list(found)
