"""The archive: a gzip-compressed tar of JSON-lines files, with a manifest first.

    manifest.json                 format, shop version, times, datasets, checksums
    mongodb/<db>/<collection>.jsonl   one document a line (MongoDB canonical extended JSON)
    mysql/<db>/<table>.sql        the table's CREATE TABLE statement
    mysql/<db>/<table>.jsonl      one row a line (a JSON array, columns as in the manifest)
    redis/<family>.jsonl          one key a line: type, value and the time it had left

An archive is written under a temporary name and renamed when complete, so a
backup that dies half-way never looks like a finished one. Reading checks the
whole file (gzip CRC and length, every member's size and SHA-256 against the
manifest, every line's shape and every record count) before any data is used.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# The checkout, or the seed image's /app: the backup goes into an image without the rest
# of scripts/, so it does not take this from scripts.stack.processes.
ROOT = Path(__file__).resolve().parents[3]

FORMAT = "roboshop-backup/1"
MANIFEST = "manifest.json"
NAME = re.compile(r"^roboshop-(\d{8}T\d{6}Z)\.tar\.gz$")
_SAFE_PATH = re.compile(r"^(mongodb|mysql|redis)(/[A-Za-z0-9_.-]+){1,2}\.(jsonl|sql)$")


class ArchiveError(Exception):
    """The archive can't be trusted: truncated, corrupt, tampered with or not ours."""


def shop_version() -> str:
    """ROBOSHOP_VERSION (set in the images), else `git describe` of this checkout."""
    version = os.environ.get("ROBOSHOP_VERSION")
    if version:
        return version
    try:
        described = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"


def archive_name(created: datetime.datetime) -> str:
    return f"roboshop-{created.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def archives_in(folder: Path) -> list[Path]:
    """The complete archives in `folder`, oldest first (names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if NAME.match(path.name))


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives; returns what was deleted."""
    if keep < 1:
        return []
    doomed = archives_in(folder)[:-keep]
    for path in doomed:
        path.unlink()
    return doomed


# ---- writing ----


@dataclass
class _File:
    path: str
    sha256: str
    size: int


class DatasetWriter:
    """One member file being written: lines in, size and checksum counted on the way."""

    def __init__(self, folder: Path, path: str) -> None:
        self.path = path
        self.records = 0
        self._disk = folder / path
        self._disk.parent.mkdir(parents=True, exist_ok=True)
        self._out: IO[bytes] = self._disk.open("wb")
        self._hash = hashlib.sha256()
        self._size = 0

    def line(self, text: str) -> None:
        raw = text.encode() + b"\n"
        self._out.write(raw)
        self._hash.update(raw)
        self._size += len(raw)
        self.records += 1

    def close(self) -> _File:
        self._out.close()
        return _File(self.path, self._hash.hexdigest(), self._size)


