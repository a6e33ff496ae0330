"""payment alone: cart and catalogue are a stub on a free port, the broker a recorder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from werkzeug.wrappers import Request, Response

from scripts.stack import ports
from tests.support import stub
from tests.support.eventing import Call, Recorder
from tests.support.functions import create_app

JSON = "application/json"
SECRET = "payment-tests-secret-0123456789abcdefghij"
PRODUCTS = [
    {"sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "instock": 48},
    {"sku": "STAN-1", "name": "Stan", "price": 67, "instock": 1000},
    {"sku": "UHJ", "name": "Ultimate Harvesting Juggernaut", "price": 5000, "instock": 10},
]


def line(sku: str, qty: int, price: float) -> dict[str, Any]:
    return {"qty": qty, "sku": sku, "name": sku, "price": price, "subtotal": qty * price}


def ship(cost: float = 25.5) -> dict[str, Any]:
    return {"qty": 1, "sku": "SHIP", "name": "shipping to Paris", "price": cost, "subtotal": cost}


@dataclass
class Peers:
    """cart (`carts`, and the checkout holds on them) and catalogue (`products`) as one stub
    server. A hold ends when payment releases it; the order's event is not modelled here."""

    carts: dict[str, Any] = field(default_factory=dict)
    holds: dict[str, str] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=lambda: list(PRODUCTS))
    down: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        function = {"checkout": "cart", "products": "catalogue"}.get(path.split("/")[1], "")
        if function in self.down:
            return 503, {"error": "unavailable"}
        if method == "GET" and path == "/products":
            return 200, self.products
        parts = path.split("/")
        if method == "POST" and len(parts) == 3 and parts[1] == "checkout":
            return self.hold(parts[2], json.loads(body)["orderid"])
        if method == "DELETE" and len(parts) == 4 and parts[1] == "checkout":
            with self.lock:
                if self.holds.get(parts[2]) == parts[3]:
                    del self.holds[parts[2]]
            return 204, None
        return 404, {"error": "not_found"}

    def hold(self, cart_id: str, orderid: str) -> tuple[int, Any]:
        with self.lock:
            holder = self.holds.setdefault(cart_id, orderid)
            if holder != orderid:
                return 409, {"error": "checkout_in_progress", "message": "held", "orderid": holder}
            if cart_id not in self.carts:
                del self.holds[cart_id]
                return 404, {"error": "not_found"}
            return 200, self.carts[cart_id]


@pytest.fixture(scope="session")
def peers() -> Iterator[Peers]:
    state = Peers()

    def handle(request: Request) -> Response:
        call = Call.of(request)
        state.calls.append(call)
        status, answer = state.answer(call.method, call.path, call.body)
        if answer is None:
            return stub.answer(status, b"")
        return stub.answer(status, json.dumps(answer).encode(), {"Content-Type": JSON})

    with stub.serving(handle) as server:
        state.url = stub.base_url(server)
        yield state


@dataclass
class Sink:
    recorder: Recorder
    status: int = 202

    @property
    def events(self) -> list[Call]:
        """What was posted to it: a broker takes events by POST, and a stray request to
        its port (a port is reused across the session) is no event."""
        return [call for call in self.recorder.calls if call.method == "POST"]


@pytest.fixture
def sink() -> Iterator[Sink]:
    holder: dict[str, Sink] = {}
    recorder = Recorder(lambda call: (holder["sink"].status, {}, b""))
    holder["sink"] = Sink(recorder)
    yield holder["sink"]
    recorder.close()


@pytest.fixture
def app(
    peers: Peers, sink: Sink, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    peers.carts.clear()
    peers.holds.clear()
    peers.down.clear()
    peers.calls.clear()
    for name in ("CART_URL", "CATALOGUE_URL"):
        monkeypatch.setenv(name, peers.url)
    monkeypatch.setenv("K_SINK", sink.recorder.url)
    monkeypatch.setenv("SESSION_SECRET", SECRET)
    monkeypatch.setenv("PAYMENT_BROKER_ATTEMPTS", "2")
    monkeypatch.delenv("PAYMENT_GATEWAY", raising=False)
    monkeypatch.delenv("PAYMENT_DECLINE_ABOVE_EUR", raising=False)
    yield create_app("payment")


@pytest.fixture
def closed_port() -> int:
    return ports.free_port()
