"""Order events at user: each status in its place, idempotent, in any order of arrival."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from kit import events, sessions
from tests.support.accounts import unique_name
from tests.support.deadletters import DeadLetterSink
from tests.support.orders import BAD_PLACED, refuses_as_bad_event
from tests.support.settings import restart_with

SHIP = {"qty": 1, "sku": "SHIP", "name": "shipping to Zürich (CH)", "price": 20.5}
ROBOT = {"qty": 1, "sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "subtotal": 42}
CART = {"total": 62.5, "tax": 10.42, "items": [ROBOT, {**SHIP, "subtotal": 20.5}]}
PATHS = {
    "placed": "/events/order-placed",
    "paid": "/events/order-paid",
    "cancelled": "/events/order-cancelled",
    "dispatched": "/events/order-dispatched",
}


def send(client: FlaskClient, kind: str, orderid: str, user: str = "stan", **extra: Any) -> int:
    data: dict[str, Any] = {"orderid": orderid, "user": user}
    if kind == "placed":
        data |= {"registered": True, "cart": CART}
    if kind == "cancelled":
        data["reason"] = "out_of_stock"
    if kind == "dispatched":
        data["status"] = "dispatched"
    data |= extra
    event = events.make_event(f"com.roboshop.order.{kind}", "/tests", data, subject=orderid)
    headers, body = events.to_binary(events.signed(event))
    return client.post(PATHS[kind], data=body, headers=headers).status_code


def history(client: FlaskClient, user: str = "stan") -> list[dict[str, Any]]:
    token = sessions.issue(user)
    answer = client.get(f"/history/{user}?limit=100", headers={"Authorization": f"Bearer {token}"})
    return list(answer.get_json()["history"]) if answer.status_code == 200 else []


def mine(client: FlaskClient, orderid: str) -> list[dict[str, Any]]:
    return [o for o in history(client) if o["orderid"] == orderid]


def status(client: FlaskClient, orderid: str) -> str | None:
    found = mine(client, orderid)
    assert len(found) <= 1
    return found[0]["status"] if found else None


def test_each_status_in_turn(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, "placed", orderid) == 204
    [placed] = mine(client, orderid)
    assert placed["status"] == "placed" and placed["updated"] == placed["placed"]
    assert (placed["destination"], placed["shipping"], placed["cart"]) == (
        "Zürich (CH)",
        20.5,
        CART,
    )
    assert "reason" not in placed
    for kind in ("paid", "dispatched"):
        assert send(client, kind, orderid) == 204
        assert status(client, orderid) == kind
    [done] = mine(client, orderid)
    assert done["placed"] == placed["placed"] and done["updated"] >= placed["updated"]


def test_a_cancelled_order_keeps_its_reason_and_nothing_follows_it(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, "placed", orderid) == 204
    assert send(client, "cancelled", orderid, reason="payment_declined") == 204
    for kind in ("paid", "dispatched", "placed", "cancelled"):
        assert send(client, kind, orderid) == 204
    [order] = mine(client, orderid)
    assert (order["status"], order["reason"]) == ("cancelled", "payment_declined")


def test_a_late_paid_changes_nothing_after_dispatched(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    for kind in ("placed", "dispatched"):
        assert send(client, kind, orderid) == 204
    before = mine(client, orderid)
    assert send(client, "paid", orderid) == 204
    assert send(client, "cancelled", orderid) == 204
    assert mine(client, orderid) == before


def test_a_paid_order_can_still_be_cancelled(client: FlaskClient) -> None:
    """An authorisation lapsing after payment was recorded still ends the order."""
    orderid = str(uuid.uuid4())
    for kind in ("placed", "paid"):
        assert send(client, kind, orderid) == 204
    assert send(client, "cancelled", orderid, reason="authorisation_lapsed") == 204
    assert mine(client, orderid)[0]["reason"] == "authorisation_lapsed"


ENDINGS = {
    ("placed", "paid", "dispatched"): "dispatched",
    ("placed", "paid", "cancelled"): "cancelled",
    ("placed", "cancelled"): "cancelled",
}


@pytest.mark.parametrize(
    "events_sent", list(ENDINGS), ids=["dispatched", "paid-cancelled", "cancelled"]
)
def test_any_order_of_arrival_ends_in_the_same_state(
    client: FlaskClient, events_sent: tuple[str, ...]
) -> None:
    """The status is the latest of what arrived, whatever came first (a `dispatched` before
    `placed` is kept and the order is listed once its cart arrives), twice over."""
    for arrival in itertools.permutations(events_sent):
        orderid = str(uuid.uuid4())
        for kind in arrival + arrival:
            assert send(client, kind, orderid) == 204
        [order] = mine(client, orderid)
        assert (order["status"], order["cart"]) == (ENDINGS[events_sent], CART), arrival


def test_an_order_is_listed_only_once_placed_brings_its_cart(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, "paid", orderid) == 204
    assert mine(client, orderid) == []
    assert send(client, "placed", orderid) == 204
    assert status(client, orderid) == "paid"


def test_anonymous_orders_are_not_recorded(client: FlaskClient) -> None:
    orderid = str(uuid.uuid4())
    before = history(client)
    assert send(client, "placed", orderid, "anonymous-x", registered=False) == 204
    for kind in ("paid", "cancelled", "dispatched"):
        assert send(client, kind, orderid, "anonymous-x") == 204
    assert history(client) == before


def test_events_that_can_never_be_recorded_are_kept_as_dead_letters(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    assert send(client, "placed", "bad id with spaces") == 202
    assert send(client, "placed", str(uuid.uuid4()), "") == 202
    assert send(client, "placed", str(uuid.uuid4()), cart=[1]) == 202
    orderid = str(uuid.uuid4())
    assert send(client, "placed", orderid) == 204
    assert send(client, "placed", orderid, "user") == 202  # someone else's order id
    assert send(client, "paid", orderid, "user") == 202
    assert send(client, "paid", orderid, "stan\n") == 202
    assert send(client, "cancelled", orderid, reason="") == 202
    assert send(client, "cancelled", orderid, reason="no such reason, with spaces") == 202
    assert send(client, "cancelled", orderid, reason=None) == 202
    assert client.post("/events/order-paid", json={"orderid": "x"}).status_code == 400
    letters = dead_letter_sink.letters()
    assert [(x["function"], x["code"]) for x in letters] == [("user", 400)] * 9
    assert {x["path"] for x in letters} == set(PATHS.values()) - {PATHS["dispatched"]}
    assert status(client, orderid) == "placed"


def test_an_order_beyond_a_users_bound_is_a_dead_letter_to_replay(
    client: FlaskClient, dead_letter_sink: DeadLetterSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, ORDERS_PER_USER="2")
    name = unique_name()
    orderids = [str(uuid.uuid4()) for _ in range(3)]
    assert [send(client, "placed", o, name) for o in orderids] == [204, 204, 202]
    assert send(client, "placed", orderids[0], name) == 204  # a redelivery is no new order
    [letter] = dead_letter_sink.letters()
    assert letter["event"]["attributes"]["subject"] == orderids[2]
    assert "holds 2 orders" in letter["reason"]
    assert [o["orderid"] for o in history(client, name)] == orderids[1::-1]


def test_placed_cart_that_no_store_can_keep_is_a_dead_letter(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    orderid = str(uuid.uuid4())
    assert send(client, "placed", orderid, cart={"items": [{"$sku": "RMC"}]}) == 202
    assert len(dead_letter_sink.letters()) == 1
    assert mine(client, orderid) == []


@pytest.mark.parametrize("data", BAD_PLACED.values(), ids=BAD_PLACED.keys())
def test_an_order_breaking_the_contract_is_a_bad_event_dead_letter(
    client: FlaskClient, data: object, dead_letter_sink: DeadLetterSink
) -> None:
    assert refuses_as_bad_event(client, "user", data, dead_letter_sink)
