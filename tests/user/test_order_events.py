"""Order events at user: history placed then dispatched, idempotent, in either order."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient

from kit import events, sessions
from tests.support.deadletters import DeadLetterSink
from tests.support.orders import BAD_PLACED, refuses_as_bad_event

PLACED = "com.roboshop.order.placed"
DISPATCHED = "com.roboshop.order.dispatched"
CART = {"total": 47, "tax": 7.83, "items": [{"sku": "RMC", "qty": 1}]}


def send(client: FlaskClient, kind: str, orderid: str, user: str, **extra: object) -> int:
    data = {"orderid": orderid, "user": user, **extra}
    if kind == PLACED:
        data = {"registered": True, "cart": CART, **data}
    else:
        data = {"status": "dispatched", **data}
    path = "/events/order-placed" if kind == PLACED else "/events/order-dispatched"
    event = events.signed(events.make_event(kind, "/tests", data, subject=orderid))
    headers, body = events.to_binary(event)
    return client.post(path, data=body, headers=headers).status_code


def history(client: FlaskClient, user: str) -> list[dict[str, object]]:
    token = sessions.issue(user)
    answer = client.get(f"/history/{user}", headers={"Authorization": f"Bearer {token}"})
    return list(answer.get_json()["history"]) if answer.status_code == 200 else []


def mine(client: FlaskClient, orderid: str) -> list[dict[str, object]]:
    return [o for o in history(client, "stan") if o["orderid"] == orderid]


def test_placed_then_dispatched(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, PLACED, orderid, "stan") == 204
    assert mine(client, orderid) == [{"orderid": orderid, "cart": CART, "status": "placed"}]
    assert send(client, DISPATCHED, orderid, "stan") == 204
    assert mine(client, orderid)[0]["status"] == "dispatched"


def test_redelivery_records_one_order(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    for _ in range(2):
        assert send(client, PLACED, orderid, "stan") == 204
    assert len(mine(client, orderid)) == 1


def test_dispatched_before_placed_is_not_lost_nor_undone(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, DISPATCHED, orderid, "stan") == 204
    assert send(client, PLACED, orderid, "stan") == 204
    assert mine(client, orderid) == [{"orderid": orderid, "cart": CART, "status": "dispatched"}]


def test_anonymous_orders_are_not_recorded(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, PLACED, orderid, "anonymous-x", registered=False) == 204
    assert send(client, DISPATCHED, orderid, "anonymous-x") == 204
    assert history(client, "stan") == [
        o for o in history(client, "stan") if o["orderid"] != orderid
    ]


def test_events_that_can_never_be_recorded_are_kept_as_dead_letters(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    assert send(client, PLACED, "bad id with spaces", "stan") == 202
    assert send(client, PLACED, str(uuid.uuid4()), "") == 202
    assert send(client, PLACED, str(uuid.uuid4()), "stan", cart=[1]) == 202
    orderid = str(uuid.uuid4())
    assert send(client, PLACED, orderid, "stan") == 204
    assert send(client, PLACED, orderid, "user") == 202  # someone else's order id
    assert client.post("/events/order-placed", json={"orderid": "x"}).status_code == 400
    letters = dead_letter_sink.letters()
    assert [(x["function"], x["path"], x["code"]) for x in letters] == [
        ("user", "/events/order-placed", 400)
    ] * 4
    assert letters[-1]["event"]["attributes"]["subject"] == orderid
    assert mine(client, orderid) == [{"orderid": orderid, "cart": CART, "status": "placed"}]


def test_placed_cart_that_no_store_can_keep_is_a_dead_letter(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, PLACED, orderid, "stan", cart={"items": [{"$sku": "RMC"}]}) == 202
    assert len(dead_letter_sink.letters()) == 1
    assert orderid not in [o["orderid"] for o in history(client, "stan")]


@pytest.mark.parametrize("data", BAD_PLACED.values(), ids=BAD_PLACED.keys())
def test_an_order_breaking_the_contract_is_a_bad_event_dead_letter(
    client: FlaskClient, data: object, dead_letter_sink: DeadLetterSink
) -> None:
    assert refuses_as_bad_event(client, "user", data, dead_letter_sink)
