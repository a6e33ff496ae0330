"""POST /events/order-placed: payment captures the authorisation an order event names."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from kit import events
from payment import gateway
from tests.support import authorisations
from tests.support.deadletters import DeadLetterSink
from tests.support.eventing import Call, Recorder
from tests.support.settings import restart_with

PLACED = "com.roboshop.order.placed"
PATH = "/events/order-placed"


def order_event(orderid: str, authorisation: str | None, event_type: str = PLACED) -> Any:
    extensions = {"paymentauthorisation": authorisation} if authorisation else {}
    data = {"orderid": orderid, "user": "anonymous-x", "registered": False, "cart": {}}
    return events.signed(
        events.make_event(event_type, "/roboshop/payment", data, orderid, extensions=extensions)
    )


def deliver(client: FlaskClient, event: Any) -> int:
    headers, body = events.to_binary(event)
    return client.post(PATH, data=body, headers=headers).status_code


def unpaid_count(client: FlaskClient) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(r"^orders_unpaid_total (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def simulated(client: FlaskClient) -> gateway.SimulatedGateway:
    return gateway.SimulatedGateway()


def test_the_orders_authorisation_is_captured(
    client: FlaskClient, simulated: gateway.SimulatedGateway
) -> None:
    authorisation = simulated.authorise(10.0, "o-1")
    assert deliver(client, order_event("o-1", authorisation)) == 204
    assert authorisations.state(authorisation) == "captured"


def test_a_redelivered_event_is_a_success_and_captures_once(
    client: FlaskClient, simulated: gateway.SimulatedGateway
) -> None:
    authorisation = simulated.authorise(10.0, "o-2")
    event = order_event("o-2", authorisation)
    before = unpaid_count(client)
    assert [deliver(client, event) for _ in range(3)] == [204, 204, 204]
    assert authorisations.state(authorisation) == "captured"
    assert unpaid_count(client) == before


@pytest.mark.parametrize("fate", ["voided", "unknown"])
def test_an_authorisation_that_cant_be_captured_is_logged_counted_and_acknowledged(
    client: FlaskClient,
    simulated: gateway.SimulatedGateway,
    caplog: pytest.LogCaptureFixture,
    fate: str,
) -> None:
    authorisation = simulated.authorise(10.0, "o-3")
    if fate == "voided":
        simulated.void(authorisation)
    else:
        authorisation = "sim-never-made"
    before = unpaid_count(client)
    with caplog.at_level(logging.ERROR, logger="roboshop.payment.settlement"):
        assert deliver(client, order_event(f"o-3-{fate}", authorisation)) == 204
    (record,) = [r for r in caplog.records if r.name == "roboshop.payment.settlement"]
    assert record.levelno == logging.ERROR
    assert record.__dict__["orderid"] == f"o-3-{fate}"
    assert f"o-3-{fate}" in record.getMessage()
    assert unpaid_count(client) == before + 1
    if fate == "voided":
        assert authorisations.state(authorisation) == "voided"


def test_an_event_without_the_authorisation_is_acknowledged_and_ignored(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = Recorder()
    try:
        restart_with(monkeypatch, PAYMENT_GATEWAY=stub.url)
        before = unpaid_count(client)
        assert deliver(client, order_event("o-4", None)) == 204
        assert stub.calls == []
        assert unpaid_count(client) == before
    finally:
        stub.close()


def test_a_gateway_that_cant_be_reached_answers_503_for_the_broker_to_retry(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    restart_with(monkeypatch, PAYMENT_GATEWAY=f"http://127.0.0.1:{closed_port}")
    headers, body = events.to_binary(order_event("o-5", "auth-5"))
    answer = client.post(PATH, data=body, headers=headers)
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "unavailable"
    assert answer.headers["Retry-After"]


def test_the_simulated_gateways_store_down_answers_503(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    restart_with(monkeypatch, REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    restart_with(monkeypatch, REDIS_TIMEOUT_MS="200")
    assert deliver(client, order_event("o-6", "sim-whatever")) == 503


@pytest.mark.parametrize(
    ("status", "unpaid", "answer"), [(200, 0, 204), (409, 0, 204), (410, 1, 204), (404, 1, 204)]
)
def test_the_http_gateways_capture_answers(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, status: int, unpaid: int, answer: int
) -> None:
    """409 is "captured already": a success. 404 and 410 can't ever be captured."""

    def capture(call: Call) -> tuple[int, dict[str, str], bytes]:
        return status, {}, b""

    stub = Recorder(capture)
    try:
        restart_with(monkeypatch, PAYMENT_GATEWAY=stub.url)
        before = unpaid_count(client)
        assert deliver(client, order_event(f"o-7-{status}", "auth-7")) == answer
        (call,) = stub.calls
        assert call.path == "/authorisations/auth-7/capture"
        assert call.headers["idempotency-key"] == "auth-7-capture"
        assert unpaid_count(client) == before + unpaid
    finally:
        stub.close()


def test_a_failing_http_gateway_answers_503(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = Recorder(lambda call: (500, {}, b""))
    try:
        restart_with(monkeypatch, PAYMENT_GATEWAY=stub.url)
        assert deliver(client, order_event("o-8", "auth-8")) == 503
    finally:
        stub.close()


def test_other_events_are_kept_as_dead_letters_and_non_events_refused(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    other = order_event("o-9", "auth-9", "com.roboshop.order.dispatched")
    assert deliver(client, other) == 202
    (letter,) = dead_letter_sink.letters()
    assert (letter["function"], letter["path"]) == ("payment", PATH)
    assert letter["event"]["attributes"]["paymentauthorisation"] == "auth-9"
    assert client.post(PATH, json={"orderid": "o-9"}).status_code == 400