@dataclass
class ArchiveWriter:
    """Collects the member files in a scratch folder, then packs them with the manifest."""

    scratch: Path
    datasets: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, _File] = field(default_factory=dict)

    def small_file(self, path: str, text: str) -> None:
        writer = DatasetWriter(self.scratch, path)
        writer.line(text)
        self._add(writer.close())

    def dataset(self, path: str) -> DatasetWriter:
        return DatasetWriter(self.scratch, path)

    def finish_dataset(self, writer: DatasetWriter, entry: dict[str, Any]) -> None:
        self._add(writer.close())
        self.datasets.append({**entry, "file": writer.path, "records": writer.records})

    def _add(self, done: _File) -> None:
        if not _SAFE_PATH.match(done.path):
            raise ValueError(f"not a usable archive path: {done.path}")
        self.files[done.path] = done

    def pack(self, target: Path, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write the archive to `target` (atomically); returns the manifest written."""
        full = {
            **manifest,
            "format": FORMAT,
            "datasets": self.datasets,
            "files": {f.path: {"sha256": f.sha256, "bytes": f.size} for f in self.files.values()},
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        try:
            # Password hashes and e-mail addresses: for the owner's eyes only.
            partial.touch(mode=0o600)
            partial.chmod(0o600)
            with partial.open("wb") as raw:
                with (
                    gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
                    tarfile.open(fileobj=zipped, mode="w") as tar,
                ):
                    manifest_json = json.dumps(full, indent=2, sort_keys=True).encode()
                    _add_member(tar, MANIFEST, manifest_json)
                    for path in sorted(self.files):
                        tar.add(str(self.scratch / path), arcname=path, filter=_plain)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return full


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    return info


def _add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


# ---- reading ----


@dataclass
class Archive:
    """A checked archive: its manifest and the contents of every member file."""

    path: Path
    manifest: dict[str, Any]
    members: dict[str, bytes]

    def lines(self, path: str) -> list[str]:
        """The member's lines (every line ends with a newline, the last one included)."""
        return self.members[path].decode().split("\n")[:-1]

    @property
    def datasets(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.manifest["datasets"]
        return found


def read(path: Path) -> Archive:
    """Open and check an archive; ArchiveError says what is wrong with it."""
    try:
        packed = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"can't read {path}: {exc.strerror or exc}") from None
    try:
        # The whole stream at once: a missing end or a wrong CRC fails here, even
        # where tar alone would stop reading early and never notice.
        unpacked = gzip.decompress(packed)
    except (EOFError, OSError, zlib.error) as exc:
        raise ArchiveError(f"{path.name} is truncated or corrupt (gzip: {exc})") from None
    members = _members(path, unpacked)
    if MANIFEST not in members:
        raise ArchiveError(f"{path.name} has no {MANIFEST}: not a RoboShop backup")
    try:
        manifest = json.loads(members.pop(MANIFEST))
    except ValueError as exc:
        raise ArchiveError(f"{path.name}: {MANIFEST} is not valid JSON ({exc})") from None
    check_manifest(manifest)
    _check_files(manifest, members)
    return Archive(path, manifest, members)


def _members(path: Path, unpacked: bytes) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(unpacked), mode="r:") as tar:
            for info in tar:
                if not info.isfile():
                    raise ArchiveError(f"{path.name}: unexpected member {info.name!r}")
                if info.name in members:
                    raise ArchiveError(f"{path.name}: {info.name} appears twice")
                if info.name != MANIFEST and not _SAFE_PATH.match(info.name):
                    raise ArchiveError(f"{path.name}: unexpected member {info.name!r}")
                extracted = tar.extractfile(info)
                assert extracted is not None  # a regular file
                data = extracted.read()
                if len(data) != info.size:
                    raise ArchiveError(f"{path.name}: {info.name} is truncated")
                members[info.name] = data
    except tarfile.TarError as exc:
        raise ArchiveError(f"{path.name} is truncated or corrupt (tar: {exc})") from None
    return members


_DATASET_FIELDS: dict[str, dict[str, type]] = {
    "mongodb": {"database": str, "collection": str},
    "mysql": {"database": str, "table": str, "schema_file": str, "columns": list},
    "redis": {"family": str},
}


def check_manifest(manifest: Any) -> None:
    if not isinstance(manifest, dict):
        raise ArchiveError("the manifest is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise ArchiveError(
            f"unknown backup format {manifest.get('format')!r} (this version reads {FORMAT})"
        )
    for key, kind in (("created", str), ("shop_version", str), ("datasets", list)):
        if not isinstance(manifest.get(key), kind):
            raise ArchiveError(f"the manifest's {key!r} is missing or malformed")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ArchiveError("the manifest lists no files")
    for name, facts in files.items():
        if (
            not isinstance(facts, dict)
            or not isinstance(facts.get("sha256"), str)
            or not isinstance(facts.get("bytes"), int)
        ):
            raise ArchiveError(f"the manifest's entry for {name} is malformed")
    for entry in manifest["datasets"]:
        store = entry.get("store") if isinstance(entry, dict) else None
        wanted = _DATASET_FIELDS.get(str(store))
        if wanted is None:
            raise ArchiveError(f"a dataset of unknown store {store!r} in the manifest")
        for field_name, field_type in {**wanted, "file": str, "records": int}.items():
            if not isinstance(entry.get(field_name), field_type):
                raise ArchiveError(f"a {store} dataset's {field_name!r} is missing or malformed")
        for key in ("file", "schema_file"):
            if key in entry and entry[key] not in files:
                raise ArchiveError(f"{entry[key]} is named by a dataset but not listed in files")


def _check_files(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
    listed = manifest["files"]
    for name in sorted(set(listed) - set(members)):
        raise ArchiveError(f"{name} is listed in the manifest but missing: truncated archive?")
    for name in sorted(set(members) - set(listed)):
        raise ArchiveError(f"{name} is in the archive but not in the manifest")
    for name, data in members.items():
        facts = listed[name]
        if len(data) != facts["bytes"]:
            raise ArchiveError(f"{name}: {len(data)} bytes, the manifest says {facts['bytes']}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != facts["sha256"]:
            raise ArchiveError(
                f"{name}: checksum mismatch (SHA-256 {digest}, manifest says "
                f"{facts['sha256']}): the archive was altered or damaged"
            )
