"""Order events from the broker: the history follows checkout, at least once, in any order."""

from __future__ import annotations

from typing import Any

from kit import ApiError, contract, events, sessions
from user import orders, store


def _dispatched_order(event: Any) -> tuple[str, str]:
    """(orderid, user) of an order.dispatched event; 400 for one that can never be recorded."""
    data = events.event_data(event)
    user = data.get("user")
    if not isinstance(user, str) or not user:
        raise ApiError(400, "bad_event", "the order event names no user")
    return orders.checked_order_id(data.get("orderid")), user


def _store(record: Any, orderid: str, *args: Any) -> None:
    try:
        record(orderid, *args)
    except store.OrderConflict:
        raise ApiError(400, "bad_event", f"order {orderid} belongs to another user") from None


def placed(event: Any) -> None:
    """A registered user's order joins their history as placed (never undoing dispatched)."""
    order = contract.placed_order(event.data)
    if order["registered"] and not sessions.is_anonymous(order["user"]):
        _store(store.record_placed, order["orderid"], order["user"], order["cart"])


def dispatched(event: Any) -> None:
    """The order is dispatched, even when its placed event has not arrived yet."""
    orderid, user = _dispatched_order(event)
    if not sessions.is_anonymous(user):
        _store(store.record_dispatched, orderid, user)
