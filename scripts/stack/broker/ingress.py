"""The broker's HTTP ingress: `POST /` takes one CloudEvent (binary or structured mode).

202 once RabbitMQ confirmed the persistent message. A request that is no valid CloudEvent
is 400 (`bad_event`; `malformed_json` for a body sent as JSON that is not), one over 1 MiB
413, a structured mode other than one JSON event (a batch) 415. While RabbitMQ can't take
the event, or the chaos switch `broker-refuse-events` is on, 503 with Retry-After. The
rest is the kit's (kit.FunctionApp): JSON 404 and 405, /health naming RabbitMQ's state,
/metrics, request ids and one access line a request. On shutdown kit.serve stops taking
connections and lets the events being taken be confirmed and answered first. It closes at
once a connection it has read nothing from (hyper does, and HTTP/1.1 has no way to warn a
client sending on it just then): such an event goes unanswered, and was not taken.
"""

from __future__ import annotations

from flask import Request, Response

from kit import ApiError, events, flags, get_logger
from scripts.stack.broker import amqp, metrics
from scripts.stack.broker.lifecycle import Broker

log = get_logger("broker.ingress")
MAX_BODY = 1024 * 1024
_STRUCTURED = "application/cloudevents"


def take(request: Request, broker: Broker) -> Response:
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "too_large", "the event is too large")
    _check_mode(request)
    attributes, data = events.binary_of(events.parse(request))
    try:
        if flags.boolean("broker-refuse-events"):  # a chaos switch: RabbitMQ refusing publishes
            raise ApiError(503, "unavailable", "refused by a chaos switch")
        broker.rabbitmq.get().publish(attributes, data, broker.exchange)
    except (ApiError, amqp.BrokerDown):
        metrics.ingress_events.labels("503").inc()
        raise
    metrics.ingress_events.labels("202").inc()
    log.info("event accepted", extra={"exchange": broker.exchange})
    accepted = Response(status=202)
    del accepted.headers["Content-Type"]  # no body, so no content type
    return accepted


def _check_mode(request: Request) -> None:
    """415 for a structured mode that is not one event in JSON (a batch, another format)."""
    media = request.mimetype
    binary = "ce-specversion" in request.headers
    if not binary and media.startswith(_STRUCTURED) and media != f"{_STRUCTURED}+json":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"post one CloudEvent: in binary mode (ce-* headers) or as {_STRUCTURED}+json",
        )
