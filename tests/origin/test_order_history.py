"""A shopper's history through nginx: what checkout recorded, paged, and nothing an
attacker can rewrite or invent through the classic order route."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import urllib3

from scripts.stack.shop import Stack
from tests.origin.conftest import Visitor

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def shopper(stack: Stack) -> tuple[Visitor, str, str]:
    visitor = Visitor(stack.nginx_url)
    paid = visitor.paid_order()
    return visitor, paid.user, paid.orderid


def history(visitor: Visitor, name: str) -> list[dict[str, Any]]:
    answer = visitor.get(f"/api/user/history/{name}")
    assert answer.status == 200, answer.data
    return list(answer.json()["history"])


def test_the_history_says_when_where_and_how_the_order_stands(
    shopper: tuple[Visitor, str, str],
) -> None:
    visitor, name, orderid = shopper
    [order] = history(visitor, name)
    assert (order["orderid"], order["status"]) == (orderid, "dispatched")
    assert ISO_UTC.fullmatch(order["placed"]) and ISO_UTC.fullmatch(order["updated"])
    assert order["placed"] <= order["updated"]
    assert order["destination"].startswith("London")
    ship = [line for line in order["cart"]["items"] if line["sku"] == "SHIP"]
    assert [order["shipping"]] == [line["price"] for line in ship] and order["shipping"] > 0


def test_a_page_of_history_links_to_the_next(visitor: Visitor) -> None:
    name = visitor.register()
    orderids = []
    for _ in range(2):
        visitor.fill_cart(name)
        orderid = str(visitor.post(f"/api/payment/pay/{name}", {"total": 0}).json()["orderid"])
        visitor.wait_for_order(name, orderid)
        orderids.append(orderid)
    first = visitor.get(f"/api/user/history/{name}?limit=1")
    assert (first.headers["X-Total-Count"], first.headers["Link"]) == (
        "2",
        '<?limit=1&offset=1>; rel="next"',
    )
    second = visitor.get(f"/api/user/history/{name}?limit=1&offset=1")
    pages = first.json()["history"] + second.json()["history"]
    assert [o["orderid"] for o in pages] == orderids[::-1]


def spellings(name: str) -> list[str]:
    return [
        f"/api/user/order/{name}",
        f"/api/user//order/{name}",
        f"/api/user/%6Frder/{name}",
        f"/api/user/x/../order/{name}",
        f"/api/cart/../user/order/{name}",
        f"/api/user/order/{name}/",
    ]


def test_the_classic_order_route_is_not_public(shopper: tuple[Visitor, str, str]) -> None:
    visitor, name, orderid = shopper
    before = history(visitor, name)
    free = {"total": 0, "tax": 0, "items": [{"qty": 100, "sku": "CNA", "price": 0}]}
    invented = f"free-{uuid.uuid4()}"
    for path in spellings(name):
        for body in ({"orderid": orderid, "cart": free}, {"orderid": invented, "cart": free}):
            answer = visitor.post(path, body)
            assert (answer.status, answer.json()["error"]) == (404, "not_found"), path
    assert history(visitor, name) == before


def test_behind_the_origin_the_classic_route_changes_and_invents_nothing(
    shopper: tuple[Visitor, str, str], stack: Stack
) -> None:
    """Reached directly, as a classic client inside the cluster would, with the user's own
    session: it confirms the recorded order and writes nothing."""
    visitor, name, orderid = shopper
    before = history(visitor, name)
    cookie = "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())
    headers = {"Cookie": cookie, "Content-Type": "application/json"}
    free = b'{"total": 0, "tax": 0, "items": []}'
    url = f"{stack.urls['user']}/order/{name}"
    for orderid_sent, expected in ((orderid, 200), (f"free-{uuid.uuid4()}", 404)):
        body = b'{"orderid": "%s", "cart": %s}' % (orderid_sent.encode(), free)
        assert urllib3.request("POST", url, body=body, headers=headers).status == expected
    assert history(visitor, name) == before
