"""The order events catalogue takes: order.placed reserves the order's units and replies
stock.reserved or stock.rejected (reason out_of_stock); order.cancelled gives them back.

The reply carries the order as order.placed had it, with the authorisation that pays for
it, so payment can capture or void it. Its id is made from the order's, so a redelivered
order.placed gets the same reply and its consumers can tell it is the same event.
"""

from __future__ import annotations

import uuid
from typing import Any

from catalogue import reservations
from kit import contract, counter, events

SOURCE = "/roboshop/catalogue"
OUT_OF_STOCK = "out_of_stock"

outcomes = counter("stock_reservations", "Orders' stock reservations by outcome.", ["outcome"])


def placed(event: Any) -> Any:
    order = contract.placed_order(event.data)
    orderid = order["orderid"]
    if reservations.reserve(orderid, reservations.wanted(order)):
        outcomes.labels("reserved").inc()
        return _reply(event, events.STOCK_RESERVED, dict(order))
    outcomes.labels("rejected").inc()
    return _reply(event, events.STOCK_REJECTED, {**order, "reason": OUT_OF_STOCK})


def cancelled(event: Any) -> None:
    order = contract.placed_order(event.data)
    reservations.give_back(order["orderid"], reservations.wanted(order))


def _reply(event: Any, event_type: str, data: dict[str, Any]) -> Any:
    orderid = data["orderid"]
    authorisation = event.get(events.AUTHORISATION)
    name = event_type.rsplit(".", 2)[-2:]
    return events.reply(
        events.signed(
            events.make_event(
                event_type,
                SOURCE,
                data,
                subject=orderid,
                event_id=str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"roboshop:{'-'.join(name)}:{orderid}")
                ),
                extensions={events.AUTHORISATION: str(authorisation)} if authorisation else None,
            )
        )
    )
