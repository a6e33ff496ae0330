"""Routes that are not the public's: nginx never forwards them, however the path is spelled.

Each would let an outsider change other people's data: the CloudEvent receivers (empty a
cart, write history, reserve stock, capture payments, mark orders dispatched), the customer
list, cart's shipping line and checkout hold.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import urllib3
import yaml

from kit import events
from scripts.stack.processes import ROOT
from scripts.stack.shop import Stack
from tests.origin.conftest import Visitor
from tests.support.orders import placed_data
from tests.support.stack import SESSION_SECRET


def event_routes() -> list[tuple[str, str]]:
    """(function, path) of every subscriber and dead-letter sink in the Trigger manifests."""
    found: set[tuple[str, str]] = set()
    for manifest in sorted((ROOT / "knative" / "base" / "eventing").glob("*.yaml")):
        for document in yaml.safe_load_all(manifest.read_text()):
            if not isinstance(document, dict) or document.get("kind") != "Trigger":
                continue
            spec = document["spec"]
            sinks = [spec["subscriber"], (spec.get("delivery") or {}).get("deadLetterSink")]
            for sink in filter(None, sinks):
                found.add((sink["ref"]["name"], "/" + str(sink.get("uri", "")).lstrip("/")))
    return sorted(found)


def spellings(function: str, path: str) -> list[str]:
    """The same route as nginx would see it, written the ways an attacker would try."""
    rest = path.removeprefix("/events/")
    return [
        f"/api/{function}{path}",
        f"/api/{function}//events/{rest}",
        f"/api/{function}/%65vents/{rest}",
        f"/api/{function}/./events/{rest}",
        f"/api/{function}/x/../events/{rest}",
        f"/api/catalogue/../{function}/events/{rest}",
        f"/api/{function}/events%2F{rest}",
        f"/api/{function}/events/{rest}/",
    ]


def placed_event(
    user: str, items: list[dict[str, Any]], secret: str | None = None
) -> tuple[dict[str, str], bytes]:
    """An order.placed for the user, as an outsider forges it; signed as the shop's own
    when `secret` is the shop's."""
    orderid = str(uuid.uuid4())
    data = placed_data(orderid, user, items, registered=True)
    event = events.make_event(events.ORDER_PLACED, "/roboshop/payment", data, subject=orderid)
    return events.to_binary(events.signed(event, secret) if secret else event)


def test_the_manifests_name_the_event_routes_this_test_covers() -> None:
    assert {
        ("user", "/events/order-placed"),
        ("user", "/events/order-dispatched"),
        ("user", "/events/order-paid"),
        ("user", "/events/order-cancelled"),
        ("cart", "/events/order-placed"),
        ("catalogue", "/events/order-placed"),
        ("catalogue", "/events/order-cancelled"),
        ("payment", "/events/stock-reserved"),
        ("payment", "/events/stock-rejected"),
        ("dispatch", "/events/order-paid"),
    } <= set(event_routes())


@pytest.mark.parametrize(("function", "path"), event_routes())
def test_no_event_route_is_reachable_through_nginx(
    outsider: Visitor, stack: Stack, function: str, path: str
) -> None:
    headers, body = placed_event("stan", [{"sku": "RMC", "qty": 1}])
    for spelling in spellings(function, path):
        answer = outsider.call("POST", spelling, data=body, headers=headers)
        assert answer.status in (400, 404), (spelling, answer.status)
        assert answer.json()["error"] in ("not_found", "bad_request"), spelling


def test_a_forged_order_event_leaves_a_users_cart_and_history_alone(
    visitor: Visitor, outsider: Visitor, stack: Stack
) -> None:
    name = visitor.register()
    visitor.fill_cart(name)
    before = visitor.get(f"/api/cart/cart/{name}").json()
    headers, body = placed_event(name, [{"sku": "RMC", "qty": 2}, {"sku": "SHIP", "qty": 1}])
    for function in ("cart", "user", "catalogue"):
        outsider.call("POST", f"/api/{function}/events/order-placed", data=body, headers=headers)
    assert visitor.get(f"/api/cart/cart/{name}").json() == before
    assert visitor.get(f"/api/user/history/{name}").status == 404
    # Behind nginx (where a cluster's pods reach a function through the Knative ingress,
    # whatever the path): the forgery is refused, not even kept as a dead letter...
    cart_events = f"{stack.urls['cart']}/events/order-placed"
    forged = urllib3.request("POST", cart_events, body=body, headers=headers)
    assert forged.status == 401
    assert forged.json()["error"] == "unsigned_event"
    assert visitor.get(f"/api/cart/cart/{name}").json() == before
    # ...and the same order signed as the shop signs it takes effect: the tests above would
    # have seen one that got through.
    headers, body = placed_event(
        name, [{"sku": "RMC", "qty": 2}, {"sku": "SHIP", "qty": 1}], SESSION_SECRET
    )
    assert urllib3.request("POST", cart_events, body=body, headers=headers).status == 204
    assert visitor.get(f"/api/cart/cart/{name}").status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/user/users",
        "/api/user/users/",
        "/api/user//users",
        "/api/user/%75sers",
        "/api/user/x/../users",
        "/api/cart/../user/users",
        "/api/user/users?limit=1",
    ],
)
def test_the_customer_list_is_not_public(outsider: Visitor, path: str) -> None:
    answer = outsider.get(path)
    assert answer.status == 404
    assert b"@example.com" not in answer.data


def test_carts_shipping_line_and_checkout_hold_are_not_public(
    visitor: Visitor, outsider: Visitor
) -> None:
    cart_id = visitor.anonymous_id()
    before = visitor.fill_cart(cart_id)
    free = {"distance": 1, "cost": 0, "location": "anywhere"}
    for path in (
        f"/api/cart/shipping/{cart_id}",
        f"/api/cart//shipping/{cart_id}",
        f"/api/cart/%73hipping/{cart_id}",
        f"/api/cart/x/../shipping/{cart_id}",
    ):
        answer = outsider.post(path, free)
        assert answer.status == 404, path
    assert outsider.post(f"/api/cart/checkout/{cart_id}", {"orderid": "mine"}).status == 404
    assert outsider.call("DELETE", f"/api/cart/checkout/{cart_id}/x").status == 404
    assert visitor.get(f"/api/cart/cart/{cart_id}").json() == before


@pytest.mark.parametrize(
    "path",
    ["/api/cart/metrics", "/api/user/metrics/", "/api/shipping/memory", "/api/shipping/free"],
)
def test_metrics_and_fault_knobs_stay_hidden(outsider: Visitor, path: str) -> None:
    assert outsider.get(path).status == 404


def test_the_routes_outsiders_may_use_still_answer(outsider: Visitor) -> None:
    for path in (
        "/api/catalogue/products",
        "/api/user/uniqueid",
        "/api/shipping/codes",
        "/api/ratings/api/fetch/RMC",
        "/api/cart/health",
    ):
        assert outsider.get(path).status == 200, path
