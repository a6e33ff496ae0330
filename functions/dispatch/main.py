"""dispatch: fulfils paid orders (simulated) and announces them as dispatched."""

from __future__ import annotations

from typing import Any

import functions_framework
from flask import Request, Response, request

from dispatch import fulfilment
from kit import FunctionApp, events, stores

app = FunctionApp("dispatch", dependencies=[stores.redis])


@app.route("/events/order-placed", methods=["POST"])
def order_placed() -> Any:
    """Reply in binary mode with the order.dispatched event; the broker publishes it."""
    return events.consume(request, app.name, events.ORDER_PLACED, dispatched_reply)


def dispatched_reply(event: Any) -> Response:
    headers, body = events.to_binary(fulfilment.dispatch(event))
    return Response(body, status=200, headers=headers)


@functions_framework.http
def dispatch(req: Request) -> Response:
    return app(req)
