"""The cart's routes against the real Redis, with the catalogue served by a local stub."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import Signer
from werkzeug.test import TestResponse

from cart import store
from kit import stores
from tests.support.accounts import anonymous_id, bearer, unique_name
from tests.support.http import json_body
from tests.support.settings import restart_with
from tests.support.stub import Reply, Stub
from tests.support.threads import run_together


def add(client: FlaskClient, cart_id: str, sku: str, qty: Any, **kw: Any) -> Any:
    return client.get(f"/add/{cart_id}/{sku}/{qty}", **kw)


def ship(client: FlaskClient, cart_id: str, body: Any, **kw: Any) -> Any:
    return client.post(f"/shipping/{cart_id}", json=body, **kw)


def test_add_creates_the_cart_with_catalogue_name_and_price(
    client: FlaskClient, cart_id: str, catalogue: Stub
) -> None:
    response = add(client, cart_id, "RMC", 2)
    assert response.status_code == 200
    assert response.get_json() == {
        "total": 84,
        "tax": 14,
        "items": [
            {"qty": 2, "sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "subtotal": 84}
        ],
    }
    assert [seen.path for seen in catalogue.seen] == ["/product/RMC"]
    assert client.get(f"/cart/{cart_id}").get_json() == response.get_json()


def test_same_sku_lines_merge_and_take_the_current_catalogue_price(
    client: FlaskClient, cart_id: str, catalogue: Stub
) -> None:
    add(client, cart_id, "RMC", 1)
    add(client, cart_id, "BIG", 1)
    catalogue.answer(lambda seen: Reply(200, {"name": "Renamed", "price": 40, "instock": 5}))
    cart = add(client, cart_id, "RMC", 3).get_json()
    assert [(i["sku"], i["qty"], i["name"], i["price"]) for i in cart["items"]] == [
        ("RMC", 4, "Renamed", 40),
        ("BIG", 1, "Big Robot", 1000),
    ]
    assert cart["total"] == 1160


def test_tax_is_a_sixth_of_the_grand_total_in_exact_cents(
    client: FlaskClient, cart_id: str
) -> None:
    add(client, cart_id, "BIG", 1)
    cart = add(client, cart_id, "HALF", 1).get_json()
    assert (cart["total"], cart["tax"]) == (1234.5, 205.75)
    # The shipping line is taxed with the goods: 1254.51 - 1254.51 / 1.2 = 209.085 -> 209.09.
    cart = ship(client, cart_id, {"distance": 401, "cost": 20.01, "location": "Paris"}).get_json()
    assert (cart["total"], cart["tax"]) == (1254.51, 209.09)


def test_no_float_drift_in_small_prices(client: FlaskClient, cart_id: str) -> None:
    cart = add(client, cart_id, "DIME", 3).get_json()
    assert cart["items"][0]["subtotal"] == 0.3
    assert (cart["total"], cart["tax"]) == (0.3, 0.05)


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "1.5", "1001", "99999999"])
def test_add_with_a_bad_qty_is_400(client: FlaskClient, cart_id: str, qty: str) -> None:
    response = add(client, cart_id, "RMC", qty)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_qty"
    assert client.get(f"/cart/{cart_id}").status_code == 404


def test_a_line_holds_at_most_1000(client: FlaskClient, cart_id: str) -> None:
    assert add(client, cart_id, "RMC", 1000).status_code == 200
    assert add(client, cart_id, "RMC", 1).status_code == 400
    assert client.get(f"/cart/{cart_id}").get_json()["items"][0]["qty"] == 1000


@pytest.mark.parametrize(
    ("cart_path", "sku"),
    [
        ("bad%20id", "RMC"),
        ("x" * 101, "RMC"),
        ("issued", "bad%20sku"),
        ("issued", "SHIP"),
    ],
)
def test_bad_ids_and_skus_are_400(client: FlaskClient, cart_path: str, sku: str) -> None:
    cart_path = anonymous_id() if cart_path == "issued" else cart_path
    response = add(client, cart_path, sku, 1)
    assert response.status_code == 400
    assert client.get(f"/update/{cart_path}/{sku}/1").status_code == 400


# Made up, and one signed as /uniqueid signs but under another shop's secret.
OTHER_SHOP = Signer("another-shop-" + "y" * 32, salt="roboshop.anonymous-id")
MADE_UP = [
    "anonymous-1",
    "anonymous-",
    "anonymous-x.y",
    "anonymous-"
    + Signer("another-shop-" + "y" * 32, salt="roboshop.anonymous-id").sign("x").decode(),
]


@pytest.mark.parametrize("made_up", MADE_UP)
def test_anonymous_ids_the_shop_did_not_issue_are_refused(
    client: FlaskClient, cart_id: str, made_up: str
) -> None:
    add(client, cart_id, "RMC", 1)
    answers = [
        add(client, made_up, "RMC", 1),
        client.get(f"/cart/{made_up}"),
        client.delete(f"/cart/{made_up}"),
        client.get(f"/update/{made_up}/RMC/2"),
        client.get(f"/rename/{made_up}/{cart_id}"),
        client.get(f"/rename/{cart_id}/{made_up}"),
        ship(client, made_up, {"distance": 1, "cost": 2, "location": "Bonn"}),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.request.path
        assert json_body(answer)["error"] == "unknown_anonymous_id"
    # Nothing moved: the issued cart is as it was.
    assert json_body(client.get(f"/cart/{cart_id}"))["items"][0]["qty"] == 1


def test_unknown_sku_is_404_and_writes_nothing(client: FlaskClient, cart_id: str) -> None:
    unknown = add(client, cart_id, "NOPE", 1)
    assert unknown.status_code == 404
    assert unknown.get_json()["error"] == "not_found"
    assert client.get(f"/cart/{cart_id}").status_code == 404


def test_catalogue_failing_is_503_and_nothing_is_written(
    client: FlaskClient, cart_id: str, catalogue: Stub
) -> None:
    add(client, cart_id, "RMC", 1)
    catalogue.answer(lambda seen: Reply(500, {"error": "internal"}))
    failing = add(client, cart_id, "RMC", 5)
    assert failing.status_code == 503
    assert "catalogue" in failing.get_json()["message"]
    assert int(failing.headers["Retry-After"]) >= 1
    catalogue.answer(lambda seen: Reply(200, b"<html>not json"))
    assert add(client, cart_id, "RMC", 5).status_code == 503
    assert client.get(f"/cart/{cart_id}").get_json()["items"][0]["qty"] == 1


def test_catalogue_unreachable_is_503(
    client: FlaskClient, cart_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scripts.stack.ports import free_port

    restart_with(monkeypatch, CATALOGUE_URL=f"http://127.0.0.1:{free_port()}")
    response = add(client, cart_id, "RMC", 1)
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert client.get(f"/cart/{cart_id}").status_code == 404


def test_get_and_delete(client: FlaskClient, cart_id: str) -> None:
    assert client.get(f"/cart/{cart_id}").status_code == 404
    assert client.delete(f"/cart/{cart_id}").status_code == 404
    add(client, cart_id, "RMC", 1)
    deleted = client.delete(f"/cart/{cart_id}")
    assert (deleted.status_code, deleted.get_data(as_text=True)) == (200, "OK")
    assert client.get(f"/cart/{cart_id}").status_code == 404


def test_update_sets_qty_and_zero_removes_the_line(client: FlaskClient, cart_id: str) -> None:
    add(client, cart_id, "RMC", 1)
    add(client, cart_id, "BIG", 1)
    cart = client.get(f"/update/{cart_id}/RMC/5").get_json()
    assert [(i["sku"], i["qty"], i["subtotal"]) for i in cart["items"]] == [
        ("RMC", 5, 210),
        ("BIG", 1, 1000),
    ]
    cart = client.get(f"/update/{cart_id}/BIG/0").get_json()
    assert [i["sku"] for i in cart["items"]] == ["RMC"]
    assert (cart["total"], cart["tax"]) == (210, 35)


def test_update_of_ship_to_0_removes_the_shipping_line(client: FlaskClient, cart_id: str) -> None:
    """The classic cart page does this before the shopper picks a city again."""
    add(client, cart_id, "RMC", 1)
    ship(client, cart_id, {"distance": 100, "cost": 5, "location": "Paris"})
    cart = client.get(f"/update/{cart_id}/SHIP/0").get_json()
    assert [i["sku"] for i in cart["items"]] == ["RMC"]
    assert cart["total"] == 42
    assert client.get(f"/update/{cart_id}/SHIP/0").status_code == 404  # no shipping line now
    for qty in ("1", "2"):
        assert client.get(f"/update/{cart_id}/SHIP/{qty}").status_code == 400


def test_update_errors(client: FlaskClient, cart_id: str) -> None:
    assert client.get(f"/update/{cart_id}/RMC/1").status_code == 404
    add(client, cart_id, "RMC", 1)
    missing = client.get(f"/update/{cart_id}/BIG/1")
    assert missing.status_code == 404
    assert "BIG" in missing.get_json()["message"]
    for qty in ("-1", "x", "1001"):
        assert client.get(f"/update/{cart_id}/RMC/{qty}").status_code == 400
    assert client.get(f"/cart/{cart_id}").get_json()["items"][0]["qty"] == 1


def test_shipping_adds_one_line_that_replaces_the_last_and_stays_last(
    client: FlaskClient, cart_id: str
) -> None:
    add(client, cart_id, "RMC", 1)
    ship(client, cart_id, {"distance": 501, "cost": 25.05, "location": "London"})
    cart = ship(client, cart_id, {"distance": 401, "cost": 20, "location": "Paris"}).get_json()
    assert cart["items"][-1] == {
        "qty": 1,
        "sku": "SHIP",
        "name": "shipping to Paris",
        "price": 20,
        "subtotal": 20,
    }
    cart = add(client, cart_id, "BIG", 1).get_json()
    assert [i["sku"] for i in cart["items"]] == ["RMC", "BIG", "SHIP"]
    assert cart["total"] == 1062


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"cost": 20, "location": "Paris"}, "missing_field"),
        ({"distance": 1, "location": "Paris"}, "missing_field"),
        ({"distance": 1, "cost": 20}, "missing_field"),
        ({"distance": 1, "cost": 20, "location": ""}, "missing_field"),
        ({"distance": 1, "cost": -1, "location": "Paris"}, "invalid_field"),
        ({"distance": 1, "cost": "lots", "location": "Paris"}, "invalid_field"),
        ({"distance": 1, "cost": True, "location": "Paris"}, "invalid_field"),
        ({"distance": 1, "cost": 1e12, "location": "Paris"}, "invalid_field"),
        ({"distance": -5, "cost": 20, "location": "Paris"}, "invalid_field"),
        ({"distance": 1, "cost": 20, "location": ["Paris"]}, "invalid_field"),
        ({"distance": 1, "cost": 20, "location": "x" * 201}, "invalid_field"),
        ({"distance": 1, "cost": 20, "location": "Par\u0000is"}, "invalid_field"),
        ({"distance": 1, "cost": 20, "location": "Paris\r\nX: y"}, "invalid_field"),
        ({"distance": 1, "cost": "1_000", "location": "Paris"}, "invalid_field"),
        ({"distance": 1, "cost": " 20 ", "location": "Paris"}, "invalid_field"),
        ({"distance": "1e400", "cost": 20, "location": "Paris"}, "invalid_field"),
    ],
)
def test_shipping_bad_body_is_400(
    client: FlaskClient, cart_id: str, body: dict[str, Any], error: str
) -> None:
    add(client, cart_id, "RMC", 1)
    response = ship(client, cart_id, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == error
    assert [i["sku"] for i in client.get(f"/cart/{cart_id}").get_json()["items"]] == ["RMC"]


def test_shipping_without_a_cart_is_404_and_malformed_json_400(
    client: FlaskClient, cart_id: str
) -> None:
    body = {"distance": 1, "cost": 2, "location": "Paris"}
    assert ship(client, cart_id, body).status_code == 404
    assert client.get(f"/cart/{cart_id}").status_code == 404
    malformed = client.post(f"/shipping/{cart_id}", data="{", content_type="application/json")
    assert malformed.status_code == 400


def test_rename_merges_drops_shipping_and_deletes_the_source(
    client: FlaskClient, cart_id: str
) -> None:
    target = anonymous_id()
    add(client, cart_id, "RMC", 2)
    add(client, cart_id, "BIG", 1)
    ship(client, cart_id, {"distance": 1, "cost": 5, "location": "Bonn"})
    add(client, target, "RMC", 3)
    ship(client, target, {"distance": 1, "cost": 7, "location": "Köln"})
    merged = client.get(f"/rename/{cart_id}/{target}")
    assert merged.status_code == 200
    cart = merged.get_json()
    assert [(i["sku"], i["qty"]) for i in cart["items"]] == [("RMC", 5), ("BIG", 1)]
    assert cart["total"] == 1210
    assert client.get(f"/cart/{cart_id}").status_code == 404
    assert client.get(f"/cart/{target}").get_json() == cart


def test_rename_to_a_new_cart_and_errors(client: FlaskClient, cart_id: str) -> None:
    target = anonymous_id()
    assert client.get(f"/rename/{cart_id}/{target}").status_code == 404
    add(client, cart_id, "RMC", 1)
    assert client.get(f"/rename/{cart_id}/{cart_id}").status_code == 400
    assert client.get(f"/rename/{cart_id}/bad%20id").status_code == 400
    cart = client.get(f"/rename/{cart_id}/{target}").get_json()
    assert [(i["sku"], i["qty"]) for i in cart["items"]] == [("RMC", 1)]


def test_registered_users_cart_answers_only_to_their_session(
    client: FlaskClient, cart_id: str
) -> None:
    name = unique_name()
    paths = [f"/add/{name}/RMC/1", f"/cart/{name}", f"/update/{name}/RMC/2"]
    for path in paths:
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=bearer("someone-else")).status_code == 403, path
        assert client.get(path, headers=bearer(name)).status_code == 200, path
    body = {"distance": 1, "cost": 2, "location": "Bonn"}
    assert ship(client, name, body).status_code == 401
    assert ship(client, name, body, headers=bearer("someone-else")).status_code == 403
    assert client.delete(f"/cart/{name}").status_code == 401
    assert client.delete(f"/cart/{name}", headers=bearer("someone-else")).status_code == 403
    assert client.get(f"/cart/{name}", headers=bearer(name)).get_json()["items"][0]["qty"] == 2
    assert client.delete(f"/cart/{name}", headers=bearer(name)).status_code == 200


def test_session_cookie_works_like_the_bearer_header(client: FlaskClient) -> None:
    from kit import sessions

    name = unique_name()
    client.set_cookie(sessions.COOKIE, sessions.issue(name))
    assert add(client, name, "RMC", 1).status_code == 200


def test_rename_into_a_users_cart_needs_that_users_session(
    client: FlaskClient, cart_id: str
) -> None:
    name = unique_name()
    add(client, cart_id, "RMC", 2)
    add(client, name, "RMC", 1, headers=bearer(name))
    assert client.get(f"/rename/{cart_id}/{name}").status_code == 401
    assert client.get(f"/rename/{cart_id}/{name}", headers=bearer("other")).status_code == 403
    assert client.get(f"/cart/{cart_id}").status_code == 200
    merged = client.get(f"/rename/{cart_id}/{name}", headers=bearer(name))
    assert merged.status_code == 200
    assert merged.get_json()["items"][0]["qty"] == 3
    # A user's cart can't be moved away by someone holding only the anonymous id.
    assert client.get(f"/rename/{name}/{cart_id}").status_code == 401


def test_parallel_adds_lose_nothing(app: Flask, cart_id: str) -> None:
    threads_count, adds_each = 8, 6
    start = threading.Barrier(threads_count)
    failures: list[int] = []

    def shopper(number: int) -> None:
        client = app.test_client()
        start.wait()
        for _ in range(adds_each):
            sku = "RMC" if number % 2 else "DIME"
            response = add(client, cart_id, sku, 2)
            if response.status_code != 200:
                failures.append(response.status_code)

    run_together(shopper, range(threads_count))
    assert failures == []
    cart = app.test_client().get(f"/cart/{cart_id}").get_json()
    per_sku = threads_count // 2 * adds_each * 2
    assert {i["sku"]: i["qty"] for i in cart["items"]} == {"RMC": per_sku, "DIME": per_sku}


def test_every_write_sets_a_one_hour_expiry(client: FlaskClient, cart_id: str) -> None:
    redis_client = stores.redis().get()
    key = store.key(cart_id)
    add(client, cart_id, "RMC", 1)
    assert 0 < redis_client.ttl(key) <= 3600
    writes: list[Callable[[], TestResponse]] = [
        lambda: add(client, cart_id, "RMC", 1),
        lambda: client.get(f"/update/{cart_id}/RMC/3"),
        lambda: ship(client, cart_id, {"distance": 1, "cost": 2, "location": "Bonn"}),
    ]
    for write in writes:
        redis_client.expire(key, 10)
        assert write().status_code == 200
        assert 3590 < redis_client.ttl(key) <= 3600
    target = anonymous_id()
    client.get(f"/rename/{cart_id}/{target}")
    assert 3590 < redis_client.ttl(store.key(target)) <= 3600


def test_items_added_counts_units(client: FlaskClient, cart_id: str) -> None:
    def added() -> float:
        text = client.get("/metrics").get_data(as_text=True)
        found = re.search(r"^items_added_total (\S+)$", text, re.MULTILINE)
        assert found is not None
        return float(found.group(1))

    before = added()
    add(client, cart_id, "RMC", 3)
    add(client, cart_id, "CNA", 1)
    assert added() == before + 3
