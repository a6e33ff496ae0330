"""One cart, one charge: concurrent checkouts of a cart place one order, whatever their
Idempotency-Keys, and a key can't be replayed from another session."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import urllib3

from scripts.stack.shop import Stack
from tests.origin.conftest import Visitor


def sold(stack: Stack) -> float:
    """payment's count of paid orders (its /metrics, which nginx keeps from the public)."""
    text = urllib3.request("GET", f"{stack.urls['payment']}/metrics").data.decode()
    lines = [line for line in text.splitlines() if line.startswith("sold_count_total ")]
    return float(lines[0].split()[1]) if lines else 0.0


def checkouts_at_once(
    visitor: Visitor, cart_id: str, keys: list[str | None]
) -> list[tuple[int, dict[str, str]]]:
    """The cart filled, then paid once per key, all at once: each answer's status and body."""
    visitor.fill_cart(cart_id)

    def attempt(key: str | None) -> tuple[int, dict[str, str]]:
        headers = {"Idempotency-Key": key} if key else {}
        answer = visitor.post(f"/api/payment/pay/{cart_id}", {"total": 0}, **headers)
        return answer.status, answer.json()

    with ThreadPoolExecutor(len(keys)) as pool:
        return list(pool.map(attempt, keys))


def test_concurrent_checkouts_of_a_users_cart_place_and_charge_one_order(
    visitor: Visitor, stack: Stack
) -> None:
    name = visitor.register()
    before = sold(stack)
    keys: list[str | None] = [str(uuid.uuid4()) for _ in range(5)] + [None, None, None]
    answers = checkouts_at_once(visitor, name, keys)
    assert sorted(status for status, _ in answers) == [200] + [409] * 7, answers
    winners = [body["orderid"] for status, body in answers if status == 200]
    losers = [body for status, body in answers if status == 409]
    assert {body["error"] for body in losers} == {"checkout_in_progress"}, answers
    assert {body["orderid"] for body in losers} == set(winners), answers
    visitor.wait_for_order(name, winners[0])
    history = visitor.get(f"/api/user/history/{name}").json()["history"]
    assert [order["orderid"] for order in history] == winners
    assert sold(stack) == before + 1
    assert visitor.get(f"/api/cart/cart/{name}").status == 404  # cleared by the order


def test_concurrent_checkouts_of_an_anonymous_cart_charge_once(
    visitor: Visitor, stack: Stack
) -> None:
    cart_id = visitor.anonymous_id()
    before = sold(stack)
    answers = checkouts_at_once(visitor, cart_id, [None] * 4 + ["k1", "k2", "k3", "k4"])
    assert [status for status, _ in answers].count(200) == 1, answers
    assert {status for status, _ in answers} <= {200, 409}
    assert sold(stack) == before + 1


def test_paying_again_after_the_order_is_not_a_second_charge(
    visitor: Visitor, stack: Stack
) -> None:
    name = visitor.register()
    visitor.fill_cart(name)
    first = visitor.post(f"/api/payment/pay/{name}", {}, **{"Idempotency-Key": "first"})
    assert first.status == 200
    visitor.wait_for_order(name, first.json()["orderid"])
    again = visitor.post(f"/api/payment/pay/{name}", {}, **{"Idempotency-Key": "second"})
    assert again.status == 409  # the order emptied the cart; this names the order
    assert again.json()["orderid"] == first.json()["orderid"]
    visitor.fill_cart(name)  # a new cart is a new checkout
    third = visitor.post(f"/api/payment/pay/{name}", {}, **{"Idempotency-Key": "third"})
    assert third.status == 200
    assert third.json()["orderid"] != first.json()["orderid"]


def test_a_key_replayed_from_another_session_is_refused(
    visitor: Visitor, outsider: Visitor
) -> None:
    name = visitor.register()
    visitor.fill_cart(name)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    paid = visitor.post(f"/api/payment/pay/{name}", {}, **key)
    assert paid.status == 200
    assert outsider.post(f"/api/payment/pay/{name}", {}, **key).status == 401
    outsider.register()
    stolen = outsider.post(f"/api/payment/pay/{name}", {}, **key)
    assert stolen.status == 403
    assert "orderid" not in stolen.json()
    # An anonymous cart's key, replayed by a logged-in outsider who learnt the cart id.
    cart_id = Visitor(visitor.base).anonymous_id()
    shopper = Visitor(visitor.base)
    shopper.fill_cart(cart_id)
    assert shopper.post(f"/api/payment/pay/{cart_id}", {}, **key).status == 200
    replayed = outsider.post(f"/api/payment/pay/{cart_id}", {}, **key)
    assert replayed.status == 422
    assert replayed.json()["error"] == "idempotency_key_reused"
    assert "orderid" not in replayed.json()
