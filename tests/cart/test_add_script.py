"""store.add, the Lua script that adds to a cart inside Redis, against carts.add (the rule
in Python) and under concurrent adds, on the real Redis: none is lost, and together they
never pass the stock."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cart import carts, store
from kit import stores
from tests.support.threads import run_together

skus = st.sampled_from(["RMC", "STAN-1", "EMM", "Watson", "caf\u00e9/bot"])
prices = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
stocks = st.one_of(st.integers(0, 1500), st.just(100_000))
adds = st.lists(st.tuples(skus, prices, st.integers(1, 400), stocks), min_size=1, max_size=8)


@pytest.fixture(autouse=True)
def _redis(redis_url: str) -> None:
    """store uses the session's Redis (REDIS_URL) under the tests' key prefix."""


@settings(max_examples=60, deadline=None)
@given(adds, st.booleans())
def test_the_script_adds_as_carts_add_does(
    steps: list[tuple[str, Decimal, int, int]], shipped: bool
) -> None:
    cart_id = f"anonymous-{uuid.uuid4().hex}"
    expected: carts.Cart | None = None
    try:
        for number, (sku, price, qty, instock) in enumerate(steps):
            if shipped and number == 1 and expected is not None:
                expected = carts.with_shipping(expected, "Leeds", Decimal("25.05"))
                store.change([cart_id], replaced_by(expected))
            name = f"robot {sku} {number}"
            try:
                expected = carts.add(expected, sku, name, price, qty, instock)
            except (carts.TooMany, carts.BeyondStock) as refused:
                with pytest.raises(type(refused)):
                    store.add(cart_id, sku, name, price, qty, instock)
                assert store.load(cart_id) == expected  # nothing written
                continue
            assert store.add(cart_id, sku, name, price, qty, instock) == expected
            assert store.load(cart_id) == expected
    finally:
        stores.redis().get().delete(store.key(cart_id))


def test_concurrent_adds_lose_nothing() -> None:
    cart_id = f"anonymous-{uuid.uuid4().hex}"
    threads_count, adds_each = 16, 25
    start = threading.Barrier(threads_count)
    errors: list[Exception] = []

    def shopper(number: int) -> None:
        sku = ("RMC", "EMM", "Watson", "STAN-1")[number % 4]
        start.wait()
        for _ in range(adds_each):
            try:
                store.add(cart_id, sku, f"robot {sku}", Decimal("42.00"), 1, 100_000)
            except Exception as exc:  # any failure is what this test looks for
                errors.append(exc)

    run_together(shopper, range(threads_count))
    try:
        assert errors == []
        cart = store.load(cart_id)
        assert cart is not None
        quantities = {item["sku"]: item["qty"] for item in cart["items"]}
        per_sku = threads_count // 4 * adds_each
        assert quantities == {"RMC": per_sku, "EMM": per_sku, "Watson": per_sku, "STAN-1": per_sku}
    finally:
        stores.redis().get().delete(store.key(cart_id))


def test_concurrent_adds_to_one_cart_never_pass_the_stock() -> None:
    cart_id = f"anonymous-{uuid.uuid4().hex}"
    threads_count, instock = 16, 5
    start = threading.Barrier(threads_count)
    refused: list[carts.BeyondStock] = []

    def shopper(_: int) -> None:
        start.wait()
        try:
            store.add(cart_id, "EPE", "Extreme Probe Emulator", Decimal("953"), 1, instock)
        except carts.BeyondStock as exc:
            refused.append(exc)

    run_together(shopper, range(threads_count))
    try:
        cart = store.load(cart_id)
        assert cart is not None
        assert [(i["sku"], i["qty"]) for i in cart["items"]] == [("EPE", instock)]
        assert len(refused) == threads_count - instock
        assert {exc.left for exc in refused} == {instock}
    finally:
        stores.redis().get().delete(store.key(cart_id))


def replaced_by(cart: carts.Cart) -> store.Change:
    """A change that stores `cart` whatever the cart was."""
    return lambda _: [cart]
