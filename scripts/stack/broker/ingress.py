"""The broker's HTTP ingress: `POST /` takes one CloudEvent (binary or structured mode).

202 once RabbitMQ confirmed the persistent message, 400 for a request that is
not a valid CloudEvent, 503 (with Retry-After) while RabbitMQ can't take it.
`GET /health` says whether RabbitMQ is reachable. On shutdown, the events being
taken are confirmed and answered first; an event posted after that is refused
with 503 (the sender knows it was not taken), never dropped without an answer.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kit import flags, get_logger, metrics_exposition, request_scope, trace_request
from scripts.stack.broker import amqp, metrics
from scripts.stack.broker.amqp import BrokerDown, Publisher
from scripts.stack.broker.inflight import Closed, InFlight

log = get_logger("broker.ingress")
MAX_BODY = 1024 * 1024


def event_fields(attributes: dict[str, Any]) -> dict[str, str]:
    """What each log line about an event names: its type and id, and an order's id."""
    fields = {
        "event_type": str(attributes.get("type", "")),
        "event_id": str(attributes.get("id", "")),
    }
    if fields["event_type"].startswith("com.roboshop.order.") and attributes.get("subject"):
        fields["order_id"] = str(attributes["subject"])
    return fields


def parse_event(headers: dict[str, str], body: bytes) -> tuple[dict[str, Any], bytes]:
    """The event's attributes and its data in binary form; ValueError when it is no event."""
    from cloudevents.conversion import to_binary
    from cloudevents.exceptions import GenericException
    from cloudevents.http import from_http

    try:
        event = from_http(headers, body)
        binary_headers, data = to_binary(event)
    except GenericException as exc:
        raise ValueError(str(exc)) from None
    attributes = dict(event.get_attributes())
    attributes["datacontenttype"] = binary_headers.get("content-type", "application/json")
    return attributes, data if isinstance(data, bytes) else str(data).encode()


class Ingress(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, publisher: Publisher, broker: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.publisher = publisher
        self.exchange = amqp.exchange_name(broker)
        self.taking = InFlight()

    def drain(self, seconds: float) -> None:
        """Stop taking events; wait for those being taken to be confirmed and answered."""
        if not self.taking.wait_idle(seconds):
            log.warning("ingress: events still being taken after %.0fs; stopping anyway", seconds)


class _Handler(BaseHTTPRequestHandler):
    server: Ingress
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        try:
            with self.server.taking.work():
                self._take()
        except Closed:
            self.close_connection = True
            message = "the broker is stopping, please try again shortly"
            headers = {"Retry-After": "1", "Connection": "close"}
            self._answer(503, {"error": "unavailable", "message": message}, headers)

    def _take(self) -> None:
        if self.path.split("?")[0] != "/":
            self._answer(404, {"error": "not_found", "message": "events are posted to /"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"error": "too_large", "message": "the event is too large"})
            return
        body = self.rfile.read(length)
        try:
            attributes, data = parse_event(dict(self.headers.items()), body)
        except ValueError as exc:
            self._answer(400, {"error": "bad_event", "message": f"not a valid CloudEvent: {exc}"})
            return
        started = time.perf_counter()
        parent = self.headers.get("traceparent") or str(attributes.get("traceparent") or "")
        fields = event_fields(attributes)
        with (
            request_scope(self.headers.get("X-Request-Id", "")),
            trace_request("broker", "broker ingress", parent, fields) as span,
        ):
            status = self._publish(attributes, data)
            metrics.ingress_events.labels(str(status)).inc()
            span.finish("broker ingress", status, {"messaging.destination": self.server.exchange})
            log.info(
                "event accepted" if status == 202 else "event refused",
                extra={"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)},
            )

    def _publish(self, attributes: dict[str, Any], data: bytes) -> int:
        if flags.boolean("broker-refuse-events"):  # a chaos switch: RabbitMQ refusing publishes
            self._answer(503, {"error": "unavailable", "message": "refused by a chaos switch"})
            return 503
        try:
            self.server.publisher.publish(attributes, data, self.server.exchange)
        except BrokerDown as exc:
            log.warning("RabbitMQ refused the event: %s", exc)
            message = "RabbitMQ is unavailable, please try again shortly"
            self._answer(503, {"error": "unavailable", "message": message}, {"Retry-After": "1"})
            return 503
        self._answer(202, None)
        return 202

    def do_GET(self) -> None:
        if self.path == "/metrics":
            body, content_type = metrics_exposition(self.headers.get("Accept", ""))
            self._answer_bytes(200, body, content_type)
            return
        if self.path != "/health":
            self._answer(404, {"error": "not_found", "message": "no such path"})
            return
        up = self.server.publisher.healthy()
        self._answer(200 if up else 503, {"rabbitmq": "up" if up else "unavailable"})

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self._answer_bytes(status, payload, "application/json", headers)

    def _answer_bytes(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)
