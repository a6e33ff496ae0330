"""A client written for the classic RoboShop, as its load generator drives the shop: the
same calls, bodies and headers, through nginx; every step answers as it expects."""

from __future__ import annotations

import random

from tests.origin.conftest import Visitor

FAKE_IP = {"x-forwarded-for": "156.33.241.5"}


def test_the_classic_login_task(outsider: Visitor) -> None:
    answer = outsider.post("/api/user/login", {"name": "user", "password": "password"}, **FAKE_IP)
    assert answer.status == 200


def test_the_classic_purchase_journey(outsider: Visitor) -> None:
    """home, uniqueid, categories, products, two robots with 2 or more in stock (rated,
    viewed, added), one quantity to 2, a random country and city, calc, confirm with
    `location`, pay. (The classic client picks any in-stock robot: one with a single unit
    left is refused at 2, as a shop that keeps its stock must.)"""
    rng = random.Random(57)
    assert outsider.get("/", **FAKE_IP).status == 200
    uniqueid = outsider.get("/api/user/uniqueid", **FAKE_IP).json()["uuid"]
    assert outsider.get("/api/catalogue/categories", **FAKE_IP).status == 200
    products = outsider.get("/api/catalogue/products", **FAKE_IP).json()
    for _ in range(2):
        item = rng.choice([p for p in products if p["instock"] >= 2])
        rated = outsider.call(
            "PUT",
            f"/api/ratings/api/rate/{item['sku']}/{rng.randint(1, 5)}",
            data="x-forwarded-for=156.33.241.5",
            content_type="application/x-www-form-urlencoded",
        )
        assert rated.status == 200
        assert outsider.get(f"/api/catalogue/product/{item['sku']}", **FAKE_IP).status == 200
        assert outsider.get(f"/api/ratings/api/fetch/{item['sku']}", **FAKE_IP).status == 200
        assert outsider.get(f"/api/cart/add/{uniqueid}/{item['sku']}/1", **FAKE_IP).status == 200
    cart = outsider.get(f"/api/cart/cart/{uniqueid}", **FAKE_IP).json()
    item = rng.choice(cart["items"])
    assert outsider.get(f"/api/cart/update/{uniqueid}/{item['sku']}/2", **FAKE_IP).status == 200
    code = rng.choice(outsider.get("/api/shipping/codes", **FAKE_IP).json())
    city = rng.choice(outsider.get(f"/api/shipping/cities/{code['code']}", **FAKE_IP).json())
    shipping = outsider.get(f"/api/shipping/calc/{city['uuid']}", **FAKE_IP).json()
    shipping["location"] = "{} {}".format(code["name"], city["name"])
    confirmed = outsider.post(f"/api/shipping/confirm/{uniqueid}", shipping, **FAKE_IP)
    assert confirmed.status == 200, confirmed.data
    cart = confirmed.json()
    (line,) = [i for i in cart["items"] if i["sku"] == "SHIP"]
    assert line["price"] == shipping["cost"]
    order = outsider.post(f"/api/payment/pay/{uniqueid}", cart, **FAKE_IP)
    assert order.status == 200, order.data
    assert "orderid" in order.json()


def test_the_classic_error_task_is_refused_cleanly(outsider: Visitor) -> None:
    """With ERROR=1 the classic load generator pays for partner-57 with a made-up cart."""
    answer = outsider.post("/api/payment/pay/partner-57", {"total": 0, "tax": 0}, **FAKE_IP)
    assert answer.status == 401
    assert answer.json()["error"] == "unauthorized"
