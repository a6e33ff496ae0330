"""Running a test's callers at once, as concurrent requests are."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def run_together(target: Callable[[T], object], args: Iterable[T]) -> None:
    """`target(arg)` for each arg, each in a thread of its own, every one started before
    any is waited for."""
    threads = [threading.Thread(target=target, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
