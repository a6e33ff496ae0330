"""Five registered shoppers pay at once for the last two of a robot: two orders are paid and
dispatched, three are cancelled with reason out_of_stock and their authorisations voided,
and the catalogue's stock ends at 0. Through the dev broker on real RabbitMQ."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catalogue import store
from scripts.stack.processes import vhost
from scripts.stack.wait import until
from tests.events.conftest import Shop, Shopper, fast_manifests, open_shop
from tests.support import authorisations
from tests.support.threads import run_together

ROBOT = "Watson"  # no other suite buys it
SHOPPERS, LEFT = 5, 2


@pytest.fixture(scope="module")
def shop(
    functions: dict[str, str],
    namespace: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shop]:
    with vhost(f"{namespace}lastrobots") as amqp_url:
        manifests = fast_manifests(tmp_path_factory.mktemp("manifests"))
        folder = tmp_path_factory.mktemp("lastrobots")
        opened = open_shop(functions, amqp_url, folder, manifests, redis_url)
        try:
            yield opened
        finally:
            opened.stop()


@pytest.fixture
def last_two(mongo_url: str) -> Iterator[None]:
    """The session shop's catalogue holds the last two of the robot (its seed's stock after)."""
    before = store.stock_of(ROBOT)
    assert store.set_stock(ROBOT, LEFT)
    try:
        yield
    finally:
        store.set_stock(ROBOT, before or 0)


def settled(shoppers: list[Shopper], orders: list[str]) -> list[dict[str, Any]] | None:
    found = [s.order(o) for s, o in zip(shoppers, orders, strict=True)]
    if any(o is None or o["status"] not in ("dispatched", "cancelled") for o in found):
        return None
    return [o for o in found if o is not None]


def test_five_shoppers_pay_at_once_for_the_last_two(shop: Shop, last_two: None) -> None:
    shoppers = [Shopper(shop) for _ in range(SHOPPERS)]
    for shopper in shoppers:
        shopper.add(ROBOT, 1)  # a line is a wish: each may hold one of the two
        shopper.ship()
    answers: dict[int, tuple[int, Any]] = {}

    def pay(number: int) -> None:
        answers[number] = shoppers[number].pay()

    run_together(pay, range(SHOPPERS))
    assert all(status == 200 for status, _ in answers.values()), answers
    assert all(body["status"] == "placed" for _, body in answers.values())
    orders = [answers[n][1]["orderid"] for n in range(SHOPPERS)]

    final = until(lambda: settled(shoppers, orders), 60, what="every order settled")
    statuses = sorted((o["status"], o.get("reason")) for o in final)
    assert statuses == [("cancelled", "out_of_stock")] * 3 + [("dispatched", None)] * 2
    assert store.stock_of(ROBOT) == 0

    # The money: captured for the two shipped, voided for the three cancelled, nothing else.
    payment = shop.proxies["payment"]
    authorisation_of = {
        call.headers["ce-subject"]: call.headers["ce-paymentauthorisation"]
        for call, _ in payment.answers
        if call.headers.get("ce-subject") in orders
    }
    expected = {"dispatched": "captured", "cancelled": "voided"}
    for order in final:
        state = authorisations.state(authorisation_of[order["orderid"]])
        assert state == expected[order["status"]], order
