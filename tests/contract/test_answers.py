"""Every operation of web/openapi.yaml, through nginx, answers each status it declares, with
the media type, body and headers it declares for it.

Each operation has scenarios that provoke its statuses (a product that exists and one that
doesn't, someone else's session, a body that isn't JSON ...). Every answer is checked
against the description, and the statuses seen must be all those declared, less the ones
only a failure provokes: 503 (a store or function down, tests/faults) and 502 (a gateway
failing, tests/faults and the chaos switches in tests/chaos).
"""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import urllib3

from scripts.stack.shop import Stack
from tests.contract.spec import Operation, conformance, operations
from tests.origin.conftest import PASSWORD, Answer, Visitor

PROVED_BY_FAULTS = {"502", "503"}
# The test shop is a local run, where the demo accounts log in: tests/user proves the refusal.
PROVED_OUTSIDE_A_LOCAL_RUN = {"loginUser": {"403"}}
LONDON = "2643743"


class Caller:
    """Calls operations by id through nginx, checking and recording every answer."""

    def __init__(self, base: str, cart_url: str) -> None:
        self.base = base
        self.cart_url = cart_url  # payment's own route to a cart's hold, never through nginx
        self.seen: dict[str, set[str]] = {}
        self.problems: list[str] = []

    def visitor(self) -> Visitor:
        return Visitor(self.base)

    def __call__(
        self,
        who: Visitor,
        operation_id: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        query: str = "",
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> Answer:
        operation: Operation = operations()[operation_id]
        path = operation.url(**(params or {})) + (f"?{query}" if query else "")
        answer = who.call(operation.method, path, body, headers, data, content_type)
        self.seen.setdefault(operation_id, set()).add(str(answer.status))
        for problem in conformance(operation, answer.status, dict(answer.headers), answer.data):
            self.problems.append(f"{operation.method} {path} -> {answer.status}: {problem}")
        return answer


def registered(call: Caller) -> tuple[Visitor, str]:
    who = call.visitor()
    return who, who.register()


def filled_anonymous_cart(call: Caller) -> tuple[Visitor, str]:
    who = call.visitor()
    cart_id = who.anonymous_id()
    assert call(who, "addToCart", {"id": cart_id, "sku": "RMC", "qty": "2"}).status == 200
    return who, cart_id


def shipped(call: Caller, who: Visitor, cart_id: str) -> None:
    answer = call(who, "confirmShipping", {"id": cart_id}, {"uuid": LONDON})
    assert answer.status == 200, answer.data


def held(call: Caller, cart_id: str) -> None:
    """The cart held for checkout, as payment holds it for an order."""
    url = f"{call.cart_url}/checkout/{cart_id}"
    answer = urllib3.request("POST", url, json={"orderid": f"order-{uuid.uuid4().hex}"})
    assert answer.status == 200, answer.data


def catalogue_lists(call: Caller, operation_id: str, params: dict[str, str]) -> None:
    who = call.visitor()
    first = call(who, operation_id, params)
    call(who, operation_id, params, headers={"If-None-Match": first.headers["ETag"]})


def list_products(call: Caller) -> None:
    catalogue_lists(call, "listProducts", {})


def list_categories(call: Caller) -> None:
    catalogue_lists(call, "listCategories", {})


def list_category(call: Caller) -> None:
    catalogue_lists(call, "listCategory", {"category": "Robot"})
    call(call.visitor(), "listCategory", {"category": "raw:x%2Fy"})


def get_product(call: Caller) -> None:
    catalogue_lists(call, "getProduct", {"sku": "RMC"})
    call(call.visitor(), "getProduct", {"sku": "NO-SUCH-ROBOT"})


def search_products(call: Caller) -> None:
    who = call.visitor()
    call(who, "searchProducts", {"text": "robot"})
    call(who, "searchProducts", {"text": "x" * 101})
    call(who, "searchProducts", {"text": "raw:%2F"})


def cart_owner_cases(call: Caller, operation_id: str, extra: dict[str, str]) -> None:
    """400 for a malformed id, 401 for a user's cart without a session, 403 with another's."""
    stranger = call.visitor()
    _, name = registered(call)
    call(stranger, operation_id, {"id": "not an id!", **extra})
    call(stranger, operation_id, {"id": name, **extra})
    other, _ = registered(call)
    call(other, operation_id, {"id": name, **extra})


def get_cart(call: Caller) -> None:
    who, cart_id = filled_anonymous_cart(call)
    call(who, "getCart", {"id": cart_id})
    call(who, "getCart", {"id": who.anonymous_id()})
    cart_owner_cases(call, "getCart", {})


def delete_cart(call: Caller) -> None:
    who, cart_id = filled_anonymous_cart(call)
    call(who, "deleteCart", {"id": cart_id})
    call(who, "deleteCart", {"id": cart_id})
    who, cart_id = filled_anonymous_cart(call)
    held(call, cart_id)
    call(who, "deleteCart", {"id": cart_id})
    cart_owner_cases(call, "deleteCart", {})


def add_to_cart(call: Caller) -> None:
    who = call.visitor()
    cart_id = who.anonymous_id()
    call(who, "addToCart", {"id": cart_id, "sku": "RMC", "qty": "1"})
    call(who, "addToCart", {"id": cart_id, "sku": "RMC", "qty": "0"})
    call(who, "addToCart", {"id": cart_id, "sku": "NO-SUCH-ROBOT", "qty": "1"})
    call(who, "addToCart", {"id": cart_id, "sku": "CNA", "qty": "1"})  # out of stock
    owner, name = registered(call)
    call(owner, "addToCart", {"id": name, "sku": "STAN-1", "qty": "1"})
    cart_owner_cases(call, "addToCart", {"sku": "RMC", "qty": "1"})


def update_cart(call: Caller) -> None:
    who, cart_id = filled_anonymous_cart(call)
    call(who, "updateCart", {"id": cart_id, "sku": "RMC", "qty": "5"})
    call(who, "updateCart", {"id": cart_id, "sku": "RMC", "qty": "x"})
    call(who, "updateCart", {"id": cart_id, "sku": "EMM", "qty": "1"})
    call(who, "updateCart", {"id": cart_id, "sku": "RMC", "qty": "0"})
    assert call(who, "addToCart", {"id": cart_id, "sku": "EMM", "qty": "1"}).status == 200
    call(who, "updateCart", {"id": cart_id, "sku": "EMM", "qty": "2"})  # 1 in stock
    who, cart_id = filled_anonymous_cart(call)
    held(call, cart_id)
    call(who, "updateCart", {"id": cart_id, "sku": "RMC", "qty": "3"})
    cart_owner_cases(call, "updateCart", {"sku": "RMC", "qty": "1"})


def rename_cart(call: Caller) -> None:
    owner, name = registered(call)
    anonymous = owner.anonymous_id()
    call(owner, "addToCart", {"id": anonymous, "sku": "RMC", "qty": "1"})
    call(owner, "renameCart", {"from": anonymous, "to": name})
    call(owner, "renameCart", {"from": anonymous, "to": name})  # gone: 404
    call(owner, "renameCart", {"from": name, "to": name})
    anonymous = owner.anonymous_id()
    call(owner, "addToCart", {"id": anonymous, "sku": "RMC", "qty": "1"})
    held(call, anonymous)
    call(owner, "renameCart", {"from": anonymous, "to": name})
    stranger = call.visitor()
    call(stranger, "renameCart", {"from": stranger.anonymous_id(), "to": name})
    other, _ = registered(call)
    call(other, "renameCart", {"from": other.anonymous_id(), "to": name})


def until_throttled(call: Caller, operation: str, most: int, **request: Any) -> None:
    """Call again and again from one client until it is told to wait (429)."""
    who = call.visitor()
    for _ in range(most):
        if call(who, operation, **request).status == 429:
            return
    raise AssertionError(f"{operation}: no 429 in {most} calls from one client")


def unique_id(call: Caller) -> None:
    call(call.visitor(), "uniqueId")
    until_throttled(call, "uniqueId", 200)


def check_user(call: Caller) -> None:
    who, name = registered(call)
    call(who, "checkUser", {"name": name})
    call(who, "checkUser", {"name": f"nobody-{uuid.uuid4().hex[:8]}"})


def register_user(call: Caller) -> None:
    who = call.visitor()
    name = f"ada-{uuid.uuid4().hex[:8]}"
    details = {"name": name, "password": PASSWORD, "email": f"{name}@example.com"}
    call(who, "registerUser", body=details)
    call(who, "registerUser", body=details)
    call(who, "registerUser", body={**details, "name": f"x-{name}", "email": "not-an-email"})
    call(who, "registerUser", data=b"name=x", content_type="application/x-www-form-urlencoded")
    # A taken name costs no hash, and counts against the client all the same.
    until_throttled(call, "registerUser", 200, body=details)


def login_user(call: Caller) -> None:
    who, name = registered(call)
    call(who, "loginUser", body={"name": name, "password": PASSWORD})
    call(who, "loginUser", body={"name": name})
    call(who, "loginUser", data=b"{}", content_type="text/plain")
    for _ in range(6):  # three free wrong passwords for one name, then its back-off
        answer = call(who, "loginUser", body={"name": name, "password": "wrong password"})
    assert answer.status == 429


def logout_user(call: Caller) -> None:
    who, _ = registered(call)
    call(who, "logoutUser")


def history(call: Caller) -> None:
    who, name = registered(call)
    call(who, "history", {"name": name})  # no orders yet: 404
    assert call(who, "addToCart", {"id": name, "sku": "RMC", "qty": "1"}).status == 200
    shipped(call, who, name)
    orderid = call(who, "pay", {"id": name}).json()["orderid"]
    who.wait_for_order(name, orderid)
    first = call(who, "history", {"name": name}, query="limit=1")
    assert first.json()["history"][0]["orderid"] == orderid and first.headers["X-Total-Count"]
    call(who, "history", {"name": name}, query="limit=101")
    call(call.visitor(), "history", {"name": name})
    other, _ = registered(call)
    call(other, "history", {"name": name})


def country_codes(call: Caller) -> None:
    call(call.visitor(), "countryCodes")


def cities(call: Caller) -> None:
    who = call.visitor()
    first = call(who, "cities", {"code": "gb"}, query="limit=5")
    assert first.headers.get("Link") == '<?limit=5&offset=5>; rel="next"'
    call(who, "cities", {"code": "gb"}, query="limit=0")
    call(who, "cities", {"code": "zz"})


def match_cities(call: Caller) -> None:
    who = call.visitor()
    call(who, "matchCities", {"code": "gb", "text": "lon"})
    call(who, "matchCities", {"code": "gb", "text": "lo"})
    call(who, "matchCities", {"code": "zz", "text": "lon"})


def calc(call: Caller) -> None:
    who = call.visitor()
    call(who, "calc", {"uuid": LONDON})
    call(who, "calc", {"uuid": "999999999"})


def confirm_shipping(call: Caller) -> None:
    who, cart_id = filled_anonymous_cart(call)
    call(who, "confirmShipping", {"id": cart_id}, {"uuid": LONDON})
    call(who, "confirmShipping", {"id": cart_id}, {"location": "Nowhere Nothing", "cost": 1})
    call(who, "confirmShipping", {"id": cart_id}, data=b"{}", content_type="text/plain")
    call(who, "confirmShipping", {"id": who.anonymous_id()}, {"uuid": LONDON})
    _, name = registered(call)
    call(call.visitor(), "confirmShipping", {"id": name}, {"uuid": LONDON})
    other, _ = registered(call)
    call(other, "confirmShipping", {"id": name}, {"uuid": LONDON})


def city_count(call: Caller) -> None:
    call(call.visitor(), "cityCount")


def fetch_rating(call: Caller) -> None:
    who = call.visitor()
    call(who, "fetchRating", {"sku": "RMC"})
    call(who, "fetchRating", {"sku": "x" * 81})
    call(who, "fetchRating", {"sku": "raw:a%2Fb"})


def rate(call: Caller) -> None:
    who = call.visitor()
    call(who, "rate", {"sku": "RMC", "score": "4"}, headers={"X-Anonymous-Id": who.anonymous_id()})
    call(who, "rate", {"sku": "RMC", "score": "four"})
    call(who, "rate", {"sku": "NO-SUCH-ROBOT", "score": "4"})
    # New voters past the client's cap on one robot today: 429.
    for _ in range(11):
        anonymous = who.anonymous_id()
        last = call(
            who, "rate", {"sku": "RED", "score": "3"}, headers={"X-Anonymous-Id": anonymous}
        )
    assert last.status == 429


def pay(call: Caller) -> None:
    who, cart_id = filled_anonymous_cart(call)
    call(who, "pay", {"id": cart_id}, {"classic": "cart copy"})  # no shipping line: 400
    shipped(call, who, cart_id)
    key = {"Idempotency-Key": f"key-{uuid.uuid4().hex}"}
    assert call(who, "pay", {"id": cart_id}, headers=key).status == 200
    someone = call.visitor()
    someone.register()
    call(someone, "pay", {"id": cart_id}, headers=key)  # the same key, another payer: 422
    call(who, "pay", {"id": "raw:.."})
    _, name = registered(call)
    call(call.visitor(), "pay", {"id": name})
    call(someone, "pay", {"id": name})
    big, big_id = filled_anonymous_cart(call)
    call(big, "addToCart", {"id": big_id, "sku": "UHJ", "qty": "3"})  # above the card limit
    shipped(call, big, big_id)
    call(big, "pay", {"id": big_id})
    racer, race_id = filled_anonymous_cart(call)
    shipped(call, racer, race_id)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: call(racer, "pay", {"id": race_id}).status, range(4)))
    assert statuses.count(200) == 1, statuses


