"""Idempotency-Key: a retried pay returns the first answer and places no second order."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kit import sessions
from payment import idempotency
from scripts.stack import ports, processes
from scripts.stack.processes import Process
from tests.payment.conftest import Peers, Sink, line, ship
from tests.payment.test_pay import good_cart
from tests.support.accounts import anonymous_id
from tests.support.eventing import Call, Recorder
from tests.support.settings import restart_with


def pay(
    client: FlaskClient, cart_id: str, key: str, **headers: str
) -> tuple[int, dict[str, object]]:
    answer = client.post(f"/pay/{cart_id}", headers={"Idempotency-Key": key, **headers})
    return answer.status_code, answer.get_json()


def test_a_retried_pay_returns_the_first_answer(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    cart = good_cart(peers)
    first = pay(client, cart, "key-1")
    assert first[0] == 200
    assert pay(client, cart, "key-1") == first
    assert len(sink.events) == 1


def test_another_key_for_a_cart_being_checked_out_is_409_with_the_order(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    cart = good_cart(peers, anonymous_id("held"))
    first = pay(client, cart, "key-1")
    for other_key in ("key-2", "key-3"):
        status, body = pay(client, cart, other_key)
        assert (status, body["error"]) == (409, "checkout_in_progress")
        assert body["orderid"] == first[1]["orderid"]
    assert len(sink.events) == 1


def test_a_key_replayed_by_another_session_is_refused(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    cart = good_cart(peers, "stan")
    stan = {"Authorization": f"Bearer {sessions.issue('stan')}"}
    first = client.post(f"/pay/{cart}", headers={"Idempotency-Key": "k", **stan})
    assert first.status_code == 200
    for intruder in ({}, {"Authorization": f"Bearer {sessions.issue('user')}"}):
        answer = client.post(f"/pay/{cart}", headers={"Idempotency-Key": "k", **intruder})
        assert answer.status_code in (401, 403)
        assert "orderid" not in answer.get_json()
    anonymous = good_cart(peers, anonymous_id("shared"))
    assert pay(client, anonymous, "k2")[0] == 200
    status, body = pay(client, anonymous, "k2", Authorization=f"Bearer {sessions.issue('user')}")
    assert (status, body["error"]) == (422, "idempotency_key_reused")
    assert "orderid" not in body
    assert len(sink.events) == 2


def test_the_same_key_on_another_cart_is_another_payment(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    first = pay(client, good_cart(peers, anonymous_id("a")), "shared")
    second = pay(client, good_cart(peers, anonymous_id("b")), "shared")
    assert first[1]["orderid"] != second[1]["orderid"]


def test_a_decline_is_final_for_its_key(
    client: FlaskClient, peers: Peers, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, PAYMENT_DECLINE_ABOVE_EUR="100")
    cart = good_cart(peers)
    assert pay(client, cart, "declined")[0] == 402
    restart_with(monkeypatch, PAYMENT_DECLINE_ABOVE_EUR="100000")
    status, body = pay(client, cart, "declined")
    assert (status, body["error"]) == (402, "payment_declined")
    assert sink.events == []


def test_a_failure_that_may_heal_frees_the_key(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    cart = good_cart(peers)
    sink.status = 503
    assert pay(client, cart, "retry-me")[0] == 503
    sink.status = 202
    status, _ = pay(client, cart, "retry-me")
    assert status == 200


def test_concurrent_duplicates_place_one_order(
    app: Flask, peers: Peers, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, PAYMENT_DELAY_MS="200")
    cart = good_cart(peers)

    def attempt(_: int) -> int:
        return (
            app.test_client().post(f"/pay/{cart}", headers={"Idempotency-Key": "twin"}).status_code
        )

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(attempt, range(4)))
    assert statuses.count(200) >= 1
    assert set(statuses) <= {200, 409}
    assert len(sink.events) == 1


def test_a_key_in_use_answers_409(
    client: FlaskClient, peers: Peers, sink: Sink, redis_url: str
) -> None:
    from kit import stores

    cart = good_cart(peers)
    # What a first request leaves while it is still paying: the key claimed by its payer.
    claim = json.dumps({"owner": idempotency._owner("")})
    stores.redis().get().set(idempotency._redis_key(cart, "busy"), claim, ex=30)
    answer = client.post(f"/pay/{cart}", headers={"Idempotency-Key": "busy"})
    assert answer.status_code == 409
    assert answer.headers["Retry-After"] == "1"
    assert sink.events == []


@pytest.mark.parametrize("key", ["", "x" * 256, "spaces are not allowed"])
def test_a_malformed_key_is_refused(client: FlaskClient, peers: Peers, key: str) -> None:
    peers.carts[anonymous_id("c")] = {"total": 0, "tax": 0, "items": [line("RMC", 1, 42), ship()]}
    assert pay(client, anonymous_id("c"), key)[0] == 400


@pytest.mark.served
def test_redis_lost_after_the_order_was_placed_still_answers_the_order(
    client: FlaskClient, peers: Peers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shopper is told what happened (the order exists), not a 503 that invites paying again."""
    port = ports.free_port()
    folder = tmp_path / "redis"
    redis = Process("redis", processes.redis_command(port, folder), folder / "redis.log")
    redis.start().wait_for_port(port)

    def accept_then_lose_redis(call: Call) -> tuple[int, dict[str, str], bytes]:
        redis.kill()
        return 202, {}, b""

    broker = Recorder(accept_then_lose_redis)
    try:
        restart_with(monkeypatch, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        restart_with(monkeypatch, REDIS_TIMEOUT_MS="500")
        restart_with(monkeypatch, K_SINK=broker.url)
        status, body = pay(client, good_cart(peers), "redis-goes-away")
        assert status == 200
        assert body == {"orderid": broker.calls[0].headers["ce-subject"], "status": "placed"}
        # The order's event carries the authorisation: payment captures it on the order's
        # stock.reserved, once Redis is back.
        assert broker.calls[0].headers["ce-paymentauthorisation"].startswith("sim-")
    finally:
        broker.close()
        redis.stop()
