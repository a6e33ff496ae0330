"""The checkout flow end to end: real functions served, the dev broker on real RabbitMQ."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import urllib3

from kit import events
from scripts.stack.shop import Stack
from tests.support.eventing import Call, Recorder, Reply, manifests_with_delivery
from tests.support.stack import SESSION_SECRET

SECRET = SESSION_SECRET  # the session's shop's, which signs the shoppers' tokens and events
PLACED = "com.roboshop.order.placed"
SUBSCRIBERS = ("user", "cart", "catalogue", "dispatch", "payment")


@pytest.fixture(scope="package")
def functions(stack: Stack) -> dict[str, str]:
    """catalogue, cart, user, dispatch and deadletters of the session's shop (tests/conftest.py),
    their URLs by name: this suite's own brokers deliver to them, and its payments call them."""
    return {
        name: stack.urls[name] for name in ("catalogue", "cart", "user", "dispatch", "deadletters")
    }


@dataclass
class FaultProxy:
    """Stands in front of a subscriber: forwards, or fails on purpose, and records answers."""

    target: str
    down: bool = False
    fail_next: dict[str, int] = field(default_factory=dict)  # subject -> failures to inject
    answers: list[tuple[Call, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = urllib3.PoolManager()
        self.recorder = Recorder(self.respond)
        self.url = self.recorder.url

    def respond(self, call: Call) -> Reply:
        subject = call.headers.get("ce-subject", "")
        if self.down or self.fail_next.get(subject, 0) > 0:
            if not self.down:
                self.fail_next[subject] -= 1
            self.answers.append((call, 503))
            return 503, {}, b""
        headers = {k: v for k, v in call.headers.items() if k not in ("host", "content-length")}
        answer = self.http.request(
            "POST", self.target + call.path, body=call.body, headers=headers, retries=False
        )
        self.answers.append((call, answer.status))
        reply = {k: v for k, v in answer.headers.items() if k.lower().startswith("ce-")}
        reply["Content-Type"] = answer.headers.get("Content-Type", "application/json")
        return answer.status, reply, answer.data

    def successes(self, path: str, subject: str) -> int:
        return sum(
            1
            for call, status in self.answers
            if call.path == path and call.headers.get("ce-subject") == subject and status < 300
        )

    def close(self) -> None:
        self.recorder.close()


@dataclass
class Shop:
    """A broker delivering through proxies, and payment sending to it, beside `functions`."""

    functions: dict[str, str]
    stack: Stack
    proxies: dict[str, FaultProxy] = field(default_factory=dict)

    @property
    def broker(self) -> str:
        return self.stack.urls["broker"]

    @property
    def payment(self) -> str:
        return self.stack.urls["payment"]

    def proxy(self, name: str, url: str) -> str:
        """Where the broker delivers to a subscriber: a proxy in front of it."""
        if name not in SUBSCRIBERS:
            return url
        self.proxies[name] = FaultProxy(url)
        return self.proxies[name].url

    def publish(self, event: Any) -> int:
        headers, body = events.to_binary(event)
        return urllib3.request("POST", self.broker, body=body, headers=headers).status

    def stop(self) -> None:
        self.stack.stop_all()
        for proxy in self.proxies.values():
            proxy.close()


def open_shop(
    functions: dict[str, str], amqp_url: str, folder: Path, manifests: Path, redis_url: str
) -> Shop:
    """Proxies in front of the subscribers, a broker delivering to them, payment sending to it."""
    urls = {**functions, "redis": redis_url, "rabbitmq": amqp_url}
    overrides = {"broker": {"BROKER_TRIGGERS": str(manifests)}}
    shop = Shop(functions, Stack({"SESSION_SECRET": SECRET}, folder, urls, overrides))
    shop.stack.deliver = shop.proxy
    try:
        shop.stack.start(["broker", "payment"])
    except BaseException:
        shop.stop()
        raise
    return shop


def fast_manifests(folder: Path, retry: int = 3) -> Path:
    return manifests_with_delivery(
        folder, retry=retry, backoffPolicy="linear", backoffDelay="PT0.1S"
    )


class Shopper:
    """A registered user of the shop, talking to the functions as the storefront does."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.name = f"shopper-{uuid.uuid4().hex[:10]}"
        user = shop.functions["user"]
        details = {"name": self.name, "password": "a long secret", "email": "s@example.com"}
        assert self._call("POST", f"{user}/register", details)[0] == 200
        status, body = self._call("POST", f"{user}/login", details)
        assert status == 200
        self.token = body["token"]

    def _call(self, method: str, url: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        answer = urllib3.request(method, url, json=body, headers=headers, timeout=30, retries=False)
        try:
            return answer.status, json.loads(answer.data)
        except ValueError:
            return answer.status, answer.data.decode()

    def add(self, sku: str, qty: int) -> None:
        assert (
            self._call("GET", f"{self.shop.functions['cart']}/add/{self.name}/{sku}/{qty}")[0]
            == 200
        )

    def ship(self, cost: float = 12.5) -> dict[str, Any]:
        shipping = {"distance": 250, "cost": cost, "location": "Paris"}
        status, cart = self._call(
            "POST", f"{self.shop.functions['cart']}/shipping/{self.name}", shipping
        )
        assert status == 200
        return dict(cart)

    def pay(self, payment: str | None = None, **headers: str) -> tuple[int, Any]:
        """Pay at the shop's payment function, or at another one serving `payment`."""
        return self._call("POST", f"{payment or self.shop.payment}/pay/{self.name}", {}, **headers)

    def cart(self) -> tuple[int, Any]:
        return self._call("GET", f"{self.shop.functions['cart']}/cart/{self.name}")

    def history(self) -> list[dict[str, Any]]:
        status, body = self._call("GET", f"{self.shop.functions['user']}/history/{self.name}")
        return list(body["history"]) if status == 200 else []

    def order(self, orderid: str) -> dict[str, Any] | None:
        found = [o for o in self.history() if o["orderid"] == orderid]
        assert len(found) <= 1, f"order {orderid} recorded {len(found)} times"
        return found[0] if found else None
