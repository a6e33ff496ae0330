"""Drill: RabbitMQ (a private node) restarts between publish and delivery; nothing is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.stack import processes
from scripts.stack.shop import Stack, port_of
from scripts.stack.wait import until
from tests.events.conftest import Shopper, open_shop
from tests.support.eventing import manifests_with_delivery

pytestmark = pytest.mark.slow


def test_orders_survive_a_rabbitmq_restart_and_pay_heals_by_itself(
    functions: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    rabbit = Stack({}, tmp_path / "rabbitmq").start(["rabbitmq"])
    amqp_url = rabbit.urls["rabbitmq"]
    # Retries must outlast the restart: many, close together.
    manifests = manifests_with_delivery(
        tmp_path / "manifests", retry=500, backoffPolicy="linear", backoffDelay="PT0.02S"
    )
    shop = open_shop(functions, amqp_url, tmp_path / "shop", manifests, redis_url)
    try:
        for proxy in shop.proxies.values():
            proxy.down = True
        shopper = Shopper(shop)
        shopper.add("RMC", 1)
        shopper.ship()
        status, body = shopper.pay()
        assert status == 200, body
        orderid = body["orderid"]
        until(lambda: shop.proxies["cart"].answers, what="a first (failed) delivery")

        rabbit.stop("rabbitmq")
        assert not processes.port_open(port_of(amqp_url))
        late = Shopper(shop)
        late.add("STAN-1", 1)
        late.ship()
        assert late.pay()[0] == 503
        rabbit.restart("rabbitmq")
        for proxy in shop.proxies.values():
            proxy.down = False

        until(
            lambda: (shopper.order(orderid) or {}).get("status") == "dispatched",
            seconds=60,
            what="the order dispatched after the restart",
        )
        until(lambda: shopper.cart()[0] == 404, what="the cart cleared")
        assert [o["orderid"] for o in shopper.history()] == [orderid]
        assert late.history() == []

        def paid() -> tuple[int, Any] | None:
            answer = late.pay()
            return answer if answer[0] == 200 else None

        status, body = until(
            paid,
            seconds=60,
            what="pay healed",
        )
        until(
            lambda: (late.order(body["orderid"]) or {}).get("status") == "dispatched",
            what="the later order dispatched",
        )
    finally:
        shop.stop()
        rabbit.stop_all()
