"""dispatch: fulfils paid orders (simulated: order.paid, never order.placed) and announces
them as dispatched."""

from __future__ import annotations

from typing import Any

import functions_framework
from flask import Request, Response

from dispatch import fulfilment
from kit import FunctionApp, events, stores

app = FunctionApp("dispatch", dependencies=[stores.redis])


def dispatched_reply(event: Any) -> Response:
    """Reply in binary mode with the order.dispatched event; the broker publishes it."""
    headers, body = events.to_binary(fulfilment.dispatch(event))
    return Response(body, status=200, headers=headers)


events.route(app, "/events/order-paid", events.ORDER_PAID, dispatched_reply)


@functions_framework.http
def dispatch(req: Request) -> Response:
    return app(req)
