"""Order history: pages newest first, the session rules, the harmless classic order route,
the bound per user, and the store's transitions under concurrency."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import bearer, unique_name
from tests.support.orders import CART_TO_OSLO
from tests.user.conftest import stored_order
from user import store

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
MOST = 1000


@pytest.fixture
def shopper(app: Flask) -> str:
    """A registered user; registering gives a session, to a client the tests don't use."""
    name = unique_name()
    response = app.test_client().post(
        "/register", json={"name": name, "password": "long-enough", "email": "s@example.com"}
    )
    assert response.status_code == 200
    return name


def placed(shopper: str, count: int) -> list[str]:
    """`count` orders placed for the shopper, oldest first."""
    orderids = [unique_name("o") for _ in range(count)]
    for orderid in orderids:
        store.record_placed(orderid, shopper, CART_TO_OSLO, MOST)
    return orderids


def order(client: FlaskClient, name: str, body: Any, as_user: str | None = None) -> Any:
    headers = bearer(as_user) if as_user else {}
    return client.post(f"/order/{name}", json=body, headers=headers)


def test_history_shows_each_orders_facts(client: FlaskClient, shopper: str) -> None:
    [orderid] = placed(shopper, 1)
    response = client.get(f"/history/{shopper}", headers=bearer(shopper))
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "1" and "Link" not in response.headers
    [entry] = response.get_json()["history"]
    assert ISO_UTC.fullmatch(entry.pop("placed")) and ISO_UTC.fullmatch(entry.pop("updated"))
    assert entry == {
        "orderid": orderid,
        "status": "placed",
        "destination": "Oslo (NO)",
        "shipping": 20.5,
        "cart": CART_TO_OSLO,
    }


def test_history_pages_newest_first(client: FlaskClient, shopper: str) -> None:
    orderids = placed(shopper, 5)
    first = client.get(f"/history/{shopper}?limit=2", headers=bearer(shopper))
    assert first.headers["X-Total-Count"] == "5"
    assert first.headers["Link"] == '<?limit=2&offset=2>; rel="next"'
    pages = [first.get_json()["history"]]
    for offset in (2, 4):
        answer = client.get(f"/history/{shopper}?limit=2&offset={offset}", headers=bearer(shopper))
        pages.append(answer.get_json()["history"])
    assert [o["orderid"] for page in pages for o in page] == orderids[::-1]
    beyond = client.get(f"/history/{shopper}?offset=9", headers=bearer(shopper))
    assert (beyond.status_code, beyond.get_json()["history"]) == (200, [])


def test_a_history_page_is_bounded(client: FlaskClient, shopper: str) -> None:
    placed(shopper, 21)
    page = client.get(f"/history/{shopper}", headers=bearer(shopper))
    assert len(page.get_json()["history"]) == 20
    for bad in ("limit=101", "limit=0", "limit=x", "offset=-1"):
        answer = client.get(f"/history/{shopper}?{bad}", headers=bearer(shopper))
        assert (answer.status_code, answer.get_json()["error"]) == (400, "bad_request"), bad


def test_history_with_a_session_cookie_from_login(client: FlaskClient, shopper: str) -> None:
    placed(shopper, 1)
    client.post("/login", json={"name": shopper, "password": "long-enough"})
    assert client.get(f"/history/{shopper}").status_code == 200


def test_no_history_is_404(client: FlaskClient, shopper: str) -> None:
    response = client.get(f"/history/{shopper}", headers=bearer(shopper))
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_history_and_order_need_that_users_session(client: FlaskClient, shopper: str) -> None:
    [orderid] = placed(shopper, 1)
    assert client.get(f"/history/{shopper}").status_code == 401
    assert client.get(f"/history/{shopper}", headers=bearer("stan")).status_code == 403
    forged = {"Authorization": "Bearer bm90.aXQ"}
    assert client.get(f"/history/{shopper}", headers=forged).status_code == 401
    body: dict[str, Any] = {"orderid": orderid, "cart": CART_TO_OSLO}
    assert order(client, shopper, body).status_code == 401
    assert order(client, shopper, body, "stan").status_code == 403


def test_the_classic_order_route_confirms_a_recorded_order_unchanged(
    client: FlaskClient, shopper: str
) -> None:
    [orderid] = placed(shopper, 1)
    store.record_status(orderid, shopper, store.DISPATCHED)
    before = stored_order(orderid)
    rewrite = {"orderid": orderid, "cart": {"total": 0, "tax": 0, "items": []}}
    answer = order(client, shopper, rewrite, shopper)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "OK")
    assert stored_order(orderid) == before


def test_the_classic_order_route_invents_no_order(client: FlaskClient, shopper: str) -> None:
    for orderid in (unique_name("o"), placed("stan", 1)[0]):
        answer = order(client, shopper, {"orderid": orderid, "cart": CART_TO_OSLO}, shopper)
        assert (answer.status_code, answer.get_json()["error"]) == (404, "unknown_order")
    assert store.listed_count(shopper) == 0
    assert client.get(f"/history/{shopper}", headers=bearer(shopper)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"cart": CART_TO_OSLO},
        {"orderid": "o-x"},
        {"orderid": "", "cart": CART_TO_OSLO},
        {"orderid": 12, "cart": CART_TO_OSLO},
        {"orderid": "bad id", "cart": CART_TO_OSLO},
        {"orderid": "o-1\n", "cart": CART_TO_OSLO},
        {"orderid": "o-x", "cart": [1, 2]},
    ],
)
def test_order_bad_body_is_400(client: FlaskClient, shopper: str, body: dict[str, Any]) -> None:
    assert order(client, shopper, body, shopper).status_code == 400


def test_a_users_orders_are_bounded(shopper: str) -> None:
    orderids = [unique_name("o") for _ in range(3)]
    for orderid in orderids[:2]:
        store.record_placed(orderid, shopper, CART_TO_OSLO, 2)
    with pytest.raises(store.TooManyOrders):
        store.record_placed(orderids[2], shopper, CART_TO_OSLO, 2)
    store.record_placed(orderids[0], shopper, CART_TO_OSLO, 2)  # a redelivery still counts as done
    assert store.listed_count(shopper) == 2 and stored_order(orderids[2]) is None


def test_the_order_store_refuses_an_orderid_of_another_user(shopper: str) -> None:
    [orderid] = placed("stan", 1)
    with pytest.raises(store.OrderConflict):
        store.record_status(orderid, shopper, store.DISPATCHED)
    with pytest.raises(store.OrderConflict):
        store.record_placed(orderid, shopper, CART_TO_OSLO, MOST)
    assert (stored_order(orderid) or {})["user"] == "stan"


def test_racing_events_of_one_order_end_in_one_document_and_state(shopper: str) -> None:
    """Every event of an order at once, each delivered three times (the Trigger's
    parallelism): one document, listed, ending dispatched."""
    for _ in range(5):
        orderid = unique_name("o")
        steps: list[Callable[[], object]] = [
            partial(store.record_placed, orderid, shopper, CART_TO_OSLO, MOST),
            partial(store.record_status, orderid, shopper, store.PAID),
            partial(store.record_status, orderid, shopper, store.DISPATCHED),
        ]
        with ThreadPoolExecutor(len(steps) * 3) as pool:
            for done in [pool.submit(step) for step in steps * 3]:
                done.result()  # no step failed
        assert store.orders().count_documents({"orderid": orderid}) == 1
        found = stored_order(orderid) or {}
        expected = ("dispatched", True, CART_TO_OSLO)
        assert (found["status"], found["listed"], found["cart"]) == expected
