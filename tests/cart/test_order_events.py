"""order.placed at cart: the ordered cart is cleared, later additions stay, exactly once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from kit import events
from tests.support.deadletters import DeadLetterSink
from tests.support.orders import BAD_PLACED, placed_data, refuses_as_bad_event

PLACED = "com.roboshop.order.placed"


def deliver(client: FlaskClient, cart_id: str, lines: list[tuple[str, int]], orderid: str) -> int:
    items: list[dict[str, Any]] = [{"sku": s, "qty": q} for s, q in lines]
    data = placed_data(orderid, cart_id, items)
    headers, body = events.to_binary(
        events.signed(events.make_event(PLACED, "/roboshop/payment", data))
    )
    return client.post("/events/order-placed", data=body, headers=headers).status_code


def lines(client: FlaskClient, cart_id: str) -> list[tuple[str, int]] | None:
    answer = client.get(f"/cart/{cart_id}")
    if answer.status_code == 404:
        return None
    return [(i["sku"], i["qty"]) for i in answer.get_json()["items"]]


def ship(client: FlaskClient, cart_id: str) -> None:
    body = {"distance": 100, "cost": 5, "location": "Paris"}
    assert client.post(f"/shipping/{cart_id}", json=body).status_code == 200


def test_the_ordered_cart_is_cleared(client: FlaskClient, cart_id: str) -> None:
    client.get(f"/add/{cart_id}/RMC/2")
    ship(client, cart_id)
    assert deliver(client, cart_id, [("RMC", 2), ("SHIP", 1)], str(uuid.uuid4())) == 204
    assert lines(client, cart_id) is None


def test_items_added_after_the_order_stay(client: FlaskClient, cart_id: str) -> None:
    client.get(f"/add/{cart_id}/RMC/2")
    ship(client, cart_id)
    client.get(f"/add/{cart_id}/RMC/1")
    client.get(f"/add/{cart_id}/BIG/1")
    assert deliver(client, cart_id, [("RMC", 2), ("SHIP", 1)], str(uuid.uuid4())) == 204
    assert lines(client, cart_id) == [("RMC", 1), ("BIG", 1)]


def test_a_redelivered_order_changes_nothing_even_in_a_new_cart(
    client: FlaskClient, cart_id: str
) -> None:
    orderid = str(uuid.uuid4())
    client.get(f"/add/{cart_id}/RMC/1")
    assert deliver(client, cart_id, [("RMC", 1)], orderid) == 204
    client.get(f"/add/{cart_id}/RMC/1")
    assert deliver(client, cart_id, [("RMC", 1)], orderid) == 204
    assert lines(client, cart_id) == [("RMC", 1)]


def test_an_order_for_a_cart_that_is_gone_is_fine(client: FlaskClient, cart_id: str) -> None:
    assert deliver(client, cart_id, [("RMC", 1)], str(uuid.uuid4())) == 204
    assert lines(client, cart_id) is None


def test_an_order_without_lines_is_kept_as_a_dead_letter(
    client: FlaskClient, cart_id: str, dead_letter_sink: DeadLetterSink
) -> None:
    data = {"orderid": "o1", "user": cart_id, "cart": {"items": [{"sku": "RMC"}]}}
    headers, body = events.to_binary(events.signed(events.make_event(PLACED, "/x", data)))
    assert client.post("/events/order-placed", data=body, headers=headers).status_code == 202
    (letter,) = dead_letter_sink.letters()
    assert (letter["function"], letter["code"], letter["error"]) == ("cart", 400, "bad_event")
    assert dead_letter_sink.data_of(letter) == data
    assert client.post("/events/order-placed", json=data).status_code == 400


def test_an_order_of_less_than_one_unit_is_a_dead_letter_and_changes_nothing(
    client: FlaskClient, cart_id: str, dead_letter_sink: DeadLetterSink
) -> None:
    client.get(f"/add/{cart_id}/RMC/2")
    for qty in (-5, 0):
        assert deliver(client, cart_id, [("RMC", qty)], str(uuid.uuid4())) == 202
    assert lines(client, cart_id) == [("RMC", 2)]
    assert len(dead_letter_sink.letters()) == 2


def test_an_order_for_a_cart_id_with_a_trailing_newline_is_a_dead_letter(
    client: FlaskClient, cart_id: str, dead_letter_sink: DeadLetterSink
) -> None:
    assert deliver(client, cart_id + "\n", [("RMC", 1)], str(uuid.uuid4())) == 202
    assert len(dead_letter_sink.letters()) == 1


@pytest.mark.parametrize("data", BAD_PLACED.values(), ids=BAD_PLACED.keys())
def test_an_order_breaking_the_contract_is_a_bad_event_dead_letter(
    client: FlaskClient, data: object, dead_letter_sink: DeadLetterSink
) -> None:
    assert refuses_as_bad_event(client, "cart", data, dead_letter_sink)
