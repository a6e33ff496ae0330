from __future__ import annotations

import pytest
from flask import Flask, request

from kit import Unavailable, _logs, peers
from scripts.stack.ports import free_port
from tests.support.settings import restart_with
from tests.support.stub import Reply, Seen, stub_server


@pytest.fixture(autouse=True)
def fast_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(monkeypatch, PEER_READ_TIMEOUT_MS="300")
    restart_with(monkeypatch, PEER_CONNECT_TIMEOUT_MS="300")


def test_get_returns_status_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_server(lambda seen: Reply(200, {"path": seen.path})) as stub:
        restart_with(monkeypatch, CATALOGUE_URL=stub.url)
        response = peers.call("catalogue", "GET", "/product/RMC")
    assert response.ok
    assert response.data == {"path": "/product/RMC"}


def test_client_errors_are_returned_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_server(lambda seen: Reply(404, {"error": "not_found"})) as stub:
        restart_with(monkeypatch, CATALOGUE_URL=stub.url)
        response = peers.call("catalogue", "GET", "/product/NOPE", expect=(404,))
        assert response.status == 404
        assert response.data == {"error": "not_found"}
        assert len(stub.seen) == 1


def test_idempotent_calls_are_retried_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = iter([Reply(503), Reply(502), Reply(200, {"ok": True})])
    with stub_server(lambda seen: next(answers)) as stub:
        restart_with(monkeypatch, CART_URL=stub.url)
        assert peers.call("cart", "GET", "/cart/a").data == {"ok": True}
        assert len(stub.seen) == 3


def test_persistent_5xx_becomes_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_server(lambda seen: Reply(503)) as stub:
        restart_with(monkeypatch, CART_URL=stub.url)
        with pytest.raises(Unavailable) as refused:
            peers.call("cart", "GET", "/cart/a")
        assert len(stub.seen) == 3
    assert refused.value.status == 503
    assert "cart" in refused.value.message


def test_posts_are_not_retried_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_server(lambda seen: Reply(503)) as stub:
        restart_with(monkeypatch, CART_URL=stub.url)
        with pytest.raises(Unavailable):
            peers.call("cart", "POST", "/shipping/a", body={"cost": 1})
        assert len(stub.seen) == 1


def test_json_body_request_id_and_session_are_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    shopper = Flask(__name__)
    headers = {
        "Authorization": "Bearer t",
        "Cookie": "s=1",
        "Sec-Fetch-Site": "cross-site",
        "X-Other": "kept here",
    }
    with (
        stub_server(lambda seen: Reply(200, {})) as stub,
        shopper.test_request_context(headers=headers),
    ):
        restart_with(monkeypatch, CART_URL=stub.url)
        token = _logs.request_id.set("rid-7")
        try:
            peers.call("cart", "POST", "/shipping/a", body={"cost": 1}, forward=request)
        finally:
            _logs.request_id.reset(token)
        seen: Seen = stub.seen[0]
    assert seen.body == b'{"cost": 1}'
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["X-Request-Id"] == "rid-7"
    assert seen.headers["Authorization"] == "Bearer t"
    assert seen.headers["Cookie"] == "s=1"
    # Where the browser says it came from: the peer refuses another site's cookie too.
    assert seen.headers["Sec-Fetch-Site"] == "cross-site"
    assert "X-Other" not in seen.headers


@pytest.mark.parametrize("reply", [Reply(200, b"<html>"), Reply(418, {"error": "teapot"})])
def test_a_body_not_json_or_an_unexpected_4xx_is_unavailable(
    reply: Reply, monkeypatch: pytest.MonkeyPatch
) -> None:
    with stub_server(lambda seen: reply) as stub:
        restart_with(monkeypatch, CATALOGUE_URL=stub.url)
        with pytest.raises(Unavailable) as refused:
            peers.call("catalogue", "GET", "/products", expect=(404,))
    assert "catalogue" in refused.value.message


def test_an_expected_4xx_is_passed_on_as_the_peers_own_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"error": "checkout_in_progress", "message": "held", "orderid": "o-1", "x": "y"}
    with stub_server(lambda seen: Reply(409, body)) as stub:
        restart_with(monkeypatch, CART_URL=stub.url)
        answer = peers.call("cart", "POST", "/checkout/a", expect=(409,))
    refusal = answer.refusal(keep=("orderid",))
    assert (refusal.status, refusal.body()) == (
        409,
        {"error": "checkout_in_progress", "message": "held", "orderid": "o-1"},
    )


def test_nobody_listening_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(monkeypatch, USER_URL=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(Unavailable):
        peers.call("user", "GET", "/check/stan")


def test_a_peer_slower_than_the_timeout_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def slow(seen: Seen) -> Reply:
        time.sleep(1.0)
        return Reply(200, {})

    with stub_server(slow) as stub:
        restart_with(monkeypatch, USER_URL=stub.url)
        with pytest.raises(Unavailable):
            peers.call("user", "GET", "/check/stan", retries=0)
