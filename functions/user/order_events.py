"""Order events from the broker: the history follows checkout, at least once, in any order."""

from __future__ import annotations

from typing import Any

from kit import ApiError, events, sessions
from user import orders, store


def _order(event: Any) -> tuple[str, str, dict[str, Any]]:
    """(orderid, user, data) of the event; 400 for one that can never be recorded."""
    data = events.event_data(event)
    user = data.get("user")
    if not isinstance(user, str) or not user:
        raise ApiError(400, "bad_event", "the order event names no user")
    return orders.checked_order_id(data.get("orderid")), user, data


def _store(record: Any, orderid: str, *args: Any) -> None:
    try:
        record(orderid, *args)
    except store.OrderConflict:
        raise ApiError(400, "bad_event", f"order {orderid} belongs to another user") from None


def placed(event: Any) -> None:
    """A registered user's order joins their history as placed (never undoing dispatched)."""
    orderid, user, data = _order(event)
    cart = orders.checked_cart(data.get("cart"))
    if data.get("registered") is True and not sessions.is_anonymous(user):
        _store(store.record_placed, orderid, user, cart)


def dispatched(event: Any) -> None:
    """The order is dispatched, even when its placed event has not arrived yet."""
    orderid, user, _ = _order(event)
    if not sessions.is_anonymous(user):
        _store(store.record_dispatched, orderid, user)
