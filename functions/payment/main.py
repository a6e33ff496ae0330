"""payment: checkout - re-prices the cart, authorises its charge, and announces the order as an
event; then captures the charge once catalogue reserved the order's stock, or voids it
(settlement.py)."""

from __future__ import annotations

import time
from typing import Any

import functions_framework
from flask import Request, Response, request

from kit import FunctionApp, events, flags, stores
from payment import checkout, idempotency, settlement
from payment.settings import PaymentSettings

app = FunctionApp("payment", dependencies=[stores.redis])


@app.route("/pay/<cart_id>", methods=["POST"])
def pay(cart_id: str) -> tuple[dict[str, Any], int]:
    delay_ms = flags.integer("payment-delay-ms", PaymentSettings.current().payment_delay_ms)
    if delay_ms > 0:
        time.sleep(delay_ms / 1000)
    payer = checkout.payer(cart_id, request)
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return checkout.pay(cart_id, request), 200
    return idempotency.once(cart_id, key, payer, lambda: checkout.pay(cart_id, request))


events.route(app, "/events/stock-reserved", events.STOCK_RESERVED, settlement.reserved)


events.route(app, "/events/stock-rejected", events.STOCK_REJECTED, settlement.rejected)


@functions_framework.http
def payment(req: Request) -> Response:
    return app(req)
