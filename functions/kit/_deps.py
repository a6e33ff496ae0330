"""Connections made once per process, lazily, with exponential backoff while down.

A function starts and answers `/health` even when a store is down. While a
dependency is failing, requests are refused at once with 503 for a delay that
doubles on every failure (capped), instead of each one waiting for a timeout;
the first request after the delay tries again, so service resumes by itself.
"""

from __future__ import annotations

import contextvars
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from kit._errors import Unavailable

T = TypeVar("T")

# Dependencies touched by the current request, so that its success can heal them.
_used: contextvars.ContextVar[set[Dependency[object]] | None] = contextvars.ContextVar(
    "kit_used_dependencies", default=None
)


# Every dependency made in this process, for its health gauge (kit._metrics).
_known: weakref.WeakSet[Dependency[object]] = weakref.WeakSet()


def known() -> list[Dependency[object]]:
    return list(_known)


class Dependency(Generic[T]):
    """A named client that is connected on first use and reused afterwards."""

    def __init__(
        self,
        name: str,
        connect: Callable[[], T],
        ping: Callable[[T], object],
        errors: tuple[type[BaseException], ...],
        base_delay: float = 0.25,
        max_delay: float = 5.0,
    ) -> None:
        self.name = name
        self.errors = errors
        self._connect = connect
        self._ping = ping
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._client: T | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._lock = threading.Lock()
        _known.add(self)  # type: ignore[arg-type]

    def get(self) -> T:
        """The client; Unavailable while backing off or when connecting fails."""
        client = self._acquire()
        used = _used.get()
        if used is not None:
            used.add(self)  # type: ignore[arg-type]
        return client

    def _acquire(self) -> T:
        wait = self._retry_at - time.monotonic()
        if wait > 0:
            raise Unavailable(self.name, wait)
        if self._client is not None:
            return self._client
        try:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
                return self._client
        except self.errors as exc:
            raise self.failed() from exc

    def failed(self) -> Unavailable:
        """Record a failure and start (or lengthen) the backoff."""
        with self._lock:
            delay = min(self._max_delay, self._base_delay * 2**self._failures)
            self._failures += 1
            self._retry_at = time.monotonic() + delay
        return Unavailable(self.name, delay)

    def recovered(self) -> None:
        if self._failures:
            with self._lock:
                self._failures = 0
                self._retry_at = 0.0

    def check(self) -> str | None:
        """None when the dependency answers a ping, else why not (for /health)."""
        try:
            self._ping(self._acquire())
        except Unavailable as exc:
            return exc.message
        except self.errors as exc:
            self.failed()
            # Only the kind of failure: /health is public, and drivers' messages name hosts.
            return f"down ({type(exc).__name__})"
        self.recovered()
        return None

    @property
    def failures(self) -> int:
        return self._failures

    def owns(self, exc: BaseException) -> bool:
        return isinstance(exc, self.errors)


def track_usage() -> contextvars.Token[set[Dependency[object]] | None]:
    return _used.set(set())


def finish_usage(
    token: contextvars.Token[set[Dependency[object]] | None], failure: BaseException | None
) -> Unavailable | None:
    """Heal the request's dependencies on success; on a dependency error, back it off."""
    used = _used.get() or set()
    _used.reset(token)
    if failure is None:
        for dependency in used:
            dependency.recovered()
        return None
    for dependency in used:
        if dependency.owns(failure):
            return dependency.failed()
    return None
