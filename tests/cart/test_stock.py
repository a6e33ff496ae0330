"""A cart line never holds more than the catalogue has in stock: 409 `out_of_stock` with the
units `left`, nothing written. A line is a wish, not a reservation: two carts may each want
the last unit, and the order that takes it first gets it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from cart import products
from tests.cart.conftest import PRODUCTS, catalogue_answer
from tests.support.accounts import anonymous_id
from tests.support.settings import restart_with
from tests.support.stub import Reply, Seen, Stub
from tests.support.threads import run_together


def add(client: FlaskClient, cart_id: str, sku: str, qty: int) -> Any:
    return client.get(f"/add/{cart_id}/{sku}/{qty}")


def lines(client: FlaskClient, cart_id: str) -> dict[str, int]:
    return {i["sku"]: i["qty"] for i in client.get(f"/cart/{cart_id}").get_json()["items"]}


def refused(answer: Any, left: int) -> None:
    assert answer.status_code == 409, answer.get_json()
    body = answer.get_json()
    assert (body["error"], body["left"]) == ("out_of_stock", left)


def stocked(sku: str, instock: int) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        if seen.path == f"/product/{sku}":
            return Reply(200, {**PRODUCTS[sku], "instock": instock})
        return catalogue_answer(seen)

    return answer


def test_a_sold_out_robot_is_409_with_none_left(client: FlaskClient, cart_id: str) -> None:
    answer = add(client, cart_id, "CNA", 1)
    refused(answer, 0)
    assert "out of stock" in answer.get_json()["message"]
    assert client.get(f"/cart/{cart_id}").status_code == 404


def test_an_add_beyond_the_stock_is_409_and_changes_nothing(
    client: FlaskClient, cart_id: str
) -> None:
    assert add(client, cart_id, "BIG", 2).status_code == 200
    answer = add(client, cart_id, "BIG", 2)  # 4 of the 3 in stock
    refused(answer, 3)
    assert answer.get_json()["message"] == "only 3 of Big Robot in stock"
    assert lines(client, cart_id) == {"BIG": 2}
    assert add(client, cart_id, "BIG", 1).status_code == 200
    assert lines(client, cart_id) == {"BIG": 3}


def test_an_update_beyond_the_stock_is_409_and_changes_nothing(
    client: FlaskClient, cart_id: str, catalogue: Stub
) -> None:
    add(client, cart_id, "BIG", 1)
    refused(client.get(f"/update/{cart_id}/BIG/4"), 3)
    assert lines(client, cart_id) == {"BIG": 1}
    assert client.get(f"/update/{cart_id}/BIG/3").status_code == 200
    assert lines(client, cart_id) == {"BIG": 3}
    # Taking a robot out asks nothing of the catalogue: it works with the catalogue down.
    catalogue.answer(lambda seen: Reply(503, {"error": "unavailable"}))
    assert client.get(f"/update/{cart_id}/BIG/0").status_code == 200


def test_an_update_of_a_line_sold_out_since_is_refused_but_can_remove_it(
    client: FlaskClient, cart_id: str, catalogue: Stub
) -> None:
    add(client, cart_id, "BIG", 2)
    catalogue.answer(stocked("BIG", 1))
    refused(client.get(f"/update/{cart_id}/BIG/2"), 1)
    assert client.get(f"/update/{cart_id}/BIG/1").status_code == 200
    assert lines(client, cart_id) == {"BIG": 1}


def test_two_carts_may_each_want_the_last_units(client: FlaskClient) -> None:
    first, second = anonymous_id(), anonymous_id()
    assert add(client, first, "BIG", 3).status_code == 200
    assert add(client, second, "BIG", 3).status_code == 200
    assert lines(client, first) == lines(client, second) == {"BIG": 3}


def test_concurrent_adds_to_one_cart_stop_at_the_stock(client: FlaskClient, cart_id: str) -> None:
    statuses: list[int] = []

    def shopper(_: int) -> None:
        statuses.append(add(client, cart_id, "BIG", 1).status_code)

    run_together(shopper, range(8))
    assert sorted(statuses) == [200] * 3 + [409] * 5
    assert lines(client, cart_id) == {"BIG": 3}


@pytest.fixture
def copies(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    restart_with(monkeypatch, CART_CATALOGUE_SECONDS="5")
    monkeypatch.setattr(products, "_copies", {})
    return client


def test_a_restock_shows_although_a_copy_is_kept(
    copies: FlaskClient, catalogue: Stub, cart_id: str
) -> None:
    add(copies, cart_id, "BIG", 1)  # kept: 3 in stock
    catalogue.answer(stocked("BIG", 10))
    assert add(copies, cart_id, "BIG", 5).status_code == 200
    assert lines(copies, cart_id) == {"BIG": 6}


def test_a_refusal_names_the_stock_now_not_the_copys(
    copies: FlaskClient, catalogue: Stub, cart_id: str
) -> None:
    add(copies, cart_id, "BIG", 1)  # kept: 3 in stock
    catalogue.answer(stocked("BIG", 1))
    refused(add(copies, cart_id, "BIG", 3), 1)
    assert lines(copies, cart_id) == {"BIG": 1}
