"""Order events from the broker: the history follows checkout, at least once, in any order.

`placed` lists the order with its cart; `paid`, `cancelled` and `dispatched` move its
status on (store.py says which may follow which). Anonymous shoppers have no history:
their orders' events are taken and change nothing.
"""

from __future__ import annotations

import re
from typing import Any

from kit import ApiError, contract, events, sessions
from user import orders, store
from user.settings import UserSettings

# A cancellation's reason: a short code the storefront turns into a sentence.
REASON = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_event", message)


def _order_of(event: Any) -> tuple[str, str, dict[str, Any]]:
    """(orderid, user, data) of a status event; 400 for one that can never be recorded."""
    data = events.event_data(event)
    user = data.get("user")
    if not isinstance(user, str) or not contract.USER_ID.fullmatch(user):
        raise _bad("the order event names no user")
    return orders.checked_order_id(data.get("orderid")), user, data


def _store(record: Any, orderid: str, *args: Any) -> None:
    try:
        record(orderid, *args)
    except store.OrderConflict:
        raise _bad(f"order {orderid} belongs to another user") from None
    except store.TooManyOrders:
        # Kept as a dead letter: replayable once the bound is raised or the history pruned.
        raise _bad(f"the history of the order's user holds {_most()} orders already") from None


def _most() -> int:
    return UserSettings.current().orders_per_user


def placed(event: Any) -> None:
    """A registered user's order joins their history as placed (never undoing a later state)."""
    order = contract.placed_order(event.data)
    if order["registered"] and not sessions.is_anonymous(order["user"]):
        _store(store.record_placed, order["orderid"], order["user"], order["cart"], _most())


def _moved(event: Any, status: str, reason: str | None = None) -> None:
    orderid, user, _ = _order_of(event)
    if not sessions.is_anonymous(user):
        _store(store.record_status, orderid, user, status, reason)


def paid(event: Any) -> None:
    """The order's payment was captured."""
    _moved(event, store.PAID)


def cancelled(event: Any) -> None:
    """The order can't be fulfilled; its reason is kept for the shopper."""
    reason = _order_of(event)[2].get("reason")
    if not isinstance(reason, str) or not REASON.fullmatch(reason):
        raise _bad("a cancelled order needs a reason: 1-64 letters, digits or ._-")
    _moved(event, store.CANCELLED, reason)


def dispatched(event: Any) -> None:
    """The order is dispatched, even when its placed event has not arrived yet."""
    _moved(event, store.DISPATCHED)
