"""The dev broker's age of the oldest waiting event: what a deliverer holds unacked."""

from __future__ import annotations

import time

from prometheus_client import REGISTRY

from scripts.stack.broker import metrics


def oldest(trigger: str) -> float:
    labels = {"trigger": trigger, "queue": f"{trigger}-queue"}
    return REGISTRY.get_sample_value("broker_oldest_waiting_event_seconds", labels) or 0.0


def test_the_oldest_held_event_gives_the_age_and_none_gives_zero() -> None:
    waiting = metrics.waiting("t-age", "t-age-queue")
    assert oldest("t-age") == 0
    now = time.time()
    waiting.add(1, now - 40)
    waiting.add(2, now - 5)
    assert oldest("t-age") >= 40
    waiting.done(1)
    assert 5 <= oldest("t-age") < 40
    waiting.clear()
    assert oldest("t-age") == 0
