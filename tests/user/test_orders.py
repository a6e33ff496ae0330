"""Order history: the compatibility route, the session rules and the event-ready store."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import bearer, unique_name
from tests.user.conftest import stored_order
from user import store

CART = {"total": 84, "tax": 14, "items": [{"qty": 2, "sku": "RMC", "name": "R", "price": 42}]}


@pytest.fixture
def shopper(app: Flask) -> str:
    """A registered user; registering gives a session, to a client the tests don't use."""
    name = unique_name()
    response = app.test_client().post(
        "/register", json={"name": name, "password": "long-enough", "email": "s@example.com"}
    )
    assert response.status_code == 200
    return name


def order(client: FlaskClient, name: str, body: Any, as_user: str | None = None) -> Any:
    headers = bearer(as_user) if as_user else {}
    return client.post(f"/order/{name}", json=body, headers=headers)


def test_order_then_history(client: FlaskClient, shopper: str) -> None:
    for orderid, cart in (("o-1", CART), ("o-2", {"items": []})):
        assert (
            order(client, shopper, {"orderid": orderid, "cart": cart}, shopper).status_code == 200
        )
    response = client.get(f"/history/{shopper}", headers=bearer(shopper))
    assert response.status_code == 200
    assert response.get_json() == {
        "name": shopper,
        "history": [
            {"orderid": "o-1", "cart": CART, "status": "placed"},
            {"orderid": "o-2", "cart": {"items": []}, "status": "placed"},
        ],
    }


def test_history_with_a_session_cookie_from_login(client: FlaskClient, shopper: str) -> None:
    order(client, shopper, {"orderid": unique_name("o"), "cart": CART}, shopper)
    client.post("/login", json={"name": shopper, "password": "long-enough"})
    assert client.get(f"/history/{shopper}").status_code == 200


def test_repeating_an_order_adds_nothing(client: FlaskClient, shopper: str) -> None:
    for _ in range(3):
        assert order(client, shopper, {"orderid": "same", "cart": CART}, shopper).status_code == 200
    history = client.get(f"/history/{shopper}", headers=bearer(shopper)).get_json()["history"]
    assert [h["orderid"] for h in history] == ["same"]


def test_an_order_id_of_another_user_is_409(client: FlaskClient, shopper: str) -> None:
    orderid = unique_name("o")
    assert order(client, "stan", {"orderid": orderid, "cart": CART}, "stan").status_code == 200
    taken = order(client, shopper, {"orderid": orderid, "cart": {}}, shopper)
    assert taken.status_code == 409
    assert (stored_order(orderid) or {}).get("user") == "stan"


def test_no_history_is_404(client: FlaskClient, shopper: str) -> None:
    response = client.get(f"/history/{shopper}", headers=bearer(shopper))
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_history_and_order_need_that_users_session(client: FlaskClient, shopper: str) -> None:
    order(client, shopper, {"orderid": unique_name("o"), "cart": CART}, shopper)
    assert client.get(f"/history/{shopper}").status_code == 401
    assert client.get(f"/history/{shopper}", headers=bearer("stan")).status_code == 403
    forged = {"Authorization": "Bearer bm90.aXQ"}
    assert client.get(f"/history/{shopper}", headers=forged).status_code == 401
    body: dict[str, Any] = {"orderid": unique_name("o"), "cart": CART}
    assert order(client, shopper, body).status_code == 401
    assert order(client, shopper, body, "stan").status_code == 403
    assert stored_order(body["orderid"]) is None


def test_order_for_an_unknown_user_is_404(client: FlaskClient) -> None:
    ghost = unique_name("ghost")
    response = order(client, ghost, {"orderid": unique_name("o"), "cart": CART}, ghost)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"cart": CART},
        {"orderid": "o-x"},
        {"orderid": "", "cart": CART},
        {"orderid": 12, "cart": CART},
        {"orderid": "bad id", "cart": CART},
        {"orderid": "o-x", "cart": [1, 2]},
    ],
)
def test_order_bad_body_is_400(client: FlaskClient, shopper: str, body: dict[str, Any]) -> None:
    assert order(client, shopper, body, shopper).status_code == 400


def test_dispatched_before_placed_ends_dispatched_with_its_cart(shopper: str) -> None:
    orderid = unique_name("o")
    store.record_dispatched(orderid, shopper)
    assert store.history(shopper) == []
    store.record_placed(orderid, shopper, CART)
    store.record_placed(orderid, shopper, CART)
    assert store.history(shopper) == [{"orderid": orderid, "cart": CART, "status": "dispatched"}]
    assert store.orders().count_documents({"orderid": orderid}) == 1


def test_placed_then_dispatched_twice(shopper: str) -> None:
    orderid = unique_name("o")
    store.record_placed(orderid, shopper, CART)
    assert (stored_order(orderid) or {}).get("status") == "placed"
    store.record_dispatched(orderid, shopper)
    store.record_dispatched(orderid, shopper)
    store.record_placed(orderid, shopper, CART)
    found = stored_order(orderid)
    assert found is not None
    assert (found["status"], found["cart"], found["user"]) == ("dispatched", CART, shopper)
    assert store.orders().count_documents({"orderid": orderid}) == 1


def test_the_order_store_refuses_an_orderid_of_another_user(shopper: str) -> None:
    orderid = unique_name("o")
    store.record_placed(orderid, "stan", CART)
    with pytest.raises(store.OrderConflict):
        store.record_dispatched(orderid, shopper)
    with pytest.raises(store.OrderConflict):
        store.record_placed(orderid, shopper, CART)


@pytest.mark.parametrize(
    "raw_cart",
    [
        '{"$set": 1}',
        '{"items": [{"a.b": 1}]}',
        '{"\\u0000": 1}',
        '{"n": 99999999999999999999999}',
        '{"x": "' + "y" * 300_000 + '"}',
        '{"a":' * 50 + "1" + "}" * 50,
    ],
    ids=["dollar-key", "dotted-key", "nul-key", "int-beyond-64-bits", "huge", "deep"],
)
def test_cart_that_no_store_can_keep_is_400_and_records_nothing(
    client: FlaskClient, shopper: str, raw_cart: str
) -> None:
    orderid = unique_name("o")
    body = f'{{"orderid": "{orderid}", "cart": {raw_cart}}}'
    response = client.post(
        f"/order/{shopper}", data=body, content_type="application/json", headers=bearer(shopper)
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_field"
    assert stored_order(orderid) is None


def test_order_id_with_a_trailing_newline_is_400(client: FlaskClient, shopper: str) -> None:
    assert order(client, shopper, {"orderid": "o-1\n", "cart": CART}, shopper).status_code == 400
