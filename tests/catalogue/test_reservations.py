"""catalogue takes an order's units on order.placed, all lines or none, exactly once, and
gives them back on order.cancelled, once: on the MongoDB-wire server, under concurrency."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from catalogue import store
from kit import events
from tests.support.deadletters import DeadLetterSink
from tests.support.orders import BAD_PLACED, placed_data, refuses_as_bad_event
from tests.support.threads import run_together

AUTHORISATION = "sim-0123-an-authorisation"


@pytest.fixture
def shop(own_catalogue: str, client: FlaskClient) -> FlaskClient:
    return client


def order(lines: list[tuple[str, int]], orderid: str | None = None) -> dict[str, Any]:
    items = [{"sku": sku, "qty": qty, "name": sku, "price": 1} for sku, qty in lines]
    return placed_data(orderid or str(uuid.uuid4()), "stan", items, True)


def deliver(client: FlaskClient, event_type: str, data: dict[str, Any]) -> TestResponse:
    event = events.make_event(
        event_type,
        "/roboshop/payment",
        data,
        subject=data["orderid"],
        extensions={events.AUTHORISATION: AUTHORISATION},
    )
    headers, body = events.to_binary(events.signed(event))
    path = (
        "/events/order-placed" if event_type == events.ORDER_PLACED else "/events/order-cancelled"
    )
    return client.post(path, data=body, headers=headers)


def placed(client: FlaskClient, data: dict[str, Any]) -> TestResponse:
    return deliver(client, events.ORDER_PLACED, data)


def cancelled(client: FlaskClient, data: dict[str, Any]) -> TestResponse:
    return deliver(client, events.ORDER_CANCELLED, {**data, "reason": "authorisation_lapsed"})


def test_an_order_takes_its_units_and_replies_stock_reserved(shop: FlaskClient) -> None:
    data = order([("RMC", 2), ("SHIP", 1), ("STAN-1", 3), ("RMC", 1)])
    answer = placed(shop, data)
    assert answer.status_code == 200
    assert answer.headers["ce-type"] == events.STOCK_RESERVED
    assert answer.headers["ce-source"] == "/roboshop/catalogue"
    assert answer.headers["ce-subject"] == data["orderid"]
    assert answer.headers[f"ce-{events.AUTHORISATION}"] == AUTHORISATION
    assert json.loads(answer.data) == data
    reply = events.from_binary(
        {k.removeprefix("ce-"): v for k, v in answer.headers.items() if k.startswith("ce-")},
        answer.data,
    )
    events.check_signature(reply)  # payment takes only the shop's own events
    assert (store.stock_of("RMC"), store.stock_of("STAN-1")) == (45, 997)


def test_a_redelivered_order_takes_nothing_more_and_gets_the_same_reply(
    shop: FlaskClient,
) -> None:
    data = order([("EPE", 1)])
    first = placed(shop, data)
    again = placed(shop, data)
    assert again.headers["ce-type"] == events.STOCK_RESERVED
    assert again.headers["ce-id"] == first.headers["ce-id"]
    assert store.stock_of("EPE") == 0


def test_all_lines_or_none(shop: FlaskClient) -> None:
    data = order([("RMC", 5), ("Watson", 3)])  # 2 Watsons in stock
    answer = placed(shop, data)
    assert answer.headers["ce-type"] == events.STOCK_REJECTED
    assert json.loads(answer.data) == {**data, "reason": "out_of_stock"}
    assert (store.stock_of("RMC"), store.stock_of("Watson")) == (48, 2)
    # A restock later does not turn the refused order into a sale: it was answered.
    assert store.set_stock("Watson", 10)
    assert placed(shop, data).headers["ce-type"] == events.STOCK_REJECTED
    assert (store.stock_of("RMC"), store.stock_of("Watson")) == (48, 10)


def test_an_unknown_robot_is_rejected(shop: FlaskClient) -> None:
    answer = placed(shop, order([("RMC", 1), ("NOPE", 1)]))
    assert answer.headers["ce-type"] == events.STOCK_REJECTED
    assert store.stock_of("RMC") == 48


def test_a_cancelled_order_gives_its_units_back_once(shop: FlaskClient) -> None:
    data = order([("HPTD", 4), ("UHJ", 2)])
    placed(shop, data)
    assert (store.stock_of("HPTD"), store.stock_of("UHJ")) == (8, 8)
    for _ in range(2):
        assert cancelled(shop, data).status_code == 204
        assert (store.stock_of("HPTD"), store.stock_of("UHJ")) == (12, 10)
    # order.placed redelivered after the cancellation: the order stays without its units.
    assert placed(shop, data).headers["ce-type"] == events.STOCK_REJECTED
    assert (store.stock_of("HPTD"), store.stock_of("UHJ")) == (12, 10)


def test_a_cancellation_of_an_order_never_reserved_gives_nothing(shop: FlaskClient) -> None:
    data = order([("RED", 9)])  # 5 in stock: rejected
    placed(shop, data)
    cancelled(shop, data)
    assert store.stock_of("RED") == 5


def test_orders_racing_for_the_last_units_never_oversell(shop: FlaskClient) -> None:
    assert store.set_stock("EMM", 3)
    orders = [order([("RMC", 1), ("EMM", 1)]) for _ in range(10)]
    replies: list[str] = []

    def buyer(number: int) -> None:
        replies.append(placed(shop, orders[number]).headers["ce-type"])

    run_together(buyer, range(len(orders)))
    assert sorted(replies) == [events.STOCK_REJECTED] * 7 + [events.STOCK_RESERVED] * 3
    assert (store.stock_of("EMM"), store.stock_of("RMC")) == (0, 45)


def test_the_same_order_delivered_at_once_takes_its_units_once(shop: FlaskClient) -> None:
    data = order([("SHCE", 2), ("RED", 1)])
    replies: list[str] = []

    def delivery(_: int) -> None:
        replies.append(placed(shop, data).headers["ce-type"])

    run_together(delivery, range(6))
    assert replies == [events.STOCK_RESERVED] * 6
    assert (store.stock_of("SHCE"), store.stock_of("RED")) == (10, 4)


@pytest.mark.parametrize("case", sorted(BAD_PLACED))
def test_an_order_that_breaks_the_contract_is_kept_as_a_dead_letter(
    shop: FlaskClient, dead_letter_sink: DeadLetterSink, case: str
) -> None:
    assert refuses_as_bad_event(shop, "catalogue", BAD_PLACED[case], dead_letter_sink)


def test_an_unsigned_order_is_refused(shop: FlaskClient) -> None:
    event = events.make_event(events.ORDER_PLACED, "/x", order([("RMC", 1)]))
    headers, body = events.to_binary(event)
    assert shop.post("/events/order-placed", data=body, headers=headers).status_code == 401
    assert store.stock_of("RMC") == 48
