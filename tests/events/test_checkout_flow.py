"""Checkout through the dev broker on real RabbitMQ, with every function served for real."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from kit import events
from payment import gateway
from scripts.stack import ports, processes
from scripts.stack.processes import vhost
from scripts.stack.wait import until
from tests.events.conftest import (
    PLACED,
    SECRET,
    Shop,
    Shopper,
    fast_manifests,
    open_shop,
)
from tests.support import authorisations
from tests.support.eventing import Call, Recorder, Reply

PLACED_PATH = "/events/order-placed"
PAID_PATH = "/events/order-paid"
RESERVED_PATH = "/events/stock-reserved"


@pytest.fixture(scope="module")
def shop(
    functions: dict[str, str],
    namespace: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shop]:
    with vhost(f"{namespace}checkout") as amqp_url:
        manifests = fast_manifests(tmp_path_factory.mktemp("manifests"))
        folder = tmp_path_factory.mktemp("checkout")
        opened = open_shop(functions, amqp_url, folder, manifests, redis_url)
        try:
            yield opened
        finally:
            opened.stop()


def dispatched(shopper: Shopper, orderid: str) -> bool:
    order = shopper.order(orderid)
    return order is not None and order["status"] == "dispatched"


def order_event(shopper: Shopper, cart: dict[str, object], orderid: str) -> object:
    """order.placed as payment sends it, with an authorisation of the simulated gateway."""
    data = {"orderid": orderid, "user": shopper.name, "registered": True, "cart": cart}
    authorisation = gateway.SimulatedGateway().authorise(float(str(cart["total"])), orderid)
    extensions = {events.AUTHORISATION: authorisation}
    return events.signed(
        events.make_event(PLACED, "/roboshop/payment", data, orderid, extensions=extensions),
        SECRET,
    )


def deliveries_of(shop: Shop, event_id: str) -> dict[str, int]:
    """How often each subscriber has been sent the event."""
    return {
        name: len([c for c, _ in proxy.answers if c.headers.get("ce-id") == event_id])
        for name, proxy in shop.proxies.items()
    }


def dead_letters(shop: Shop) -> list[dict[str, Any]]:
    """What the deadletters function keeps, parked or replayed."""
    answer = urllib3.request("GET", f"{shop.functions['deadletters']}/dead-letters?status=all")
    assert answer.status == 200
    return list(json.loads(answer.data))


def test_a_paid_order_is_placed_then_dispatched_and_the_cart_emptied(shop: Shop) -> None:
    shopper = Shopper(shop)
    shopper.add("RMC", 2)
    shopper.add("STAN-1", 1)
    shopper.ship()

    status, body = shopper.pay()
    assert status == 200, body
    orderid = body["orderid"]

    seen: list[str] = []

    def settled() -> bool:
        order = shopper.order(orderid)
        if order is not None and (not seen or seen[-1] != order["status"]):
            seen.append(order["status"])
        return bool(seen) and seen[-1] == "dispatched"

    until(settled, what="the order dispatched in the history")
    assert seen == [s for s in ("placed", "paid", "dispatched") if s in seen]
    order = shopper.order(orderid)
    assert order is not None
    assert [(i["sku"], i["qty"]) for i in order["cart"]["items"]] == [
        ("RMC", 2),
        ("STAN-1", 1),
        ("SHIP", 1),
    ]
    assert order["cart"]["total"] == 2 * 42 + 67 + 12.5
    until(lambda: shopper.cart()[0] == 404, what="the cart cleared")
    # Paid on its stock's reservation: the money was captured there, dispatch shipped it then.
    (reserved,) = [
        c
        for c, _ in shop.proxies["payment"].answers
        if c.path == RESERVED_PATH and c.headers.get("ce-subject") == orderid
    ]
    assert authorisations.state(reserved.headers["ce-paymentauthorisation"]) == "captured"
    assert shop.proxies["dispatch"].successes(PAID_PATH, orderid) == 1


def test_an_event_delivered_twice_takes_effect_once(shop: Shop) -> None:
    shopper = Shopper(shop)
    shopper.add("RMC", 3)
    cart = shopper.ship()
    ordered = {**cart, "items": [{**cart["items"][0], "qty": 1}]}  # RMC x1 of the 3
    orderid = str(uuid.uuid4())
    event = order_event(shopper, ordered, orderid)

    assert shop.publish(event) == 202
    assert shop.publish(event) == 202

    cart_proxy = shop.proxies["cart"]
    until(lambda: cart_proxy.successes(PLACED_PATH, orderid) == 2, what="both deliveries")
    until(lambda: shop.proxies["user"].successes(PLACED_PATH, orderid) == 2, what="user")
    until(lambda: dispatched(shopper, orderid), what="dispatched")
    status, left = shopper.cart()
    assert status == 200
    assert [(i["sku"], i["qty"]) for i in left["items"]] == [("RMC", 2), ("SHIP", 1)]
    assert len([o for o in shopper.history() if o["orderid"] == orderid]) == 1


def test_a_consumer_that_fails_twice_still_takes_effect_once(shop: Shop) -> None:
    shopper = Shopper(shop)
    shopper.add("RMC", 1)
    shopper.ship()
    orderid = str(uuid.uuid4())
    # (Not user: its later events of the order share the subject the failures are keyed by.)
    for name in ("cart", "catalogue", "dispatch"):
        shop.proxies[name].fail_next[orderid] = 2
    event = order_event(shopper, shopper.cart()[1], orderid)
    assert shop.publish(event) == 202

    until(lambda: dispatched(shopper, orderid), what="dispatched after two failures")
    until(lambda: shopper.cart()[0] == 404, what="the cart cleared")
    for name, path in (("cart", PLACED_PATH), ("catalogue", PLACED_PATH), ("dispatch", PAID_PATH)):
        proxy = shop.proxies[name]
        attempts = [c for c, _ in proxy.answers if c.headers.get("ce-subject") == orderid]
        assert len([c for c in attempts if c.path == path]) == 3
        assert proxy.successes(path, orderid) == 1
    assert len([o for o in shopper.history() if o["orderid"] == orderid]) == 1


def test_a_poison_event_is_kept_by_each_consumer_and_the_next_order_goes_through(
    shop: Shop,
) -> None:
    """The broker drops a refused event (as eventing-rabbitmq acks a 400); each consumer
    that refused it kept it as a dead letter first, and a replay reaches that consumer only."""
    poison = events.signed(
        events.make_event(PLACED, "/roboshop/payment", {"user": "nobody"}, subject="poison"), SECRET
    )
    assert shop.publish(poison) == 202
    shopper = Shopper(shop)
    shopper.add("RMC", 1)
    shopper.ship()
    status, body = shopper.pay()
    assert status == 200

    until(lambda: dispatched(shopper, body["orderid"]), what="the next order dispatched")

    def kept() -> list[dict[str, object]]:
        return [x for x in dead_letters(shop) if x["event"]["id"] == poison["id"]]

    def three_kept() -> list[dict[str, object]] | None:
        found = kept()
        return found if len(found) == 3 else None

    letters = until(three_kept, what="three dead letters")
    assert sorted(str(x["function"]) for x in letters) == ["cart", "catalogue", "user"]
    assert {x["code"] for x in letters} == {400}
    cart_letter = next(x for x in letters if x["function"] == "cart")
    heard = deliveries_of(shop, str(poison["id"]))
    replay = urllib3.request(
        "POST", f"{shop.functions['deadletters']}/dead-letters/{cart_letter['id']}/replay"
    )
    assert replay.status == 200
    # cart refuses it again (it is poison): parked again, once more, and it went to cart
    # alone, not through the broker to the others.
    assert json.loads(replay.data)["status"] == "parked"
    again = next(x for x in kept() if x["function"] == "cart")
    assert (again["id"], again["times"]) == (cart_letter["id"], 2)
    assert deliveries_of(shop, str(poison["id"])) == heard


def test_paying_twice_with_one_idempotency_key_places_one_order(shop: Shop) -> None:
    shopper = Shopper(shop)
    shopper.add("RMC", 1)
    shopper.ship()
    first = shopper.pay(**{"Idempotency-Key": "checkout-1"})
    assert first[0] == 200
    assert shopper.pay(**{"Idempotency-Key": "checkout-1"}) == first
    until(lambda: dispatched(shopper, first[1]["orderid"]), what="dispatched")
    assert [o["orderid"] for o in shopper.history()] == [first[1]["orderid"]]


def test_pay_with_the_broker_down_answers_503_and_records_nothing(shop: Shop) -> None:
    dead_broker = f"http://127.0.0.1:{ports.free_port()}/"
    payment, url = shop.stack.another("payment", {"K_SINK": dead_broker})
    try:
        shopper = Shopper(shop)
        shopper.add("RMC", 1)
        before = shopper.ship()
        status, body = shopper.pay(payment=url)
        assert status == 503
        assert body["error"] == "unavailable"
        assert shopper.history() == []
        status, cart = shopper.cart()
        assert status == 200 and cart == before
    finally:
        payment.stop()


def payment_sending_to(sink: str, shop: Shop) -> tuple[processes.Process, str]:
    """Another payment process, which waits 0.3 s for the broker's answer, twice."""
    env = {"K_SINK": sink, "PAYMENT_BROKER_TIMEOUT_MS": "300", "PAYMENT_BROKER_ATTEMPTS": "2"}
    return shop.stack.another("payment", env)


