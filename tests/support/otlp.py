"""An OTLP/HTTP trace receiver for the tests: what the functions export, decoded with the
OpenTelemetry protobuf definitions, kept as plain spans."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.support import stub


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int


class Receiver:
    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.lock = threading.Lock()
        self.url = ""

    def handle(self, request: Request) -> Response:
        status = 404
        if request.path == "/v1/traces":
            self.take(request.get_data())
            status = 200
        return stub.answer(status, b"", {"Content-Type": "application/x-protobuf"})

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self.lock:
            return [span for span in self.spans if span.trace_id == trace_id]

    def take(self, body: bytes) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        found = []
        for resource_spans in request.resource_spans:
            service = _service(resource_spans.resource.attributes)
            for scope in resource_spans.scope_spans:
                found += [
                    ReceivedSpan(
                        service,
                        span.name,
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                        span.kind,
                    )
                    for span in scope.spans
                ]
        with self.lock:
            self.spans += found


def _service(attributes: Any) -> str:
    for attribute in attributes:
        if attribute.key == "service.name":
            return str(attribute.value.string_value)
    return ""


@contextmanager
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    with stub.serving(found.handle) as server:
        found.url = stub.base_url(server)
        yield found
