"""One checkout: who pays, for what, the authorisation, and the order.placed event.

The charge is authorised, then the order.placed event handed to the broker; the pay
answers `{orderid, status: "placed"}` once the broker has it. The money is captured only
when catalogue has reserved the order's stock (settlement.py, on stock.reserved), and
voided when it can't; so no money is taken for an order that won't ship. If the broker
certainly did not take the event, the authorisation is voided at once: no order, no
charge. The event carries the authorisation id in its `paymentauthorisation` extension
attribute, and every event about the order after it carries it on. An order whose
broker answer was lost is answered 503 `order_in_doubt` and its authorisation left open:
if the broker took the event, the order goes on as any other; if not, there is no order
and the authorisation lapses (the simulated gateway after
PAYMENT_AUTHORISATION_TTL_SECONDS).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Request
from redis.exceptions import RedisError

from kit import ApiError, bind_log_fields, counter, events, get_logger, histogram, sessions
from payment import gateway, pricing, sink

log = get_logger("payment.checkout")
# The CloudEvent extension attribute naming the authorisation that pays for the order.
AUTHORISATION = events.AUTHORISATION
SOURCE = "/roboshop/payment"

# The simulated gateway keeps authorisations in Redis.
STORE_ERRORS = (RedisError, OSError)

sold_count = counter("sold_count", "Orders placed (their money taken once their stock is).")
units_sold = histogram("units_sold", "Items in a paid order.", buckets=(1, 2, 5, 10, 100))
cart_value = histogram(
    "cart_value", "Value of a paid order (EUR).", buckets=(100, 200, 500, 1000, 2000, 5000, 10000)
)


def payer(cart_id: str, request: Request) -> str:
    """Who pays: the session's user, or "" for an anonymous cart's shopper.

    401/403 unless a registered user's cart (its id is their name) is paid by
    their own session.
    """
    sessions.require_owner(request, cart_id)
    return sessions.current_user(request) or ""


def pay(cart_id: str, request: Request) -> dict[str, Any]:
    """Check the cart out: hold it, authorise it, and hand its order.placed event to the broker.

    While cart holds the cart for this order, no other checkout of it can start;
    the hold ends with the order's event (cart clears what was ordered), or here
    when the order certainly did not happen.
    """
    orderid = str(uuid.uuid4())
    bind_log_fields(order_id=orderid)
    held = pricing.hold_cart(cart_id, orderid, request)
    try:
        return _charge(cart_id, orderid, held, request)
    except sink.InDoubt:
        raise  # the event may be out: the hold stays until it clears the cart, or lapses
    except Exception:
        _release(cart_id, orderid, request)
        raise


def _release(cart_id: str, orderid: str, request: Request) -> None:
    try:
        pricing.release_cart(cart_id, orderid, request)
    except ApiError as exc:
        # The hold lapses by itself (CART_CHECKOUT_HOLD_SECONDS on cart).
        log.warning("cart %s not released for order %s: %s", cart_id, orderid, exc.message)


def _charge(cart_id: str, orderid: str, held: dict[str, Any], request: Request) -> dict[str, Any]:
    cart = pricing.reprice(held, pricing.catalogue_prices())
    charger = gateway.current()
    authorisation = charger.authorise(cart["total"], orderid)
    registered = not sessions.is_anonymous(cart_id)
    event = events.signed(
        events.make_event(
            events.ORDER_PLACED,
            SOURCE,
            {"orderid": orderid, "user": cart_id, "registered": registered, "cart": cart},
            subject=orderid,
            extensions={AUTHORISATION: authorisation},
        )
    )
    try:
        sink.send(event)
    except sink.InDoubt:
        log.warning(
            "order %s in doubt: if the broker has it, authorisation %s is captured once its"
            " stock is reserved; if not, the authorisation lapses",
            orderid,
            authorisation,
            extra={"orderid": orderid, "authorisation": authorisation},
        )
        raise
    except ApiError:
        _void(charger, authorisation, orderid)
        raise
    sold_count.inc()
    units_sold.observe(pricing.units(cart))
    cart_value.observe(cart["total"])
    log.info("order placed", extra={"orderid": orderid, "total": cart["total"]})
    return {"orderid": orderid, "status": "placed"}


def _void(charger: gateway.Gateway, authorisation: str, orderid: str) -> None:
    try:
        charger.void(authorisation)
    except (ApiError, *STORE_ERRORS) as exc:
        # Not voided, it lapses unpaid: there is no order to charge it to.
        log.error("void failed for order %s: %s", orderid, exc)
