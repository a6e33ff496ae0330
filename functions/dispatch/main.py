"""dispatch: fulfils paid orders (simulated) and announces them as dispatched."""

from __future__ import annotations

import functions_framework
from flask import Request, Response, request

from dispatch import dead_letters, fulfilment
from kit import FunctionApp, events, stores

app = FunctionApp("dispatch", dependencies=[stores.redis])


@app.route("/events/order-placed", methods=["POST"])
def order_placed() -> Response:
    """Reply in binary mode with the order.dispatched event; the broker publishes it."""
    reply = fulfilment.dispatch(events.receive(request, events.ORDER_PLACED))
    headers, body = events.to_binary(reply)
    return Response(body, status=200, headers=headers)


@app.route("/events/dead-letter", methods=["POST"])
def dead_letter() -> tuple[str, int]:
    dead_letters.record(events.receive(request))
    return "", 202


@functions_framework.http
def dispatch(req: Request) -> Response:
    return app(req)
