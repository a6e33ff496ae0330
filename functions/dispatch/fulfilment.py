"""Fulfilment, simulated: a short random wait, and DISPATCH_ERROR_PERCENT failures.

Only a paid order ships: dispatch takes order.paid, whose data is the order as placed.
Each order is dispatched once: the first success is stored in Redis, and a
redelivered order.paid gets the same reply again (same event id, so
consumers can tell it is the same event) without a second fulfilment.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from dispatch import store
from dispatch.settings import DispatchSettings
from kit import ApiError, contract, counter, events, flags

SOURCE = "/roboshop/dispatch"

dispatched_total = counter("orders_dispatched", "Orders dispatched.")
failures_total = counter("dispatch_failures", "Fulfilments that failed (to be retried).")


def order_of(event: Any) -> dict[str, str]:
    """The order the event is about; 400 for an event dispatch can never process."""
    order = contract.placed_order(event.data)
    return {"orderid": order["orderid"], "user": order["user"]}


def _fulfil(orderid: str) -> None:
    settings = DispatchSettings.current()
    delay_ms = settings.dispatch_delay_ms
    if delay_ms > 0:
        time.sleep(random.uniform(0, delay_ms) / 1000)
    percent = flags.integer("dispatch-error-percent", settings.dispatch_error_percent)
    if random.uniform(0, 100) < percent:
        failures_total.inc()
        raise ApiError(503, "dispatch_failed", f"order {orderid} could not be dispatched yet")


def dispatch(event: Any) -> Any:
    """Dispatch the order (once) and return the order.dispatched reply event."""
    order = order_of(event)
    if not store.was_dispatched(order["orderid"]):
        _fulfil(order["orderid"])
        if store.mark_dispatched(order["orderid"]):
            dispatched_total.inc()
    return events.signed(
        events.make_event(
            events.ORDER_DISPATCHED,
            SOURCE,
            {**order, "status": "dispatched"},
            subject=order["orderid"],
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"roboshop:dispatched:{order['orderid']}")),
        )
    )
