"""W3C trace context for every request, event and call between functions.

Each request continues the caller's trace (its `traceparent` header, or the
`traceparent` extension of the CloudEvent it carries) or starts a new one, and
gets a span id of its own; calls to peers and events sent carry it on. The ids
reach every log line. Without OTEL_EXPORTER_OTLP_ENDPOINT that is all: ids made
here from random bytes, nothing imported from OpenTelemetry, nothing exported.
With it, the OpenTelemetry SDK makes the spans and exports them over OTLP/HTTP
(kit._otel), and the ids in the logs are the spans' ids.
"""

from __future__ import annotations

import contextvars
import importlib.util
import re
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from kit import _logs
from kit._config import KitSettings

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE, _INVALID_SPAN = "0" * 32, "0" * 16
HEADER = "traceparent"
EVENT_HEADER = "ce-traceparent"
_ids: contextvars.ContextVar[SpanIds | None] = contextvars.ContextVar("span_ids", default=None)
# redis-py probes for OpenTelemetry's metrics when it is imported and, wherever they are
# installed (an image built with TRACING=otel, the local venv), loads some 60 modules of
# them, 30-50 ms of CPU at every cold start, to record nothing unless it is told to.
# Nothing of ours uses them before spans are exported (kit._otel lets them back in then):
# until that, their imports fail at once, as in the default image, which lacks them.
METRICS_MODULES = ("opentelemetry.metrics", "opentelemetry.sdk.metrics")
for _name in METRICS_MODULES:
    # None in sys.modules is the import system's "not importable" (typeshed omits it).
    sys.modules.setdefault(_name, None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SpanIds:
    trace_id: str
    span_id: str
    flags: str = "01"

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


def parse(value: str | None) -> SpanIds | None:
    """The ids a `traceparent` value names; None for anything malformed or all-zero."""
    found = _TRACEPARENT.match((value or "").strip().lower())
    if found is None:
        return None
    trace_id, span_id, flags = found.groups()
    if trace_id == _INVALID_TRACE or span_id == _INVALID_SPAN:
        return None
    return SpanIds(trace_id, span_id, flags)


def exporting() -> bool:
    """Whether spans are exported (an OTLP endpoint is set, and the image has OpenTelemetry);
    read once per process."""
    global _exporting
    if _exporting is None:
        wanted = bool(KitSettings.current().otel_exporter_otlp_endpoint)
        _exporting = wanted and _sdk_installed()
        if wanted and not _exporting:
            # The monitoring component sets the endpoint for the whole namespace: an image
            # built without TRACING=otel keeps serving, with the ids in its logs.
            _logs.get_logger("trace").warning(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set, but this image has no OpenTelemetry"
                " (build it with TRACING=otel): trace ids are logged, no span is exported"
            )
    return _exporting


def _sdk_installed() -> bool:
    try:
        return all(importlib.util.find_spec(name) is not None for name in _SDK_MODULES)
    except ModuleNotFoundError:
        return False


_SDK_MODULES = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")


_exporting: bool | None = None


@dataclass
class Span:
    """The span of one request or delivery: its ids, and the SDK's span when exporting."""

    ids: SpanIds
    otel: Any = None

    def finish(self, name: str, status: int, attributes: Mapping[str, Any]) -> None:
        if self.otel is not None:
            from kit import _otel

            _otel.finish(self.otel, name, status, attributes)


def _local_child(parent: str) -> SpanIds:
    caller = parse(parent)
    if caller:
        return SpanIds(caller.trace_id, secrets.token_hex(8), caller.flags)
    # A new trace: its id and the span's from one draw of random bytes.
    fresh = secrets.token_hex(24)
    return SpanIds(fresh[:32], fresh[32:])


def server(
    service: str,
    name: str,
    parent: str,
    log_fields: Mapping[str, Any] | None = None,
    kind: str = "server",
) -> AbstractContextManager[Span]:
    """A span for one request (or delivery) continuing `parent`, current in this block;
    its ids and `log_fields` are in every line logged in it."""
    if exporting():
        return _exported(service, name, parent, log_fields, kind)
    return _LocalSpan(_local_child(parent), log_fields)


@contextmanager
def _exported(
    service: str, name: str, parent: str, log_fields: Mapping[str, Any] | None, kind: str
) -> Iterator[Span]:
    from kit import _otel

    with _otel.span(service, name, parent, kind) as (otel_span, ids), _current(ids, log_fields):
        yield Span(ids, otel_span)


class _LocalSpan:
    """A span without an exporter, current in a `with` block: what _current does, as a class
    (entered on every request, where a generator's context manager costs three times more)."""

    __slots__ = ("_fields_token", "_ids_token", "_log_fields", "_span")

    def __init__(self, ids: SpanIds, log_fields: Mapping[str, Any] | None) -> None:
        self._span = Span(ids)
        self._log_fields = log_fields or {}
        self._ids_token: contextvars.Token[SpanIds | None] | None = None
        self._fields_token: contextvars.Token[Mapping[str, Any]] | None = None

    def __enter__(self) -> Span:
        ids = self._span.ids
        self._ids_token = _ids.set(ids)
        self._fields_token = _logs.add_fields(
            {"trace_id": ids.trace_id, "span_id": ids.span_id, **self._log_fields}
        )
        return self._span

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fields_token is not None:
            _logs.remove_fields(self._fields_token)
        if self._ids_token is not None:
            _ids.reset(self._ids_token)


@contextmanager
def client(service: str, name: str) -> Iterator[dict[str, str]]:
    """The headers that carry the trace on to a call made in this block (a span of its own
    when exporting; without an exporter, the current span is the caller)."""
    current = _ids.get()
    if not exporting():
        yield {HEADER: current.traceparent} if current else {}
        return
    from kit import _otel

    with _otel.span(service, name, current.traceparent if current else "", "client") as (
        _,
        ids,
    ):
        yield {HEADER: ids.traceparent}


def current_traceparent() -> str:
    """The current span as a `traceparent` value ("" outside any request)."""
    current = _ids.get()
    return current.traceparent if current else ""


def current_trace_id() -> str:
    current = _ids.get()
    return current.trace_id if current else ""


@contextmanager
def _current(ids: SpanIds, log_fields: Mapping[str, Any] | None = None) -> Iterator[None]:
    token = _ids.set(ids)
    try:
        with _logs.scope(trace_id=ids.trace_id, span_id=ids.span_id, **(log_fields or {})):
            yield
    finally:
        _ids.reset(token)
