"""Prometheus metrics: per-route request count and latency, plus each function's own."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TypeVar

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase

M = TypeVar("M", bound=MetricWrapperBase)

_metrics: dict[str, MetricWrapperBase] = {}
_lock = threading.Lock()


def _get_or_create(kind: type[M], name: str, documentation: str, **kwargs: object) -> M:
    """One metric object per name and process, however often a module is loaded."""
    with _lock:
        found = _metrics.get(name)
        if found is None:
            found = kind(name, documentation, registry=REGISTRY, **kwargs)  # type: ignore[arg-type]
            _metrics[name] = found
    if not isinstance(found, kind):
        raise TypeError(f"metric {name} already exists as a {type(found).__name__}")
    return found


def counter(name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
    return _get_or_create(Counter, name, documentation, labelnames=tuple(labels))


def histogram(
    name: str,
    documentation: str,
    buckets: Sequence[float] = Histogram.DEFAULT_BUCKETS,
    labels: Sequence[str] = (),
) -> Histogram:
    return _get_or_create(
        Histogram, name, documentation, buckets=tuple(buckets), labelnames=tuple(labels)
    )


_ROUTE_LABELS = ("function", "route", "method", "status")
requests_total = counter("http_requests_total", "HTTP requests answered.", _ROUTE_LABELS)
request_seconds = histogram(
    "http_request_duration_seconds",
    "Time taken to answer HTTP requests.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    labels=_ROUTE_LABELS,
)


# The labelled children of both request metrics, looked up once per label set: .labels()
# checks and converts its values and takes the metric's lock on every call.
_children: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(function: str, route: str, method: str, status: int, seconds: float) -> None:
    key = (function, route, method, status)
    children = _children.get(key)
    if children is None:
        labels = (function, route, method, str(status))
        children = (requests_total.labels(*labels), request_seconds.labels(*labels))
        _children[key] = children
    children[0].inc()
    children[1].observe(seconds)
