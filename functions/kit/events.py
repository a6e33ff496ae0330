"""CloudEvents in binary HTTP mode: sending to a sink, receiving in a route."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Request

from kit._errors import ApiError

# The shop's event types (CONTRACT.md, "Events"): what payment emits and dispatch replies.
ORDER_PLACED = "com.roboshop.order.placed"
ORDER_DISPATCHED = "com.roboshop.order.dispatched"


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
    attributes.update(extensions or {})
    return CloudEvent(attributes, data)


def to_binary(event: Any) -> tuple[dict[str, str], bytes]:
    """Headers (ce-*) and body of the event in binary content mode."""
    from cloudevents.conversion import to_binary as convert

    headers, body = convert(event)
    return dict(headers), body if isinstance(body, bytes) else str(body).encode()


def receive(request: Request, expected_type: str | None = None) -> Any:
    """The CloudEvent in a request (binary or structured mode).

    400 when there is none, or when it is not of `expected_type`: a consumer can
    never process it, so the broker must dead-letter rather than retry it.
    """
    from cloudevents.exceptions import GenericException
    from cloudevents.http import from_http

    try:
        event = from_http(dict(request.headers), request.get_data(cache=True))
    except GenericException as exc:
        raise ApiError(400, "bad_event", f"not a valid CloudEvent: {exc}") from None
    if expected_type is not None and event["type"] != expected_type:
        raise ApiError(400, "bad_event", f"expected {expected_type}, not {event['type']}")
    return event


def event_data(event: Any) -> dict[str, Any]:
    """The event's data as a JSON object; 400 for anything else."""
    data = event.data
    if not isinstance(data, dict):
        raise ApiError(400, "bad_event", "the event data must be a JSON object")
    return data
