"""The server sets every price: shipping from a real city, never from the client's figures;
and what classic clients send to get there keeps working."""

from __future__ import annotations

from typing import Any

import pytest

from tests.origin.conftest import Visitor


def shipping_line(cart: dict[str, Any]) -> dict[str, Any]:
    (line,) = [item for item in cart["items"] if item["sku"] == "SHIP"]
    line_found: dict[str, Any] = line
    return line_found


def test_a_classic_shipping_body_gets_the_citys_price_not_the_clients(
    visitor: Visitor,
) -> None:
    cart_id = visitor.anonymous_id()
    assert visitor.get(f"/api/cart/add/{cart_id}/RMC/1").status == 200
    london = visitor.get("/api/shipping/match/gb/london").json()[0]
    real = visitor.get(f"/api/shipping/calc/{london['uuid']}").json()
    lie = {"distance": 1, "cost": 0.01, "location": "United Kingdom London"}
    answer = visitor.post(f"/api/shipping/confirm/{cart_id}", lie)
    assert answer.status == 200
    line = shipping_line(answer.json())
    assert line["price"] == real["cost"] == 25.05
    assert line["name"] == "shipping to London, United Kingdom"
    assert answer.json()["total"] == 42 + 25.05


@pytest.mark.parametrize(
    "body",
    [
        {"distance": 1, "cost": 0.01, "location": "Nowhere"},
        {"distance": 1, "cost": 0.01, "location": "United Kingdom Atlantis"},
        {"distance": 1, "cost": 0.01},
    ],
)
def test_a_shipping_body_naming_no_real_city_is_refused(visitor: Visitor, body: object) -> None:
    cart_id = visitor.anonymous_id()
    assert visitor.get(f"/api/cart/add/{cart_id}/RMC/1").status == 200
    answer = visitor.post(f"/api/shipping/confirm/{cart_id}", body)
    assert answer.status == 400
    items = visitor.get(f"/api/cart/cart/{cart_id}").json()["items"]
    assert [i["sku"] for i in items] == ["RMC"]


def test_the_order_is_charged_the_servers_prices_whatever_the_client_sends(
    visitor: Visitor,
) -> None:
    name = visitor.register()
    visitor.fill_cart(name)
    tampered = {"total": 1, "tax": 0, "items": [{"sku": "SHIP", "qty": 1, "price": 0}]}
    answer = visitor.post(f"/api/payment/pay/{name}", tampered)
    assert answer.status == 200, answer.data
    order = visitor.wait_for_order(name, answer.json()["orderid"])
    assert order["cart"]["total"] == 2 * 42 + 25.05
    assert shipping_line(order["cart"])["price"] == 25.05


def test_codes_list_only_countries_with_cities(visitor: Visitor) -> None:
    codes = visitor.get("/api/shipping/codes").json()
    assert codes
    for country in codes:
        cities = visitor.get(f"/api/shipping/cities/{country['code']}").json()
        assert cities, country


def test_cities_say_how_many_there_are(visitor: Visitor) -> None:
    page = visitor.get("/api/shipping/cities/gb?limit=50")
    assert len(page.json()) == 50
    total = int(page.headers["X-Total-Count"])
    assert total > 50
    assert page.headers["Link"] == '<?limit=50&offset=50>; rel="next"'


def test_the_classic_cart_page_removes_the_shipping_line_with_update_0(visitor: Visitor) -> None:
    cart_id = visitor.anonymous_id()
    visitor.fill_cart(cart_id)
    answer = visitor.get(f"/api/cart/update/{cart_id}/SHIP/0")
    assert answer.status == 200
    assert [i["sku"] for i in answer.json()["items"]] == ["RMC"]
