"""The order.placed data payment sends (kit.contract.placed_order), for the consumers' tests;
the events after it (stock.*, order.paid, order.cancelled) carry the same order."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from kit import events
from tests.support.deadletters import DeadLetterSink

# A cart as cart answers it at checkout: two robots, shipping to Oslo confirmed.
CART_TO_OSLO: dict[str, Any] = {
    "total": 104.5,
    "tax": 17.42,
    "items": [
        {"qty": 2, "sku": "RMC", "name": "R", "price": 42, "subtotal": 84},
        {"qty": 1, "sku": "SHIP", "name": "shipping to Oslo (NO)", "price": 20.5, "subtotal": 20.5},
    ],
}


def placed_data(
    orderid: str, user: str, items: list[dict[str, Any]], registered: bool = False
) -> dict[str, Any]:
    cart = {"total": 47, "tax": 7.83, "items": items}
    return {"orderid": orderid, "user": user, "registered": registered, "cart": cart}


def _with(**fields: Any) -> dict[str, Any]:
    return {**placed_data("o-1", "stan", [{"sku": "RMC", "qty": 1}], True), **fields}


def _with_cart(**fields: Any) -> dict[str, Any]:
    data = _with()
    return {**data, "cart": {**data["cart"], **fields}}


# order.placed data that breaks the contract, one rule each: every consumer refuses
# each of them as 400 bad_event (kept as a dead letter).
BAD_PLACED: dict[str, Any] = {
    "not an object": ["orderid"],
    "no orderid": {k: v for k, v in _with().items() if k != "orderid"},
    "empty orderid": _with(orderid=""),
    "orderid not a string": _with(orderid=7),
    "orderid with spaces": _with(orderid="bad id"),
    "orderid too long": _with(orderid="o" * 101),
    "no user": _with(user=None),
    "empty user": _with(user=""),
    "user with a newline": _with(user="stan\n"),
    "registered not a boolean": _with(registered="yes"),
    "no registered": {k: v for k, v in _with().items() if k != "registered"},
    "cart not an object": _with(cart=[1]),
    "no items": _with_cart(items=None),
    "no total": {**_with(), "cart": {"tax": 1, "items": []}},
    "negative total": _with_cart(total=-1),
    "tax not a number": _with_cart(tax="7.83"),
    "boolean total": _with_cart(total=True),
    "line without qty": _with_cart(items=[{"sku": "RMC"}]),
    "line not an object": _with_cart(items=["RMC"]),
    "qty not whole": _with_cart(items=[{"sku": "RMC", "qty": 1.5}]),
    "qty zero": _with_cart(items=[{"sku": "RMC", "qty": 0}]),
    "qty negative": _with_cart(items=[{"sku": "RMC", "qty": -5}]),
    "empty sku": _with_cart(items=[{"sku": "", "qty": 1}]),
    "sku too long": _with_cart(items=[{"sku": "S" * 65, "qty": 1}]),
    "key MongoDB can't keep": _with_cart(items=[{"$sku": "RMC", "sku": "RMC", "qty": 1}]),
    "cart nested too deep": _with_cart(note=[[[[[[[[[[[1]]]]]]]]]]]),
    "cart too large": _with_cart(note="x" * 256 * 1024),
}


def refuses_as_bad_event(
    client: FlaskClient,
    function: str,
    data: Any,
    sink: DeadLetterSink,
    event_type: str = events.ORDER_PLACED,
    path: str = "/events/order-placed",
) -> bool:
    """Whether the consumer keeps the order event (order.placed, or another that carries the
    order as placed) with this data as a 400 bad_event dead letter (and answers the broker
    202), as every consumer does with BAD_PLACED."""
    event = events.signed(events.make_event(event_type, "/roboshop/payment", data))
    headers, body = events.to_binary(event)
    answer = client.post(path, data=body, headers=headers)
    letters = [(x["function"], x["code"], x["error"]) for x in sink.letters()]
    return answer.status_code == 202 and letters == [(function, 400, "bad_event")]
