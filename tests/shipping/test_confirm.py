"""Confirming a shipping line into a cart (a stub of cart on a real HTTP port)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from scripts.localstack import free_port
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
    assert response.json["id"] == "cart-1"
    assert response.json["items"][0]["price"] == 25.05
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
    assert response.json["error"] == "not_found"


def test_carts_refusal_is_passed_on(client: FlaskClient) -> None:
    response = client.post("/confirm/theirs", json=LONDON)
    assert response.status_code == 403
    assert response.json == {"error": "forbidden", "message": "not your cart"}


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"cost": 25.05, "location": "London"},
        {"distance": "501", "cost": 25.05, "location": "London"},
        {"distance": True, "cost": 0.05, "location": "London"},
        {"distance": -1, "cost": -0.05, "location": "London"},
        {"distance": 20016, "cost": 1000.8, "location": "Nowhere"},
        {"distance": 501.5, "cost": 25.08, "location": "London"},
        {"distance": 501, "cost": 0.01, "location": "London"},
        {"distance": 501, "location": "London"},
        {"distance": 501, "cost": 25.05},
        {"distance": 501, "cost": 25.05, "location": "   "},
        {"distance": 501, "cost": 25.05, "location": "x" * 201},
    ],
)
def test_bad_shipping_lines_are_400_and_never_reach_cart(
    client: FlaskClient, cart: Stub, body: object
) -> None:
    response = client.post("/confirm/cart-3", json=body)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert cart.seen == []


@pytest.mark.parametrize("distance", ["1e309", "-1e309", "NaN", "Infinity"])
def test_distance_beyond_any_number_is_400(client: FlaskClient, cart: Stub, distance: str) -> None:
    body = f'{{"distance": {distance}, "cost": 25.05, "location": "London"}}'
    response = client.post("/confirm/c", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "malformed_json"
    assert cart.seen == []


def test_malformed_json_is_400(client: FlaskClient, cart: Stub) -> None:
    response = client.post("/confirm/c", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert cart.seen == []


def test_unknown_city_uuid_is_404(client: FlaskClient) -> None:
    assert client.post("/confirm/cart-4", json={"uuid": "nowhere"}).status_code == 404


def test_cart_down_is_503(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CART_URL", f"http://127.0.0.1:{free_port()}")
    response = client.post("/confirm/cart-5", json=LONDON)
    assert response.status_code == 503
    assert response.json["error"] == "unavailable"
    assert "Retry-After" in response.headers
