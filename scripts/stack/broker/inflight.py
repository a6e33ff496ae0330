"""Work under way that a shutdown lets finish: once closed, no new work starts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Closed(Exception):
    """The broker is stopping: this piece of work is not started."""


class InFlight:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0
        self._closed = False

    @contextmanager
    def work(self) -> Iterator[None]:
        """Counted while the block runs; Closed (before it runs) once closing began."""
        with self._changed:
            if self._closed:
                raise Closed
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True

    @property
    def busy(self) -> bool:
        with self._changed:
            return self._count > 0

    def wait_idle(self, seconds: float) -> bool:
        """Close, then wait for the work under way; False if some is still running."""
        with self._changed:
            self._closed = True
            return self._changed.wait_for(lambda: self._count == 0, timeout=seconds)
