"""deadletters: the dead-letter sink of every Trigger, and of the events consumers refuse.

It keeps each one durably (MongoDB) until an operator replays or discards it:
`python -m scripts.ops.deadletters list|replay|discard` (knative/README.md, on a cluster).
"""

from __future__ import annotations

from typing import Any

import functions_framework
from flask import Request, Response, request

from deadletters import letters
from deadletters.settings import DeadLettersSettings
from kit import ApiError, FunctionApp, events, json_body, stores

app = FunctionApp("deadletters", dependencies=[stores.mongo])


@app.route("/events/dead-letter", methods=["POST"])
def dead_letter() -> tuple[dict[str, str], int]:
    """From a dead-letter dispatcher. 202 once stored; never a reply event (a dispatcher
    would publish it), and never a refusal it could drop: any event the shop sent is kept
    (one it did not sign is 401: nobody's to keep)."""
    event = events.parse(request)
    events.check_signature(event)
    attributes, data = events.binary_of(event)
    return {"id": letters.from_dispatcher(attributes, data)}, 202


@app.route("/dead-letters", methods=["POST"])
def refused() -> tuple[dict[str, str], int]:
    """From a consumer that refuses an event for good."""
    return {"id": letters.from_consumer(json_body(request))}, 202


@app.route("/dead-letters")
def listing() -> list[dict[str, Any]]:
    status = request.args.get("status", "parked")
    try:
        default = DeadLettersSettings.current().deadletters_page_default
        limit = int(request.args.get("limit", str(default)))
    except ValueError:
        raise ApiError(400, "bad_request", "limit must be a whole number") from None
    return letters.listing(status, limit)


@app.route("/dead-letters/<key>")
def one(key: str) -> dict[str, Any]:
    return letters.public(letters.one(key))


@app.route("/dead-letters/<key>/replay", methods=["POST"])
def replay(key: str) -> dict[str, Any]:
    return letters.replay(key)


@app.route("/dead-letters/<key>", methods=["DELETE"])
def discard(key: str) -> dict[str, str]:
    return letters.discard(key)


@functions_framework.http
def deadletters(req: Request) -> Response:
    return app(req)