SCENARIOS: dict[str, Callable[[Caller], None]] = {
    "listProducts": list_products,
    "getProduct": get_product,
    "listCategory": list_category,
    "listCategories": list_categories,
    "searchProducts": search_products,
    "getCart": get_cart,
    "deleteCart": delete_cart,
    "addToCart": add_to_cart,
    "updateCart": update_cart,
    "renameCart": rename_cart,
    "uniqueId": unique_id,
    "checkUser": check_user,
    "registerUser": register_user,
    "loginUser": login_user,
    "logoutUser": logout_user,
    "history": history,
    "countryCodes": country_codes,
    "cities": cities,
    "matchCities": match_cities,
    "calc": calc,
    "confirmShipping": confirm_shipping,
    "cityCount": city_count,
    "fetchRating": fetch_rating,
    "rate": rate,
    "pay": pay,
}


def test_every_operation_has_scenarios() -> None:
    assert set(SCENARIOS) == set(operations())


@pytest.mark.parametrize("operation_id", sorted(SCENARIOS))
def test_operation_answers_as_described(stack: Stack, operation_id: str) -> None:
    call = Caller(stack.nginx_url, stack.urls["cart"])
    SCENARIOS[operation_id](call)
    assert not call.problems, "\n".join(call.problems)
    declared = operations()[operation_id].declared_statuses() - PROVED_BY_FAULTS
    declared -= PROVED_OUTSIDE_A_LOCAL_RUN.get(operation_id, set())
    seen = call.seen.get(operation_id, set())
    assert seen == declared, f"seen {sorted(seen)}, declared {sorted(declared)}"
