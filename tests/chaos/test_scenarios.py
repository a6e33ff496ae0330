"""The chaos switches on the running shop, through nginx: each scenario shows, and ends when
switched off, with no restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kit import flags
from scripts.ops import chaos
from scripts.stack.shop import Stack
from scripts.stack.wait import until
from tests.origin.conftest import Visitor

SETTLE = flags.CHECK_EVERY_SECONDS + 0.5


@pytest.fixture
def switch(stack: Stack) -> Iterator[Callable[[str, bool, str | None], None]]:
    path = Path(stack.env["FLAGS_FILE"])

    def flip(name: str, on: bool, value: str | None = None) -> None:
        document = chaos.load(path)
        chaos.switch(document, name, on, value)
        chaos.save(path, document)
        time.sleep(SETTLE)  # every function looks at the file twice a second

    yield flip
    chaos.save(path, chaos.all_off())
    time.sleep(SETTLE)


def ready_cart(stack: Stack) -> tuple[Visitor, str]:
    shopper = Visitor(stack.nginx_url)
    cart_id = shopper.anonymous_id()
    shopper.fill_cart(cart_id)
    return shopper, cart_id


def test_payment_failure_fails_checkouts_and_charges_nothing(
    stack: Stack, switch: Callable[..., None]
) -> None:
    shopper, cart_id = ready_cart(stack)
    switch("payment-failure", True, "100")
    failed = shopper.post(f"/api/payment/pay/{cart_id}")
    assert failed.status == 502 and failed.json()["error"] == "gateway_failed"
    assert shopper.get(f"/api/cart/cart/{cart_id}").status == 200  # the cart is still there
    switch("payment-failure", False)
    assert shopper.post(f"/api/payment/pay/{cart_id}").status == 200


def test_payment_unreachable(stack: Stack, switch: Callable[..., None]) -> None:
    shopper, cart_id = ready_cart(stack)
    switch("payment-unreachable", True)
    answer = shopper.post(f"/api/payment/pay/{cart_id}")
    assert answer.status == 502 and "unreachable" in answer.json()["message"]
    switch("payment-unreachable", False)
    assert shopper.post(f"/api/payment/pay/{cart_id}").status == 200


def test_one_product_slow(stack: Stack, switch: Callable[..., None]) -> None:
    shopper = Visitor(stack.nginx_url)
    switch("catalogue-slow", True, "RMC:1500")

    def took(path: str) -> float:
        started = time.monotonic()
        assert shopper.get(path).status == 200
        return time.monotonic() - started

    assert took("/api/catalogue/product/RMC") >= 1.4
    assert took("/api/catalogue/product/STAN-1") < 1.4
    switch("catalogue-slow", False)
    assert took("/api/catalogue/product/RMC") < 1.4


def test_the_broker_refusing_events_is_503_and_no_order(
    stack: Stack, switch: Callable[..., None]
) -> None:
    shopper, cart_id = ready_cart(stack)
    switch("broker-refuse", True)
    answer = shopper.post(f"/api/payment/pay/{cart_id}")
    assert answer.status == 503 and "Retry-After" in answer.headers
    switch("broker-refuse", False)
    assert shopper.post(f"/api/payment/pay/{cart_id}").status == 200


def test_a_cart_not_cleared_is_cleared_once_switched_off(
    stack: Stack, switch: Callable[..., None]
) -> None:
    shopper, cart_id = ready_cart(stack)
    switch("cart-clear-failure", True)
    assert shopper.post(f"/api/payment/pay/{cart_id}").status == 200
    time.sleep(1.5)
    assert shopper.get(f"/api/cart/cart/{cart_id}").status == 200  # the broker keeps retrying
    switch("cart-clear-failure", False)
    until(
        lambda: shopper.get(f"/api/cart/cart/{cart_id}").status,
        20,
        "the cart cleared after the switch went off",
        0.3,
        done=lambda status: status == 404,
    )
