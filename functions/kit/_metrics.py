"""Prometheus metrics: per-route request count and latency (RED), dependency health, the
CloudEvents each consumer took, plus each function's own.

A request's count and duration carry its trace id as an exemplar; exemplars are in the
exposition when the scraper asks for OpenMetrics (Prometheus does, with exemplar storage on).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TypeVar

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from kit import _deps

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


def gauge(name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
    return _get_or_create(Gauge, name, documentation, labelnames=tuple(labels))


_ROUTE_LABELS = ("function", "route", "method", "status")
requests_total = counter("http_requests_total", "HTTP requests answered.", _ROUTE_LABELS)
request_seconds = histogram(
    "http_request_duration_seconds",
    "Time taken to answer HTTP requests.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    labels=_ROUTE_LABELS,
)


events_received = counter(
    "events_received",
    "CloudEvents delivered to a consumer, by what became of them.",
    ("function", "type", "outcome"),
)


# The labelled children of both request metrics, looked up once per label set: .labels()
# checks and converts its values and takes the metric's lock on every call.
_children: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(
    function: str, route: str, method: str, status: int, seconds: float, trace_id: str = ""
) -> None:
    key = (function, route, method, status)
    children = _children.get(key)
    if children is None:
        labels = (function, route, method, str(status))
        children = (requests_total.labels(*labels), request_seconds.labels(*labels))
        _children[key] = children
    exemplar = {"trace_id": trace_id} if trace_id else None
    children[0].inc(exemplar=exemplar)
    children[1].observe(seconds, exemplar=exemplar)


def exposition(accept: str) -> tuple[bytes, str]:
    """The registry in the format the scraper asked for: OpenMetrics (with exemplars) or
    Prometheus text."""
    if "application/openmetrics-text" in accept:
        from prometheus_client.openmetrics import exposition as openmetrics

        body: bytes = openmetrics.generate_latest(REGISTRY)  # type: ignore[no-untyped-call]
        return body, openmetrics.CONTENT_TYPE_LATEST
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class _DependencyHealth(Collector):
    """1 while a dependency answers, 0 while it is backing off after failures (as the last
    request or /health found it: a scrape does no I/O)."""

    def __init__(self, function: str) -> None:
        self._function = function

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "dependency_up",
            "Whether a store or peer the function uses is answering.",
            labels=["function", "dependency"],
        )
        for dependency in _deps.known():
            family.add_metric([self._function, dependency.name], 0 if dependency.failures else 1)
        yield family


_health_registered = False


def register_dependency_health(function: str) -> None:
    """dependency_up for this process's dependencies (once: the first function names it)."""
    global _health_registered
    with _lock:
        if not _health_registered:
            REGISTRY.register(_DependencyHealth(function))
            _health_registered = True
