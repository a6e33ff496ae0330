"""Chaos switches: OpenFeature flags read from a file in flagd's format, switched at runtime.

FLAGS_FILE (default /etc/roboshop/flags/flags.json, where the cluster mounts the
`roboshop-flags` ConfigMap; `make run` points it at .state/flags.json) holds
`{"flags": {"<key>": {"state", "variants", "defaultVariant"}}}`. A flag's value is its
default variant's; a DISABLED flag, or one the file lacks, gives the caller's default -
which is where the environment's fault knobs (CATALOGUE_DELAY_MS, DISPATCH_ERROR_PERCENT, ...) come
in. flagd's `targeting` rules are not evaluated.

The file is looked at no more than twice a second and read again when it changes (a
ConfigMap update swaps it under the mount), so a switch needs no restart and no new
revision. The OpenFeature SDK is imported only once the file exists: a function without
one pays nothing for the flags. The SDK's in-memory provider serves the values; flagd's
own provider would watch the file too, but brings in grpc (scripts/bench/flags.py
measures both).
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, TypeVar

from kit._config import KitSettings
from kit._logs import get_logger

CHECK_EVERY_SECONDS = 0.5
_DOMAIN = "roboshop-chaos"

T = TypeVar("T")
log = get_logger("flags")


class _Flags:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = -1.0
        self._seen: tuple[float, int, int] | None = None
        self._client: Any = None

    def client(self) -> Any:
        """The OpenFeature client for the current file, or None while there is none."""
        now = time.monotonic()
        if now - self._checked_at >= CHECK_EVERY_SECONDS:
            with self._lock:
                if now - self._checked_at >= CHECK_EVERY_SECONDS:
                    self._checked_at = now
                    self._refresh(KitSettings.current().flags_file)
        return self._client

    def _refresh(self, path: str) -> None:
        try:
            stat = os.stat(path)
        except OSError:
            self._seen, self._client = None, None
            return
        seen = (stat.st_mtime, stat.st_size, stat.st_ino)
        if seen == self._seen:
            return
        try:
            with open(path, encoding="utf-8") as file:
                document = json.load(file)
            flags = _in_memory_flags(document)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            # A half-written or broken file keeps the flags as they were: say so, once.
            log.warning("flags file %s not read: %r", path, exc)
            self._seen = seen
            return
        from openfeature import api
        from openfeature.provider.in_memory_provider import InMemoryProvider

        api.set_provider(InMemoryProvider(flags), domain=_DOMAIN)
        self._client = api.get_client(_DOMAIN)
        self._seen = seen
        log.info("flags from %s: %s", path, _summary(flags))


def _in_memory_flags(document: Any) -> dict[str, Any]:
    from openfeature.provider.in_memory_provider import InMemoryFlag

    flags = {}
    for key, flag in dict(document["flags"]).items():
        if flag.get("state", "ENABLED") != "ENABLED":
            continue
        variants = dict(flag["variants"])
        default = str(flag["defaultVariant"])
        if default not in variants:
            raise KeyError(f"{key}: defaultVariant {default} is not one of its variants")
        flags[str(key)] = InMemoryFlag(default_variant=default, variants=variants)
    return flags


def _summary(flags: dict[str, Any]) -> str:
    on = [f"{key}={flag.default_variant}" for key, flag in sorted(flags.items())]
    return ", ".join(on) or "none"


_flags = _Flags()


def integer(key: str, default: int) -> int:
    client = _flags.client()
    return default if client is None else int(client.get_integer_value(key, default))


def boolean(key: str, default: bool = False) -> bool:
    client = _flags.client()
    return default if client is None else bool(client.get_boolean_value(key, default))


def mapping(key: str, default: dict[str, Any]) -> dict[str, Any]:
    client = _flags.client()
    if client is None:
        return default
    value = client.get_object_value(key, default)
    return value if isinstance(value, dict) else default
