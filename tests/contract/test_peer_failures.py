"""The same failure of a peer is the same answer from every function that calls one:
503 `unavailable` naming the peer, with Retry-After (the rule in functions/kit/peers.py),
and so is a dead-letter sink that fails the kit when it keeps a refused event."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Request
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder, TestResponse

from kit import ApiError, Unavailable, events
from scripts.stack.ports import free_port
from scripts.stack.processes import ROOT
from tests.support.accounts import anonymous_id, use_test_secret
from tests.support.functions import create_app
from tests.support.http import json_body
from tests.support.mysql import FunctionDatabase
from tests.support.orders import CART_TO_OSLO
from tests.support.settings import restart_with
from tests.support.stub import Reply, Seen, Stub, stub_server

PRODUCT = {"sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42, "instock": 48}


def healthy(seen: Seen) -> Reply:
    """Every peer at its best: catalogue knows RMC, cart holds and releases its cart."""
    if seen.path == "/products":
        return Reply(200, [PRODUCT])
    if seen.path.startswith("/product/"):
        return Reply(200, PRODUCT)
    if seen.method == "DELETE":
        return Reply(204)
    return Reply(200, CART_TO_OSLO)


@dataclass(frozen=True)
class Caller:
    """A function's request that needs `peer`, and the peers it needs at all."""

    function: str
    peer: str
    peers: tuple[str, ...]
    send: Callable[[FlaskClient], TestResponse]


# A cart id as /uniqueid issues it: one made up is refused before any peer is asked.
CART_ID = anonymous_id("p1")
CALLERS = [
    Caller("cart", "catalogue", ("catalogue",), lambda c: c.get(f"/add/{CART_ID}/RMC/1")),
    Caller("ratings", "catalogue", ("catalogue",), lambda c: c.put("/api/rate/RMC/4")),
    Caller(
        "payment",
        "cart",
        ("cart", "catalogue"),
        lambda c: c.post(f"/pay/{CART_ID}", json={"total": 0.01}),
    ),
    Caller(
        "payment",
        "catalogue",
        ("cart", "catalogue"),
        lambda c: c.post(f"/pay/{CART_ID}", json={"total": 0.01}),
    ),
    Caller("shipping", "cart", ("cart",), lambda c: c.post("/confirm/c1", json={"uuid": 2643743})),
]

FAILURES: dict[str, Reply | None] = {
    "down": None,
    "500": Reply(500, {"error": "internal", "message": "boom"}),
    "not JSON": Reply(200, b"<html>a proxy's page</html>"),
    "an unexpected 4xx": Reply(410, {"error": "gone", "message": "not here any more"}),
}


@pytest.fixture(scope="module")
def stub() -> Iterator[Stub]:
    with stub_server(healthy) as server:
        yield server


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: f"{c.function}->{c.peer}")
def test_a_failing_peer_is_503_unavailable_naming_it(
    caller: Caller,
    failure: str,
    stub: Stub,
    shipping_database: FunctionDatabase,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_test_secret(monkeypatch)
    if caller.function == "shipping":
        shipping_database.connect_as_function(monkeypatch)
    restart_with(monkeypatch, CART_CATALOGUE_SECONDS="0")
    restart_with(monkeypatch, K_SINK=f"http://127.0.0.1:{free_port()}")
    failing = f"http://127.0.0.1:{free_port()}" if FAILURES[failure] is None else stub.url
    for peer in caller.peers:
        monkeypatch.setenv(f"{peer.upper()}_URL", failing if peer == caller.peer else stub.url)
    stub.answer(_failing(caller.peer, FAILURES[failure]))

    response = caller.send(create_app(caller.function).test_client())

    assert response.status_code == 503, response.data[:200]
    body = json_body(response)
    assert body == {
        "error": "unavailable",
        "message": f"{caller.peer} is unavailable, please try again shortly",
    }
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failing_dead_letter_sink_is_the_same_503_for_every_consumer(
    failure: str, stub: Stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kit.events keeps a refused event with deadletters, for whichever function consumed it."""
    reply = FAILURES[failure]
    sink = f"http://127.0.0.1:{free_port()}" if reply is None else stub.url
    restart_with(monkeypatch, DEADLETTERS_URL=sink)
    stub.answer(lambda seen: reply or Reply(202, {"id": "dl-1"}))
    event = events.signed(events.make_event(events.ORDER_PLACED, "/test", {}, subject="o-1"))
    headers, body = events.to_binary(event)
    request = Request(
        EnvironBuilder(method="POST", headers=Headers(headers), data=body).get_environ()
    )

    def refuse(event: Any) -> None:
        raise ApiError(400, "bad_event", "no such order")

    with pytest.raises(Unavailable) as refused:
        events.consume(request, "user", events.ORDER_PLACED, refuse)
    assert (refused.value.status, refused.value.body()) == (
        503,
        {"error": "unavailable", "message": "deadletters is unavailable, please try again shortly"},
    )
    assert int(refused.value.headers["Retry-After"]) >= 1


def _failing(peer: str, reply: Reply | None) -> Callable[[Seen], Reply]:
    """`healthy`, except that `peer`'s paths get `reply`."""
    paths = {"catalogue": ("/product",), "cart": ("/checkout", "/shipping")}[peer]

    def answer(seen: Seen) -> Reply:
        if reply is not None and seen.path.startswith(paths):
            return reply
        return healthy(seen)

    return answer


def test_every_function_that_calls_a_peer_is_covered() -> None:
    calling = {
        path.parent.name
        for path in (ROOT / "functions").glob("*/*.py")
        if path.parent.name != "kit" and "peers.call(" in path.read_text()
    }
    assert calling == {caller.function for caller in CALLERS}
