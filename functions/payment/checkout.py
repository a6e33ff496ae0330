"""One checkout: who pays, for what, the charge, and the order.placed event.

The gateway authorisation is captured only once the broker has accepted the
event; if the broker certainly did not take it, the authorisation is voided, so
there is never a charge without an order. If the broker's answer was lost, the
order may exist: the authorisation is then neither captured nor voided (voiding
it could let an unpaid order be dispatched) and the order id is logged for
an operator to settle.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from typing import Any

from flask import Request

from kit import ApiError, counter, events, histogram, sessions
from payment import gateway, pricing, sink

log = logging.getLogger("payment")
ORDER_PLACED = "com.roboshop.order.placed"
SOURCE = "/roboshop/payment"
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$")

sold_count = counter("sold_count", "Orders paid.")
units_sold = histogram("units_sold", "Items in a paid order.", buckets=(1, 2, 5, 10, 100))
cart_value = histogram(
    "cart_value", "Value of a paid order (EUR).", buckets=(100, 200, 500, 1000, 2000, 5000, 10000)
)


def is_registered(cart_id: str, request: Request) -> bool:
    """A registered user's cart id is their name: then only their session may pay for it."""
    sessions.require_owner(request, cart_id)
    return not sessions.is_anonymous(cart_id)


def traceparent(request: Request) -> str:
    """A child of the caller's trace context, or the root of a new trace."""
    found = _TRACEPARENT.match(request.headers.get("traceparent", ""))
    trace_id, flags = found.groups() if found else (secrets.token_hex(16), "01")
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def pay(cart_id: str, request: Request) -> dict[str, Any]:
    registered = is_registered(cart_id, request)
    cart = pricing.reprice(pricing.fetch_cart(cart_id, request), pricing.catalogue_prices())
    orderid = str(uuid.uuid4())
    charger = gateway.current()
    authorisation = charger.authorise(cart["total"], orderid)
    event = events.make_event(
        ORDER_PLACED,
        SOURCE,
        {"orderid": orderid, "user": cart_id, "registered": registered, "cart": cart},
        subject=orderid,
        extensions={"traceparent": traceparent(request)},
    )
    try:
        sink.send(event)
    except sink.InDoubt:
        log.error(
            "order %s in doubt: the broker may have it; authorisation %s left open",
            orderid,
            authorisation,
            extra={"orderid": orderid, "authorisation": authorisation},
        )
        raise
    except ApiError:
        _void(charger, authorisation, orderid)
        raise
    try:
        charger.capture(authorisation)
    except ApiError as exc:
        # The order exists (its event is out): keep it, and leave the capture to be retried.
        log.error("capture failed for order %s: %s", orderid, exc.message)
    sold_count.inc()
    units_sold.observe(pricing.units(cart))
    cart_value.observe(cart["total"])
    log.info("order placed", extra={"orderid": orderid, "total": cart["total"]})
    return {"orderid": orderid}


def _void(charger: gateway.Gateway, authorisation: str, orderid: str) -> None:
    try:
        charger.void(authorisation)
    except ApiError as exc:
        log.error("void failed for order %s: %s", orderid, exc.message)
