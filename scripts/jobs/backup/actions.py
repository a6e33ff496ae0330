"""Making, checking and restoring archives of the whole shop's data."""

from __future__ import annotations

import datetime
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kit.stores import MongoSettings, MySQLSettings, RedisSettings
from scripts.jobs.backup import archive, keys, mongo, mysql
from scripts.jobs.backup.archive import Archive, ArchiveError, ArchiveWriter

CONSISTENCY = {
    "mysql": "one REPEATABLE READ snapshot across both databases",
    "mongodb": "each collection read in one pass (a standalone server has no snapshots)",
    "redis": "each key's value and time to live read together",
}
_CHECKS: dict[str, Callable[[Archive, dict[str, Any]], None]] = {
    "mongodb": mongo.check,
    "mysql": mysql.check,
    "redis": keys.check,
}


class BackupError(Exception):
    """The backup or restore can't go ahead; the message says why."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _sources() -> dict[str, str]:
    return {
        "mongodb": _without_credentials(MongoSettings.current().mongo_url),
        "redis": _without_credentials(RedisSettings.current().redis_url),
        "mysql": "{0.mysql_host}:{0.mysql_port}".format(MySQLSettings.current()),
    }


def create(folder: Path, keep: int = 0) -> tuple[Path, dict[str, Any]]:
    """A new archive of every store in `folder`, checked once written; then keep the
    `keep` newest (0: all). Returns its path and manifest."""
    created = _now()
    target = folder / archive.archive_name(created)
    if target.exists():
        raise BackupError(f"{target} already exists: one backup a second at most")
    folder.mkdir(parents=True, exist_ok=True)
    # The scratch files sit beside the archives: the same volume, whatever /tmp holds.
    with tempfile.TemporaryDirectory(dir=folder, prefix=".scratch-") as scratch:
        writer = ArchiveWriter(Path(scratch))
        mysql.dump(writer)
        mongo.dump(writer)
        keys.dump(writer)
        manifest = writer.pack(
            target,
            {
                "created": created.isoformat(),
                "finished": _now().isoformat(),
                "shop_version": archive.shop_version(),
                "host": socket.gethostname(),
                "sources": _sources(),
                "consistency": CONSISTENCY,
            },
        )
    verify(target)
    for path in archive.prune(folder, keep):
        print(f"  removed the old backup {path.name}", flush=True)
    return target, manifest


def verify(path: Path) -> Archive:
    """Read the archive and check every part of it; ArchiveError if anything is off."""
    found = archive.read(path)
    seen: set[tuple[str, ...]] = set()
    for entry in found.datasets:
        identity = tuple(
            str(entry.get(key)) for key in ("store", "database", "collection", "table", "family")
        )
        if identity in seen:
            raise ArchiveError(f"{path.name}: {entry['file']} is listed twice")
        seen.add(identity)
        _CHECKS[entry["store"]](found, entry)
    return found


def restore(path: Path) -> Archive:
    """Check the whole archive, then replace what it holds in the stores."""
    found = verify(path)
    print(
        f"==> {path.name} is complete and intact: made {found.manifest['created']} by RoboShop "
        f"{found.manifest['shop_version']}, {len(found.datasets)} datasets",
        flush=True,
    )
    by_store: dict[str, list[dict[str, Any]]] = {"mongodb": [], "mysql": [], "redis": []}
    for entry in found.datasets:
        by_store[entry["store"]].append(entry)
    mysql.restore(found, by_store["mysql"])
    mongo.restore(found, by_store["mongodb"])
    keys.restore(found, by_store["redis"])
    return found


def resolve(name: str, folder: Path) -> Path:
    """`latest`, a path, or an archive's name in `folder`."""
    if name == "latest":
        found = archive.archives_in(folder)
        if not found:
            raise BackupError(f"no backups in {folder}")
        return found[-1]
    path = Path(name)
    if not path.exists() and not path.is_absolute() and (folder / name).exists():
        return folder / name
    if not path.exists():
        names = ", ".join(p.name for p in archive.archives_in(folder)[-5:]) or "none"
        raise BackupError(f"no such backup: {name} (the newest in {folder}: {names})")
    return path


def default_folder() -> Path:
    state = os.environ.get("ROBOSHOP_STATE") or str(archive.ROOT / ".state")
    return Path(os.environ.get("BACKUP_DIR") or Path(state) / "backups")
