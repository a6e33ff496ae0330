"""MongoDB: every collection of the shop's databases, one document a line.

Documents are written as MongoDB canonical extended JSON (bson.json_util), so
ObjectIds, dates, 64-bit integers and doubles come back as the same BSON types.
The server is standalone (locally and in the cluster), so there is no snapshot
across collections: each collection is read in one pass, sorted by _id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bson import json_util
from bson.json_util import CANONICAL_JSON_OPTIONS

from kit import namespaced, stores
from scripts.jobs.backup import registry
from scripts.jobs.backup.archive import Archive, ArchiveError, ArchiveWriter

BATCH = 1000
_COLLECTION = re.compile(r"^(?!system\.)[A-Za-z0-9_-][A-Za-z0-9_.-]{0,119}$")


def _database(name: str) -> Any:
    return stores.mongo().get()[namespaced(name)]


def dump(writer: ArchiveWriter) -> None:
    for database in registry.MONGO_DATABASES:
        db = _database(database.name)
        for collection in sorted(db.list_collection_names()):
            if not _COLLECTION.match(collection):
                continue
            out = writer.dataset(f"mongodb/{database.name}/{collection}.jsonl")
            for document in db[collection].find({}).sort("_id", 1):
                out.line(json_util.dumps(document, json_options=CANONICAL_JSON_OPTIONS))
            writer.finish_dataset(
                out, {"store": "mongodb", "database": database.name, "collection": collection}
            )
            print(f"  mongodb {database.name}.{collection}: {out.records} documents", flush=True)


def _documents(archive: Archive, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(archive.lines(entry["file"]), 1):
        try:
            document = json_util.loads(line, json_options=CANONICAL_JSON_OPTIONS)
        except ValueError as exc:
            raise ArchiveError(
                f"{entry['file']} line {number}: not extended JSON ({exc})"
            ) from None
        if not isinstance(document, dict) or "_id" not in document:
            raise ArchiveError(f"{entry['file']} line {number}: not a document with an _id")
        yield document


def check(archive: Archive, entry: dict[str, Any]) -> None:
    if registry.mongo_database(entry["database"]) is None:
        raise ArchiveError(f"MongoDB database {entry['database']!r} is not one of the shop's")
    if not _COLLECTION.match(entry["collection"]):
        raise ArchiveError(f"{entry['collection']!r} is not a collection a restore may write")
    count = sum(1 for _ in _documents(archive, entry))
    if count != entry["records"]:
        raise ArchiveError(
            f"{entry['file']}: {count} documents, the manifest says {entry['records']}"
        )


def restore(archive: Archive, entries: list[dict[str, Any]]) -> None:
    """Replace each archived collection; the shop's code then makes its indexes."""
    for database in registry.MONGO_DATABASES:
        mine = [e for e in entries if e["database"] == database.name]
        if not mine:
            continue
        db = _database(database.name)
        for entry in mine:
            db.drop_collection(entry["collection"])
        database.ensure_indexes()
        for entry in mine:
            batch: list[dict[str, Any]] = []
            for document in _documents(archive, entry):
                batch.append(document)
                if len(batch) == BATCH:
                    db[entry["collection"]].insert_many(batch, ordered=True)
                    batch = []
            if batch:
                db[entry["collection"]].insert_many(batch, ordered=True)
            print(
                f"  mongodb {database.name}.{entry['collection']}: {entry['records']} documents",
                flush=True,
            )
