"""order.placed, consumed by payment: the order's authorisation is captured.

pay() has normally captured it already, and a capture of a captured
authorisation is a success, so this is a no-op then. It matters when pay()
could not tell whether the broker took the event (`order_in_doubt`): the order
then exists only if this event does, and this is where its money is captured.

Whatever retrying can't fix is acknowledged (2xx) so the broker stops
delivering: an authorisation that is unknown, expired or voided is logged as
an error with the order id and counted in `orders_unpaid`, for someone to
settle with the shopper. A gateway that fails or can't be reached answers 503,
and the broker delivers again. An event without the extension attribute (sent
by a payment that predates it) has nothing to capture and is ignored.
"""

from __future__ import annotations

from typing import Any

from kit import Unavailable, counter, get_logger
from payment import gateway
from payment.checkout import AUTHORISATION

log = get_logger("payment.settlement")

orders_unpaid = counter("orders_unpaid", "Placed orders whose authorisation could not be captured.")


def placed(event: Any) -> None:
    authorisation = event.get(AUTHORISATION)
    orderid = str(event.get("subject") or "")
    if not authorisation:
        log.info("order %s has no %s: nothing to capture", orderid, AUTHORISATION)
        return
    try:
        gateway.current().capture(str(authorisation))
    except gateway.Unsettleable as exc:
        orders_unpaid.inc()
        log.error(
            "order %s is unpaid: %s",
            orderid,
            exc.message,
            extra={"orderid": orderid, "authorisation": authorisation},
        )
    except gateway.GatewayFailed as exc:
        log.warning("capture for order %s failed, the broker will retry: %s", orderid, exc.message)
        raise Unavailable("payment gateway", retry_after=5) from None
