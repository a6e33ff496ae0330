"""Confirming a shipping line into a cart (a stub of cart on a real HTTP port)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from scripts.stack.ports import free_port
from tests.support.http import json_body
from tests.support.settings import restart_with
from tests.support.stub import Stub

LONDON = {"distance": 501, "cost": 25.05, "location": "London, United Kingdom"}


def test_confirm_passes_the_line_and_the_shopper_on_to_cart(
    client: FlaskClient, cart: Stub
) -> None:
    client.set_cookie("roboshop_session", "s1")
    response = client.post(
        "/confirm/cart-1", json=LONDON, headers={"Authorization": "Bearer token-1"}
    )
    assert response.status_code == 200
    assert json_body(response)["id"] == "cart-1"
    assert json_body(response)["items"][0]["price"] == 25.05
    [seen] = cart.seen
    assert (seen.method, seen.path) == ("POST", "/shipping/cart-1")
    assert json.loads(seen.body) == LONDON
    assert seen.headers["Authorization"] == "Bearer token-1"
    assert seen.headers["Cookie"] == "roboshop_session=s1"


def test_confirm_by_city_uuid_computes_the_line_itself(client: FlaskClient, cart: Stub) -> None:
    response = client.post("/confirm/cart-2", json={"uuid": 2643743, "cost": 0})
    assert response.status_code == 200
    assert json.loads(cart.seen[-1].body) == LONDON


def test_cart_ids_are_sent_escaped(client: FlaskClient, cart: Stub) -> None:
    assert client.post("/confirm/a%3Fb%20c", json=LONDON).status_code == 200
    assert cart.seen[-1].path == "/shipping/a%3Fb%20c"


def test_no_cart_is_404(client: FlaskClient) -> None:
    response = client.post("/confirm/missing", json=LONDON)
    assert response.status_code == 404
    assert json_body(response)["error"] == "not_found"


def test_carts_refusal_is_passed_on(client: FlaskClient) -> None:
    response = client.post("/confirm/theirs", json=LONDON)
    assert response.status_code == 403
    assert response.json == {"error": "forbidden", "message": "not your cart"}


@pytest.mark.parametrize(
    "location",
    ["United Kingdom London", "london, united kingdom", "  United   Kingdom  London "],
)
def test_a_classic_location_naming_a_real_city_is_priced_from_that_city(
    client: FlaskClient, cart: Stub, location: str
) -> None:
    """Classic clients send `{distance, cost, location}`, location "<country> <city>"."""
    body = {"distance": 501, "cost": 25.05, "location": location}
    assert client.post("/confirm/cart-6", json=body).status_code == 200
    assert json.loads(cart.seen[-1].body) == LONDON


@pytest.mark.parametrize(
    ("distance", "cost"),
    [(501, 0.01), (1, 0.05), (0, 0), (99999, -1), ("501", "free"), (None, None)],
)
def test_the_clients_price_is_never_used(
    client: FlaskClient, cart: Stub, distance: object, cost: object
) -> None:
    body = {"distance": distance, "cost": cost, "location": "United Kingdom London"}
    assert client.post("/confirm/cart-7", json=body).status_code == 200
    assert json.loads(cart.seen[-1].body) == LONDON


def test_towns_of_one_name_are_told_apart_by_the_distance(client: FlaskClient, cart: Stub) -> None:
    towns = [
        t for t in json_body(client.get("/match/us/springfield")) if t["name"] == "Springfield"
    ]
    assert len(towns) > 1
    quotes = [json_body(client.get(f"/calc/{t['uuid']}")) for t in towns]
    smallest = quotes[-1]
    body = {"distance": smallest["distance"], "cost": 0, "location": "United States Springfield"}
    assert client.post("/confirm/cart-8", json=body).status_code == 200
    assert json.loads(cart.seen[-1].body)["cost"] == smallest["cost"]
    body = {"cost": 0, "location": "United States Springfield"}
    assert client.post("/confirm/cart-8", json=body).status_code == 200
    assert json.loads(cart.seen[-1].body)["cost"] == quotes[0]["cost"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([1, 2], "bad_request"),
        ({"distance": 501, "cost": 25.05}, "bad_request"),
        ({"distance": 501, "cost": 25.05, "location": "   "}, "bad_request"),
        ({"distance": 501, "cost": 25.05, "location": 42}, "bad_request"),
        ({"distance": 501, "cost": 25.05, "location": "x" * 201}, "bad_request"),
        ({"cost": 25.05, "location": "London"}, "unknown_location"),
        ({"distance": 501, "cost": 25.05, "location": "United Kingdom"}, "unknown_location"),
        (
            {"distance": 501, "cost": 25.05, "location": "United Kingdom Atlantis"},
            "unknown_location",
        ),
        ({"distance": 1, "cost": 0.05, "location": "Narnia Cair Paravel"}, "unknown_location"),
        ({"distance": 501, "cost": 25.05, "location": "France London"}, "unknown_location"),
    ],
)
def test_a_line_that_names_no_real_city_is_400_and_never_reaches_cart(
    client: FlaskClient, cart: Stub, body: object, error: str
) -> None:
    response = client.post("/confirm/cart-3", json=body)
    assert response.status_code == 400
    assert json_body(response)["error"] == error
    assert cart.seen == []


@pytest.mark.parametrize("distance", ["1e309", "-1e309", "NaN", "Infinity"])
def test_distance_beyond_any_number_is_400(client: FlaskClient, cart: Stub, distance: str) -> None:
    body = f'{{"distance": {distance}, "cost": 25.05, "location": "United Kingdom London"}}'
    response = client.post("/confirm/c", data=body, content_type="application/json")
    assert response.status_code == 400
    assert json_body(response)["error"] == "malformed_json"
    assert cart.seen == []


def test_malformed_json_is_400(client: FlaskClient, cart: Stub) -> None:
    response = client.post("/confirm/c", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert cart.seen == []


def test_unknown_city_uuid_is_404(client: FlaskClient) -> None:
    assert client.post("/confirm/cart-4", json={"uuid": "nowhere"}).status_code == 404


def test_cart_down_is_503(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(monkeypatch, CART_URL=f"http://127.0.0.1:{free_port()}")
    response = client.post("/confirm/cart-5", json=LONDON)
    assert response.status_code == 503
    assert json_body(response)["error"] == "unavailable"
    assert "Retry-After" in response.headers
