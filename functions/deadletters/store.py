"""MongoDB access for dead letters: database `deadletters`, collection `letters`.

One flat document per (event, destination): the event itself as a JSON string (its
attributes and its data in base64, byte for byte as it was delivered), where it was
going, why it failed, and whether it was replayed. Parking the same event for the
same destination again updates that one document and bumps its `version`, which a
replay compares before it marks the letter replayed: a replay that was refused
again is never marked done. Writes wait for the journal of a majority.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pymongo
from pymongo.collection import Collection
from pymongo.write_concern import WriteConcern

from kit import namespaced, stores

PARKED = "parked"
REPLAYED = "replayed"
_DURABLE = WriteConcern(w="majority", j=True)
_indexed: set[str] = set()
_index_lock = threading.Lock()


def letters() -> Collection[dict[str, Any]]:
    database = stores.mongo().get()[namespaced("deadletters")]
    collection = database.get_collection("letters", write_concern=_DURABLE)
    if database.name not in _indexed:
        with _index_lock:
            if database.name not in _indexed:
                collection.create_index(
                    [("status", pymongo.ASCENDING), ("last_parked", pymongo.ASCENDING)]
                )
                _indexed.add(database.name)
    return collection


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def park(key: str, fields: dict[str, Any]) -> None:
    """Keep (or refresh) a dead letter; it is parked, whatever it was before."""
    now = _now()
    letters().update_one(
        {"_id": key},
        {
            "$set": {**fields, "status": PARKED, "last_parked": now},
            "$setOnInsert": {"first_parked": now},
            "$inc": {"times": 1, "version": 1},
        },
        upsert=True,
    )


def find(key: str) -> dict[str, Any] | None:
    return letters().find_one({"_id": key})


def listing(status: str | None, limit: int) -> list[dict[str, Any]]:
    query = {} if status is None else {"status": status}
    return list(letters().find(query).sort("last_parked", pymongo.ASCENDING).limit(limit))


def mark_replayed(key: str, version: int) -> bool:
    """Replayed, unless it was parked again since `version` was read."""
    done = letters().update_one(
        {"_id": key, "version": version, "status": PARKED},
        {"$set": {"status": REPLAYED, "replayed_at": _now()}},
    )
    return done.modified_count == 1


def note_failed_replay(key: str, outcome: str) -> None:
    letters().update_one(
        {"_id": key}, {"$set": {"last_replay_at": _now(), "last_replay_outcome": outcome}}
    )


def discard(key: str) -> bool:
    return letters().delete_one({"_id": key}).deleted_count == 1
