"""CloudEvents in binary HTTP mode: sending to a sink, receiving in a route, and keeping
what a consumer refuses as a dead letter.

Every event the shop emits is signed (the `roboshopsignature` extension, an HMAC
with a key derived from SESSION_SECRET), and consumers take only signed ones.
Nothing else can tell the broker's deliveries from anyone's: on a cluster the
dispatchers reach the functions through the same Knative ingress as every other
pod, eventing-rabbitmq sends no OIDC token, and a NetworkPolicy sees no paths.
The signature covers what the sender wrote and the path to a consumer keeps
(id, type, source, subject, the data and the sender's own extensions, which it
names); not the trace context or what the platform adds on the way. The
`traceparent` extension is left out on purpose: W3C trace context is rewritten at
each hop by design (a broker or a collector may give it a span of its own, as
Knative's do), and a forged one can at worst mislabel a trace, never change an order.

Sending one (to the broker, to a consumer, to a subscriber) is `send` (kit._send).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import flask
from flask import Request

from kit import _body, _logs, _metrics, _trace, peers
from kit._config import LOCAL_BROKER_PORT
from kit._errors import ApiError, ConfigError, Unavailable
from kit._send import NO_ANSWER as NO_ANSWER
from kit._send import RETRIED_4XX as RETRIED_4XX
from kit._send import Answer as Answer
from kit._send import BinaryEvent as BinaryEvent
from kit._send import retryable as retryable
from kit._send import send as send
from kit.sessions import MIN_SECRET_LENGTH, SessionSettings
from kit.settings import About, Settings

if TYPE_CHECKING:
    from kit._app import FunctionApp

log = _logs.get_logger("events")


@dataclass(frozen=True)
class SinkSettings(Settings):
    k_sink: Annotated[
        str,
        About(
            "where events are sent: the broker's ingress (in Knative, set by a SinkBinding)",
            schemes=("http", "https"),
        ),
    ] = f"http://127.0.0.1:{LOCAL_BROKER_PORT}/"


# The shop's event types: what payment emits and dispatch replies (the data: kit.contract).
ORDER_PLACED = "com.roboshop.order.placed"
ORDER_DISPATCHED = "com.roboshop.order.dispatched"
ORDER_PAID = "com.roboshop.order.paid"
ORDER_CANCELLED = "com.roboshop.order.cancelled"
# catalogue's replies to order.placed: the order's units are set aside, or can't be.
STOCK_RESERVED = "com.roboshop.stock.reserved"
STOCK_REJECTED = "com.roboshop.stock.rejected"
# The extension attribute naming the card authorisation that pays for an order: payment sets
# it on order.placed, and every event about the order after it carries it on.
AUTHORISATION = "paymentauthorisation"


def make_event(
    event_type: str,
    source: str,
    data: Any,
    subject: str | None = None,
    event_id: str | None = None,
    extensions: dict[str, str] | None = None,
) -> Any:
    """A CloudEvent 1.0 with a JSON payload."""
    from cloudevents.http import CloudEvent

    attributes: dict[str, Any] = {
        "type": event_type,
        "source": source,
        "id": event_id or str(uuid.uuid4()),
        "datacontenttype": "application/json",
    }
    if subject:
        attributes["subject"] = subject
    # Knative's convention: the trace the event belongs to travels in its extension.
    traceparent = _trace.current_traceparent()
    if traceparent:
        attributes["traceparent"] = traceparent
    attributes.update(extensions or {})
    return CloudEvent(attributes, data)


SIGNATURE = "roboshopsignature"
_SIGNED_ATTRIBUTES = ("id", "type", "source", "subject")
# Set or changed on the way by tracing, or added by the platform: never signed.
_UNSIGNED = frozenset({"specversion", "time", "datacontenttype", "traceparent", "tracestate"})


def _key(secret: str | None) -> bytes:
    secret = secret or SessionSettings.current().session_secret
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"an event's key must be {MIN_SECRET_LENGTH}+ random characters")
    return hmac.new(secret.encode(), b"roboshop events", hashlib.sha256).digest()


def _digest(event: Any, extensions: list[str], secret: str | None) -> str:
    attributes = event.get_attributes()
    signed = {
        "attributes": {name: str(attributes.get(name) or "") for name in _SIGNED_ATTRIBUTES},
        "extensions": {name: str(attributes.get(name) or "") for name in extensions},
        "data": event.data,
    }
    message = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def signed(event: Any, secret: str | None = None) -> Any:
    """The event, signed as the shop's own (SESSION_SECRET unless `secret` is given).

    The signature names the extensions it covers, the sender's own: whatever the
    platform adds on the way (knativeerror*, a broker's delivery count) is not in it.
    """
    extensions = sorted(
        name
        for name in event.get_attributes()
        if name not in _UNSIGNED and name not in _SIGNED_ATTRIBUTES and name != SIGNATURE
    )
    event[SIGNATURE] = f"{','.join(extensions)};{_digest(event, extensions, secret)}"
    return event


def check_signature(event: Any) -> None:
    """401 unless the event carries the shop's signature: it was not sent by the shop."""
    given = str(event.get(SIGNATURE) or "")
    names, _, digest = given.rpartition(";")
    extensions = [name for name in names.split(",") if name]
    if not given.isascii() or not hmac.compare_digest(digest, _digest(event, extensions, None)):
        raise ApiError(401, "unsigned_event", "this event was not sent by the shop")


def to_binary(event: Any) -> tuple[dict[str, str], bytes]:
    """Headers (ce-*) and body of the event in binary content mode."""
    from cloudevents.conversion import to_binary as convert

    headers, body = convert(event)
    return dict(headers), body if isinstance(body, bytes) else str(body).encode()


# Refusals of the sender, not of the event: nothing to keep.
_NOT_PARKED = frozenset({401, 403})


def parse(request: Request) -> Any:
    """The CloudEvent in a request (binary or structured mode); 400 when there is none.

    A body sent as JSON that is not JSON is 400 malformed_json, as from every route
    (kit.json_body); it is only read again when the event can't be taken as it is.
    """
    from cloudevents.exceptions import GenericException
    from cloudevents.http import from_http

    raw = request.get_data(cache=True)
    try:
        event = from_http(dict(request.headers), raw)
    except GenericException as exc:
        if raw and _body.sent_as_json(request):
            _body.parse_json(raw)  # structured mode: the whole event is the body
        raise ApiError(400, "bad_event", f"not a valid CloudEvent: {exc}") from None
    if isinstance(event.data, bytes) and _body.sent_as_json(request):
        _body.parse_json(raw)  # binary mode: the SDK keeps data it could not read as bytes
    return event


def _check_type(event: Any, expected_type: str) -> None:
    if event["type"] != expected_type:
        raise ApiError(400, "bad_event", f"expected {expected_type}, not {event['type']}")


def binary_of(event: Any) -> tuple[dict[str, Any], bytes]:
    """The event's attributes and its data as binary mode carries them."""
    binary = BinaryEvent.of(event)
    return dict(binary.attributes), binary.data


def from_binary(attributes: dict[str, Any], data: bytes) -> Any:
    """The event that binary-mode attributes and data spell; 400 for data that isn't JSON."""
    from cloudevents.http import CloudEvent

    try:
        value = json.loads(data) if data else None
    except ValueError:
        raise ApiError(400, "bad_event", "the event's data is not JSON") from None
    return CloudEvent(dict(attributes), value)


def route(app: FunctionApp, path: str, event_type: str, handler: Callable[[Any], Any]) -> None:
    """Take the broker's `event_type` events at `path`, where their Trigger delivers them,
    and `consume` each with `handler`."""

    def delivered() -> Any:
        return consume(flask.request, app.name, event_type, handler)

    app.route(path, methods=("POST",))(delivered)


def consume(
    request: Request, function: str, expected_type: str, handler: Callable[[Any], Any]
) -> Any:
    """Hand the broker's event to `handler` and answer as the broker needs.

    What the handler returns is the answer (None: 204). When it refuses the event for
    good (a 4xx the broker does not retry: the event can never be processed), the event
    is kept as a dead letter by the deadletters function and the answer is 202, so that
    it is not lost where eventing-rabbitmq would drop it. If it can't be kept, 503: the
    broker retries, and dead-letters it after its last retry. A request that is not a
    CloudEvent at all (400), or one the shop did not sign (401), came from no broker
    and is not kept.
    """
    event_type = request.headers.get("ce-type", "none")
    try:
        event = parse(request)
        check_signature(event)
    except ApiError:
        _counted(function, event_type, "refused")
        raise
    try:
        _check_type(event, expected_type)
        answer = handler(event)
    except ApiError as refusal:
        if not 400 <= refusal.status < 500 or refusal.status in RETRIED_4XX | _NOT_PARKED:
            _counted(function, event_type, "retry")
            raise
        parked = park(function, request.path, event, refusal)
        _counted(function, event_type, "dead_lettered")
        return {"parked": parked}, 202
    except Exception:
        _counted(function, event_type, "retry")
        raise
    _counted(function, event_type, "processed")
    return ("", 204) if answer is None else answer


def _counted(function: str, event_type: str, outcome: str) -> None:
    _metrics.events_received.labels(function, event_type[:100], outcome).inc()


def park(function: str, path: str, event: Any, refusal: ApiError) -> str:
    """Keep a refused event as a dead letter (see `consume`); its dead-letter id."""
    attributes, body = binary_of(event)
    letter = {
        "function": function,
        "path": path,
        "code": refusal.status,
        "error": refusal.error,
        "reason": refusal.message,
        "event": {"attributes": attributes, "data": base64.b64encode(body).decode()},
    }
    answer = peers.call("deadletters", "POST", "/dead-letters", letter, retries=2)
    if not isinstance(answer.data, dict):
        raise Unavailable("deadletters")
    key = str(answer.data.get("id", ""))
    log.warning(
        "refused event kept as a dead letter",
        extra={"event_id": attributes.get("id"), "dead_letter": key, "error": refusal.error},
    )
    return key


def reply_in(answer: Answer) -> BinaryEvent | None:
    """The reply event in a subscriber's answer (binary or structured mode), if any; its
    data byte for byte in binary mode. ValueError for a reply that is no valid event."""
    lower = {k.lower(): v for k, v in answer.headers.items()}
    if "application/cloudevents+json" in lower.get("content-type", ""):
        from cloudevents.exceptions import GenericException
        from cloudevents.http import from_http

        try:
            return BinaryEvent.of(from_http(lower, answer.data))
        except GenericException as exc:
            raise ValueError(str(exc)) from None
    if not all(f"ce-{name}" in lower for name in ("specversion", "id", "source", "type")):
        return None
    attributes = {k.removeprefix("ce-"): v for k, v in lower.items() if k.startswith("ce-")}
    attributes["datacontenttype"] = lower.get("content-type", "application/json")
    return BinaryEvent(attributes, answer.data)


def reply(event: Any) -> flask.Response:
    """A consumer's answer carrying `event` in binary mode: the broker publishes it."""
    headers, body = to_binary(event)
    return flask.Response(body, status=200, headers=headers)


def event_data(event: Any) -> dict[str, Any]:
    """The event's data as a JSON object; 400 for anything else."""
    data = event.data
    if not isinstance(data, dict):
        raise ApiError(400, "bad_event", "the event data must be a JSON object")
    return data
