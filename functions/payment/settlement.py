"""catalogue's answer to order.placed, consumed by payment: the order's money is settled.

stock.reserved: the order's units are set aside, so its authorisation is captured and
the reply is order.paid (dispatch ships on it). An authorisation that can't be captured
(unknown, lapsed, voided) is counted in `orders_unpaid` and the order is cancelled with
reason `authorisation_lapsed` (catalogue gives its units back): nothing ships unpaid.

stock.rejected: the units can't be had, so the authorisation is voided and the reply is
order.cancelled with catalogue's reason (`out_of_stock`): no money is taken for an order
that won't ship. One that can't be voided any more (lapsed, or voided already) has
nothing to take back.

Capture and void are idempotent, and each reply's id is made from the order's, so a
redelivery changes nothing and repeats the same reply. A gateway that fails or can't be
reached answers 503, and the broker delivers again.
"""

from __future__ import annotations

import uuid
from typing import Any

from kit import Unavailable, contract, counter, events, get_logger
from payment import gateway

log = get_logger("payment.settlement")
SOURCE = "/roboshop/payment"
AUTHORISATION_LAPSED = "authorisation_lapsed"

orders_unpaid = counter("orders_unpaid", "Placed orders whose authorisation could not be captured.")


def reserved(event: Any) -> Any:
    order = contract.placed_order(event.data)
    authorisation = str(event.get(events.AUTHORISATION) or "")
    try:
        if not authorisation:
            raise gateway.Unsettleable("(none)", gateway.CAPTURED, "the order names none")
        gateway.current().capture(authorisation)
    except gateway.Unsettleable as exc:
        orders_unpaid.inc()
        log.error(
            "order %s is unpaid, so cancelled: %s",
            order["orderid"],
            exc.message,
            extra={"orderid": order["orderid"], "authorisation": authorisation},
        )
        return _reply(event, events.ORDER_CANCELLED, {**order, "reason": AUTHORISATION_LAPSED})
    except gateway.GatewayFailed as exc:
        raise _retry("capture", order["orderid"], exc) from None
    return _reply(event, events.ORDER_PAID, dict(order))


def rejected(event: Any) -> Any:
    order = contract.placed_order(event.data)
    reason = events.event_data(event).get("reason")
    authorisation = str(event.get(events.AUTHORISATION) or "")
    if authorisation:
        try:
            gateway.current().void(authorisation)
        except gateway.Unsettleable as exc:
            log.info("order %s: nothing to void: %s", order["orderid"], exc.message)
        except gateway.GatewayFailed as exc:
            raise _retry("void", order["orderid"], exc) from None
    why = reason if isinstance(reason, str) and reason else "out_of_stock"
    return _reply(event, events.ORDER_CANCELLED, {**order, "reason": why})


def _retry(action: str, orderid: str, exc: gateway.GatewayFailed) -> Unavailable:
    log.warning("%s for order %s failed, the broker will retry: %s", action, orderid, exc.message)
    return Unavailable("payment gateway", retry_after=5)


def _reply(event: Any, event_type: str, data: dict[str, Any]) -> Any:
    orderid = data["orderid"]
    authorisation = event.get(events.AUTHORISATION)
    kind = event_type.rsplit(".", 1)[-1]
    return events.reply(
        events.signed(
            events.make_event(
                event_type,
                SOURCE,
                data,
                subject=orderid,
                event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"roboshop:order-{kind}:{orderid}")),
                extensions={events.AUTHORISATION: str(authorisation)} if authorisation else None,
            )
        )
    )