def test_an_order_whose_broker_answer_was_lost_is_placed_and_its_money_captured(
    shop: Shop,
) -> None:
    def take_then_lose_the_answer(call: Call) -> Reply:
        headers = {k: v for k, v in call.headers.items() if k not in ("host", "content-length")}
        taken = urllib3.request("POST", shop.broker, body=call.body, headers=headers, retries=False)
        time.sleep(1)  # payment has stopped waiting by now: its answer is lost
        return taken.status, {}, b""

    lossy_broker = Recorder(take_then_lose_the_answer)
    payment, url = payment_sending_to(lossy_broker.url, shop)
    try:
        shopper = Shopper(shop)
        shopper.add("RMC", 1)
        shopper.ship()
        status, body = shopper.pay(payment=url)
        assert status == 503
        assert body["error"] == "order_in_doubt"
        sent = lossy_broker.calls
        assert len(sent) == 2 and len({call.headers["ce-id"] for call in sent}) == 1
        orderid = sent[0].headers["ce-subject"]
        authorisation = sent[0].headers["ce-paymentauthorisation"]

        until(lambda: dispatched(shopper, orderid), what="the order in doubt placed")
        until(lambda: shopper.cart()[0] == 404, what="the cart cleared")
        until(
            lambda: authorisations.state(authorisation) == "captured",
            what="its authorisation captured on the order's stock.reserved",
        )
        assert [o["orderid"] for o in shopper.history()] == [orderid]
    finally:
        payment.stop()
        lossy_broker.close()
