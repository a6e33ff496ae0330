"""Redis: the shop's key families, each key with its value and the time it had left.

Every key the shop keeps is a string (carts are JSON). Keys are read in batches,
each batch in one MULTI, so a key's value and its TTL belong together. A restore
gives each key the time to live it had when the backup was made (a cart backed
up with 40 minutes left gets 40 minutes again), and replaces a family whole in
one MULTI/EXEC: its keys that the archive doesn't hold are removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import redis

from kit import namespaced, stores
from scripts.jobs.backup import registry
from scripts.jobs.backup.archive import Archive, ArchiveError, ArchiveWriter

BATCH = 500


class UnsupportedKey(Exception):
    """A key of a type the backup does not know how to keep."""


def _client() -> redis.Redis:
    client: redis.Redis = stores.redis().get()
    return client


def _keys(client: redis.Redis, family: registry.RedisFamily) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in client.scan_iter(match=family.pattern(), count=1000):
        batch.append(str(key))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def dump(writer: ArchiveWriter) -> None:
    client = _client()
    for family in registry.REDIS_FAMILIES:
        out = writer.dataset(f"redis/{family.name}.jsonl")
        strip = len(namespaced(""))
        for batch in _keys(client, family):
            with client.pipeline(transaction=True) as pipe:
                for key in batch:
                    pipe.get(key)
                    pipe.pttl(key)
                try:
                    answers = pipe.execute()
                except redis.ResponseError as exc:
                    raise UnsupportedKey(
                        f"{family.name}: {exc} (backups keep strings only)"
                    ) from exc
            for key, value, ttl in zip(batch, answers[::2], answers[1::2], strict=True):
                if value is None:
                    continue  # expired since the scan
                record = {"key": key[strip:], "value": value, "ttl_ms": ttl if ttl > 0 else None}
                out.line(json.dumps(record, separators=(",", ":"), sort_keys=True))
        writer.finish_dataset(out, {"store": "redis", "family": family.name})
        print(f"  redis {family.name}: {out.records} keys", flush=True)


def _records(archive: Archive, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    family = registry.redis_family(entry["family"])
    assert family is not None  # check() ran first
    for number, line in enumerate(archive.lines(entry["file"]), 1):
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ArchiveError(f"{entry['file']} line {number}: not JSON ({exc})") from None
        key, value, ttl = (
            record.get(k) if isinstance(record, dict) else None for k in ("key", "value", "ttl_ms")
        )
        belongs = key == family.prefix if family.exact else str(key).startswith(family.prefix)
        if not isinstance(key, str) or not belongs:
            raise ArchiveError(
                f"{entry['file']} line {number}: key {key!r} is not a {family.name} key"
            )
        if not isinstance(value, str) or not (ttl is None or (isinstance(ttl, int) and ttl > 0)):
            raise ArchiveError(f"{entry['file']} line {number}: malformed value or time to live")
        yield record


def check(archive: Archive, entry: dict[str, Any]) -> None:
    if entry["family"] in registry.RETIRED_REDIS_FAMILIES:
        return
    if registry.redis_family(entry["family"]) is None:
        raise ArchiveError(f"Redis key family {entry['family']!r} is not one of the shop's")
    count = sum(1 for _ in _records(archive, entry))
    if count != entry["records"]:
        raise ArchiveError(f"{entry['file']}: {count} keys, the manifest says {entry['records']}")


def restore(archive: Archive, entries: list[dict[str, Any]]) -> None:
    client = _client()
    for entry in entries:
        if entry["family"] in registry.RETIRED_REDIS_FAMILIES:
            print(f"  redis {entry['family']}: retired, not restored", flush=True)
            continue
        family = registry.redis_family(entry["family"])
        assert family is not None
        with client.pipeline(transaction=True) as pipe:
            for batch in _keys(client, family):
                pipe.delete(*batch)
            for record in _records(archive, entry):
                pipe.set(namespaced(record["key"]), record["value"], px=record["ttl_ms"])
            pipe.execute()
        print(f"  redis {family.name}: {entry['records']} keys", flush=True)
