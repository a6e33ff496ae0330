"""POST /pay/{id}: the rules of checkout and every error status (peers are stubs)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from flask.testing import FlaskClient

from kit import sessions
from scripts.stack.ports import free_port
from tests.payment.conftest import SECRET, Peers, Sink, line, ship
from tests.support import authorisations
from tests.support.accounts import anonymous_id
from tests.support.eventing import Call, Recorder, Reply
from tests.support.settings import restart_with

PLACED = "com.roboshop.order.placed"


def authorisation_state(event: Call) -> str | None:
    """What became of the authorisation the order.placed event names."""
    return authorisations.state(event.headers["ce-paymentauthorisation"])


def good_cart(peers: Peers, cart_id: str = "") -> str:
    # The stored prices are stale on purpose: payment must take catalogue's.
    cart_id = cart_id or anonymous_id("abc")
    peers.carts[cart_id] = {"total": 0, "tax": 0, "items": [line("RMC", 2, 1.0), ship(25.5)]}
    return cart_id


def pay(client: FlaskClient, cart_id: str, **headers: str) -> tuple[int, dict[str, object]]:
    answer = client.post(f"/pay/{cart_id}", json={"total": 0.01}, headers=headers)
    return answer.status_code, answer.get_json()


def test_a_paid_cart_becomes_an_order_placed_event(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    status, body = pay(client, good_cart(peers))
    assert status == 200
    orderid = str(body["orderid"])
    assert body == {"orderid": orderid, "status": "placed"}
    assert uuid.UUID(orderid).version == 4
    (event,) = sink.events
    assert event.headers["ce-type"] == PLACED
    assert event.headers["ce-source"] == "/roboshop/payment"
    assert event.headers["ce-subject"] == orderid
    assert event.headers["ce-specversion"] == "1.0"
    assert event.headers["ce-traceparent"].startswith("00-")
    # Authorised only: the money is captured once the order's stock is reserved.
    assert authorisation_state(event) == "authorised"
    data = event.json()
    assert "paymentauthorisation" not in json.dumps(data)
    assert data["orderid"] == orderid
    assert data["user"] == anonymous_id("abc")
    assert data["registered"] is False
    assert data["cart"]["items"] == [
        {"qty": 2, "sku": "RMC", "name": "Robotic Mining Cyborg", "price": 42.0, "subtotal": 84.0},
        {"qty": 1, "sku": "SHIP", "name": "shipping to Paris", "price": 25.5, "subtotal": 25.5},
    ]
    assert data["cart"]["total"] == 109.5
    assert data["cart"]["tax"] == 18.25
    assert len([c for c in peers.calls if c.path == "/products"]) == 1


def test_the_order_has_the_carts_cents_exactly(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    # 67.05 includes 11.175 of VAT: half-up gives 11.18, as cart says (a float gives 11.17).
    peers.carts[anonymous_id("cents")] = {
        "total": 0,
        "tax": 0,
        "items": [line("RMC", 1, 42), ship(25.05)],
    }
    status, _ = pay(client, anonymous_id("cents"))
    assert status == 200
    cart = sink.events[0].json()["cart"]
    assert (cart["total"], cart["tax"]) == (67.05, 11.18)
    assert [item["subtotal"] for item in cart["items"]] == [42, 25.05]


def test_the_callers_trace_continues_in_the_event(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    status, _ = pay(client, good_cart(peers), traceparent=f"00-{trace}-b7ad6b7169203331-01")
    assert status == 200
    sent = sink.events[0].headers["ce-traceparent"]
    assert sent.startswith(f"00-{trace}-") and sent.endswith("-01")
    assert "b7ad6b7169203331" not in sent


def test_every_line_is_priced_from_one_catalogue_read(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    items = [line("RMC", 1, 0.0), line("STAN-1", 3, 0.0), line("UHJ", 1, 0.0), ship(10)]
    peers.carts[anonymous_id("many")] = {"total": 0, "tax": 0, "items": items}
    assert pay(client, anonymous_id("many"))[0] == 200
    assert sink.events[0].json()["cart"]["total"] == 42 + 3 * 67 + 5000 + 10
    assert [c.path for c in peers.calls].count("/products") == 1


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ([], "no items"),
        ([ship()], "no items"),
        ([line("RMC", 1, 42)], "shipping"),
        ([line("GONE", 1, 42), ship()], "no longer sold"),
        ([line("RMC", 0, 42), ship()], "quantity"),
        ([{**line("RMC", 2, 42), "qty": "2"}, ship()], "quantity"),
        ([{"qty": 1}, ship()], "no sku"),
        ([line("RMC", 1, 42), {**ship(), "price": "free"}], "shipping line"),
    ],
)
def test_an_invalid_cart_is_refused_and_nothing_is_sent(
    client: FlaskClient, peers: Peers, sink: Sink, items: list[object], reason: str
) -> None:
    peers.carts[anonymous_id("bad")] = {"total": 0, "tax": 0, "items": items}
    status, body = pay(client, anonymous_id("bad"))
    assert status == 400
    assert body["error"] == "cart_not_valid"
    assert str(body["message"]).startswith("cart not valid")
    assert reason in str(body["message"])
    assert sink.events == []


@pytest.mark.parametrize("made_up", ["anonymous-abc", "anonymous-", "anonymous-x.y"])
def test_an_anonymous_id_the_shop_did_not_issue_pays_for_nothing(
    client: FlaskClient, peers: Peers, sink: Sink, made_up: str
) -> None:
    peers.carts[made_up] = {"total": 0, "tax": 0, "items": [line("RMC", 1, 42), ship()]}
    status, body = pay(client, made_up)
    assert (status, body["error"]) == (400, "unknown_anonymous_id")
    assert sink.events == []


def test_no_cart_at_all_is_not_valid(client: FlaskClient, sink: Sink) -> None:
    status, body = pay(client, anonymous_id("nobody"))
    assert (status, body["error"]) == (400, "cart_not_valid")
    assert sink.events == []


def test_a_registered_users_checkout_needs_their_session(
    client: FlaskClient, peers: Peers, sink: Sink
) -> None:
    good_cart(peers, "stan")
    assert pay(client, "stan")[0] == 401
    other = sessions.issue("user")
    assert pay(client, "stan", Authorization=f"Bearer {other}")[0] == 403
    assert sink.events == []

    token = sessions.issue("stan")
    status, _ = pay(client, "stan", Authorization=f"Bearer {token}")
    assert status == 200
    assert sink.events[0].json()["registered"] is True
    (cart_call,) = [c for c in peers.calls if c.path == "/checkout/stan"]
    assert cart_call.headers["Authorization"] == f"Bearer {token}"


def test_the_session_cookie_is_forwarded_to_cart(
    client: FlaskClient, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_cart(peers, "stan")
    restart_with(monkeypatch, SESSION_SECRET=SECRET)
    client.set_cookie(sessions.COOKIE, sessions.issue("stan"))
    assert pay(client, "stan")[0] == 200
    (cart_call,) = [c for c in peers.calls if c.path == "/checkout/stan"]
    assert sessions.COOKIE in cart_call.headers["Cookie"]


def test_the_simulated_gateway_declines_above_its_limit(
    client: FlaskClient, peers: Peers, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, PAYMENT_DECLINE_ABOVE_EUR="100")
    status, body = pay(client, good_cart(peers))  # 109.50 EUR
    assert (status, body["error"]) == (402, "payment_declined")
    assert sink.events == []
    peers.carts[anonymous_id("small")] = {
        "total": 0,
        "tax": 0,
        "items": [line("RMC", 1, 42), ship(10)],
    }
    assert pay(client, anonymous_id("small"))[0] == 200


def test_an_unreachable_gateway_is_a_502(
    client: FlaskClient, peers: Peers, sink: Sink, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    restart_with(monkeypatch, PAYMENT_GATEWAY=f"http://127.0.0.1:{closed_port}")
    status, body = pay(client, good_cart(peers))
    assert (status, body["error"]) == (502, "gateway_failed")
    assert sink.events == []


def test_a_real_gateway_is_authorised_and_nothing_captured_at_pay(
    client: FlaskClient, peers: Peers, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer(call: Call) -> Reply:
        if call.path == "/authorisations":
            amount = call.json()["amount"]
            if amount > 1000:
                return 402, {}, b'{"error": "declined"}'
            return 201, {"Content-Type": "application/json"}, b'{"id": "auth-1"}'
        return 200, {}, b""

    gateway_stub = Recorder(answer)
    try:
        restart_with(monkeypatch, PAYMENT_GATEWAY=gateway_stub.url)
        assert pay(client, good_cart(peers))[0] == 200
        (authorise,) = gateway_stub.calls
        assert authorise.json()["amount"] == 109.5
        assert authorise.json()["currency"] == "EUR"
        assert sink.events[0].headers["ce-paymentauthorisation"] == "auth-1"

        peers.carts[anonymous_id("big")] = {
            "total": 0,
            "tax": 0,
            "items": [line("UHJ", 1, 1), ship()],
        }
        assert pay(client, anonymous_id("big"))[0] == 402
        assert len(sink.events) == 1
    finally:
        gateway_stub.close()


def test_when_the_broker_refuses_the_order_nothing_is_charged(
    client: FlaskClient, peers: Peers, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink.status = 503
    status, body = pay(client, good_cart(peers))
    assert (status, body["error"]) == (503, "unavailable")
    first, second = sink.events  # PAYMENT_BROKER_ATTEMPTS
    assert first.headers["ce-paymentauthorisation"] == second.headers["ce-paymentauthorisation"]
    assert authorisation_state(first) == "voided"


def test_without_a_sink_payment_is_unavailable(
    client: FlaskClient, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, K_SINK=f"http://127.0.0.1:{free_port()}/")
    assert pay(client, good_cart(peers))[0] == 503


@pytest.mark.parametrize("function", ["cart", "catalogue"])
def test_a_peer_down_is_a_503(client: FlaskClient, peers: Peers, sink: Sink, function: str) -> None:
    peers.down.add(function)
    status, body = pay(client, good_cart(peers))
    assert (status, body["error"]) == (503, "unavailable")
    assert sink.events == []


def test_the_request_body_is_never_trusted(client: FlaskClient, peers: Peers, sink: Sink) -> None:
    forged = {"total": 1, "items": [line("UHJ", 10, 0.01), ship(0)]}
    answer = client.post(f"/pay/{good_cart(peers)}", data=json.dumps(forged))
    assert answer.status_code == 200
    assert sink.events[0].json()["cart"]["total"] == 109.5


def test_sales_are_measured(client: FlaskClient, peers: Peers) -> None:
    assert pay(client, good_cart(peers))[0] == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert "sold_count_total" in text
    assert 'units_sold_bucket{le="2.0"}' in text
    assert 'cart_value_bucket{le="200.0"}' in text
    assert 'cart_value_bucket{le="10000.0"}' in text


def slow_broker(call: object) -> tuple[int, dict[str, str], bytes]:
    """Takes the event, but its 202 comes after payment stopped waiting."""
    time.sleep(0.5)
    return 202, {}, b""


def test_a_lost_broker_answer_leaves_the_order_in_doubt_and_the_authorisation_open(
    client: FlaskClient, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = Recorder(slow_broker)
    try:
        restart_with(monkeypatch, K_SINK=broker.url)
        restart_with(monkeypatch, PAYMENT_BROKER_TIMEOUT_MS="100")
        status, body = pay(client, good_cart(peers), **{"Idempotency-Key": "lost-answer"})
        assert (status, body["error"]) == (503, "order_in_doubt")
        sent = {call.headers["ce-id"] for call in broker.calls}
        assert len(broker.calls) == 2 and len(sent) == 1  # the same event, sent again
        orderid = broker.calls[0].headers["ce-subject"]
        assert orderid in str(body["message"])
        # The broker may have the order: voiding would leave it unpayable. If it has it,
        # payment captures this on its stock.reserved (tests/payment/test_settlement).
        assert authorisation_state(broker.calls[0]) == "authorised"
        # Paying again under the key must not place a second order beside it.
        assert pay(client, anonymous_id("abc"), **{"Idempotency-Key": "lost-answer"}) == (
            status,
            body,
        )
        assert len(broker.calls) == 2
    finally:
        broker.close()


def test_a_lost_answer_then_an_accepted_retry_is_one_placed_order(
    client: FlaskClient, peers: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = {"slow": True}

    def slow_once(call: object) -> tuple[int, dict[str, str], bytes]:
        if first.pop("slow", False):
            return slow_broker(call)
        return 202, {}, b""

    broker = Recorder(slow_once)
    try:
        restart_with(monkeypatch, K_SINK=broker.url)
        restart_with(monkeypatch, PAYMENT_BROKER_TIMEOUT_MS="100")
        status, body = pay(client, good_cart(peers))
        assert status == 200
        assert {call.headers["ce-id"] for call in broker.calls} == {
            broker.calls[0].headers["ce-id"]
        }
        assert body["orderid"] == broker.calls[0].headers["ce-subject"]
        assert authorisation_state(broker.calls[0]) == "authorised"
    finally:
        broker.close()
