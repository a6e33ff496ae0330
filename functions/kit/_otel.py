"""The OpenTelemetry SDK, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (kit._trace).

Spans go out over OTLP/HTTP in batches (the exporter reads the standard OTEL_*
variables); the redis, pymongo and pymysql clients add spans of their own under
the request's. The server and client spans are made here, not by the Flask and
urllib3 instrumentations: functions-framework owns the Flask app, and the spans
must exist (with the same ids) for the logs whether or not they are exported.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from kit._trace import HEADER, METRICS_MODULES, SpanIds

_KINDS = {
    "server": SpanKind.SERVER,
    "client": SpanKind.CLIENT,
    "producer": SpanKind.PRODUCER,
    "consumer": SpanKind.CONSUMER,
}
_propagator = TraceContextTextMapPropagator()
_lock = threading.Lock()
_tracer: trace.Tracer | None = None


def _setup(service: str) -> trace.Tracer:
    """The process's tracer provider with the OTLP/HTTP exporter (once per process)."""
    global _tracer
    with _lock:
        if _tracer is None:
            # Kept out by kit._trace until now: the SDK and its instrumentations may use them.
            for name in METRICS_MODULES:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider = TracerProvider(resource=Resource.create({"service.name": service}))
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            trace.set_tracer_provider(provider)
            _instrument_clients()
            _tracer = trace.get_tracer("roboshop.kit")
    return _tracer


def _instrument_clients() -> None:
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
    from opentelemetry.instrumentation.pymysql import PyMySQLInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()
    PymongoInstrumentor().instrument()
    PyMySQLInstrumentor().instrument()


def ids_of(span: trace.Span) -> SpanIds:
    found = span.get_span_context()
    flags = "01" if found.trace_flags.sampled else "00"
    return SpanIds(format(found.trace_id, "032x"), format(found.span_id, "016x"), flags)


@contextmanager
def span(service: str, name: str, parent: str, kind: str) -> Iterator[tuple[trace.Span, SpanIds]]:
    """A span under `parent` (a traceparent value; a new trace when "" or the current
    context), current for the block, ended when it closes."""
    tracer = _setup(service)
    parent_context = _propagator.extract({HEADER: parent}) if parent else None
    started = tracer.start_span(name, context=parent_context, kind=_KINDS[kind])
    token = context.attach(trace.set_span_in_context(started))
    try:
        yield started, ids_of(started)
    except BaseException as exc:
        started.record_exception(exc)
        started.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        context.detach(token)
        started.end()


def finish(otel_span: trace.Span, name: str, status: int, attributes: Mapping[str, Any]) -> None:
    """Name the request's span once its route is known, and mark a 5xx as an error."""
    otel_span.update_name(name)
    otel_span.set_attributes({**attributes, "http.response.status_code": status})
    if status >= 500:
        otel_span.set_status(Status(StatusCode.ERROR))
