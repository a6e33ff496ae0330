"""The dev broker's metrics, on its ingress at GET /metrics as the functions serve theirs:
events accepted, deliveries by outcome, retries, dead letters, and the age of the oldest
event waiting on each Trigger's queue."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kit import counter

ingress_events = counter(
    "broker_events_received", "Events posted to the broker's ingress, by answer.", ["status"]
)
deliveries = counter(
    "broker_deliveries",
    "Deliveries of an event to a Trigger's subscriber (or dead-letter sink), by outcome:"
    " delivered, refused (a final 4xx, acked and gone), dead_lettered, lost.",
    ["trigger", "queue", "outcome"],
)
retries = counter(
    "broker_delivery_retries", "Delivery attempts that failed and were tried again.", ["trigger"]
)


class Waiting:
    """The events a deliverer holds and has not acked yet, with when each was published.

    RabbitMQ hands a Trigger's consumer the head of its queue (prefetch = parallelism), so
    the oldest one held is the oldest event waiting on that Trigger.
    """

    def __init__(self, trigger: str, queue: str) -> None:
        self.trigger = trigger
        self.queue = queue
        self._since: dict[int, float] = {}
        self._lock = threading.Lock()

    def add(self, key: int, published: float | None) -> None:
        with self._lock:
            self._since[key] = published or time.time()

    def done(self, key: int) -> None:
        with self._lock:
            self._since.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._since.clear()

    def oldest_age(self) -> float:
        with self._lock:
            oldest = min(self._since.values(), default=None)
        return 0.0 if oldest is None else max(0.0, time.time() - oldest)


class _OldestWaiting(Collector):
    def __init__(self) -> None:
        self.queues: list[Waiting] = []

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "broker_oldest_waiting_event_seconds",
            "Age of the oldest event on a Trigger's queue not yet delivered (0: none).",
            labels=["trigger", "queue"],
        )
        for waiting in self.queues:
            family.add_metric([waiting.trigger, waiting.queue], waiting.oldest_age())
        yield family


_oldest = _OldestWaiting()
REGISTRY.register(_oldest)


def waiting(trigger: str, queue: str) -> Waiting:
    """The waiting events of one queue, reported by broker_oldest_waiting_event_seconds."""
    found = Waiting(trigger, queue)
    _oldest.queues.append(found)
    return found
