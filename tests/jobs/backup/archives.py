"""Rewriting an archive as an attacker or a failing disk would."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Members = dict[str, bytes]


def members(path: Path) -> Members:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: _read(tar, m) for m in tar if m.isfile()}


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    file = tar.extractfile(member)
    assert file is not None, f"{member.name} is not a regular file"
    return file.read()


def manifest(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(members(path)["manifest.json"])
    return found


def write(path: Path, contents: Members) -> Path:
    """An archive of `contents`, manifest first, as the backup writes them."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name in sorted(contents, key=lambda n: (n != "manifest.json", n)):
            info = tarfile.TarInfo(name)
            info.size = len(contents[name])
            tar.addfile(info, io.BytesIO(contents[name]))
    path.write_bytes(gzip.compress(raw.getvalue()))
    return path


def rewritten(
    source: Path, target: Path, change: Callable[[Members, dict[str, Any]], None], reseal: bool
) -> Path:
    """A copy of `source` after `change(members, manifest)`; with `reseal`, the manifest's
    checksums and sizes are made to match the changed files (a careful forger)."""
    contents = members(source)
    listed = json.loads(contents.pop("manifest.json"))
    change(contents, listed)
    if reseal:
        for name, data in contents.items():
            listed["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    contents["manifest.json"] = json.dumps(listed).encode()
    return write(target, contents)
