"""A clock the test moves by hand, in place of time.monotonic (lifetimes, back-offs)."""

from __future__ import annotations

import time

import pytest


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """time.monotonic, stopped until the test moves it (clock.now += seconds)."""
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)
    return clock
