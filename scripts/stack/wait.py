"""Polling with a deadline: how the local stack, the benchmarks and the tests wait for
something to happen (a port to listen, an answer, an event to arrive)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar, overload

T = TypeVar("T")
_SHOWN_CHARS = 2000


class TimedOut(AssertionError):
    """What was waited for did not happen in time (in a test: a failed expectation)."""


@overload
def until(
    probe: Callable[[], T | None],
    seconds: float = 30,
    what: str = "a condition",
    interval: float = 0.05,
    *,
    error: Callable[[str], Exception] = ...,
) -> T: ...


@overload
def until(
    probe: Callable[[], T],
    seconds: float = 30,
    what: str = "a condition",
    interval: float = 0.05,
    *,
    done: Callable[[T], object],
    error: Callable[[str], Exception] = ...,
) -> T: ...


def until(
    probe: Callable[[], T],
    seconds: float = 30,
    what: str = "a condition",
    interval: float = 0.05,
    *,
    done: Callable[[T], object] = bool,
    error: Callable[[str], Exception] = TimedOut,
) -> T:
    """Call `probe` every `interval` seconds until `done` says its value will do (by
    default: until it is truthy), and return that value. At the deadline, raise `error`
    naming what was waited for and the last value seen."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() >= deadline:
            seen = "" if value is None or value is False else f"; the last seen: {_shown(value)}"
            raise error(f"waited {seconds:g} s for {what}{seen}")
        time.sleep(interval)


def _shown(value: object) -> str:
    """The value (a text as it is, else its repr), its middle left out when long: a log's
    end tells as much as its start."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= _SHOWN_CHARS:
        return text
    half = _SHOWN_CHARS // 2
    return f"{text[:half]} [...] {text[-half:]}"
