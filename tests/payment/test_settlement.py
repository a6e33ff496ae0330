"""payment settles an order's money on catalogue's answer: stock.reserved captures the
authorisation the event names and replies order.paid; stock.rejected voids it and replies
order.cancelled. An authorisation that can't be captured cancels the order instead."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kit import events
from payment import gateway
from tests.support import authorisations
from tests.support.deadletters import DeadLetterSink
from tests.support.eventing import Call, Recorder
from tests.support.orders import BAD_PLACED, placed_data, refuses_as_bad_event
from tests.support.settings import restart_with

RESERVED = "/events/stock-reserved"
REJECTED = "/events/stock-rejected"


def stock_event(
    orderid: str, authorisation: str | None, event_type: str = events.STOCK_RESERVED, **data: Any
) -> Any:
    extensions = {events.AUTHORISATION: authorisation} if authorisation else {}
    order = {**placed_data(orderid, "stan", [{"sku": "RMC", "qty": 1}], True), **data}
    return events.signed(
        events.make_event(event_type, "/roboshop/catalogue", order, orderid, extensions=extensions)
    )


def deliver(client: FlaskClient, event: Any, path: str = RESERVED) -> TestResponse:
    headers, body = events.to_binary(event)
    return client.post(path, data=body, headers=headers)


def replied(answer: TestResponse) -> tuple[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.headers["ce-type"], json.loads(answer.data)


def unpaid_count(client: FlaskClient) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(r"^orders_unpaid_total (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def simulated(client: FlaskClient) -> gateway.SimulatedGateway:
    return gateway.SimulatedGateway()


def test_reserved_stock_captures_and_replies_order_paid(
    client: FlaskClient, simulated: gateway.SimulatedGateway
) -> None:
    authorisation = simulated.authorise(10.0, "o-1")
    answer = deliver(client, stock_event("o-1", authorisation))
    kind, data = replied(answer)
    assert kind == events.ORDER_PAID
    assert data == placed_data("o-1", "stan", [{"sku": "RMC", "qty": 1}], True)
    assert answer.headers["ce-subject"] == "o-1"
    assert answer.headers["ce-source"] == "/roboshop/payment"
    assert answer.headers[f"ce-{events.AUTHORISATION}"] == authorisation
    assert authorisations.state(authorisation) == "captured"


def test_a_redelivery_captures_once_and_repeats_the_reply(
    client: FlaskClient, simulated: gateway.SimulatedGateway
) -> None:
    authorisation = simulated.authorise(10.0, "o-2")
    event = stock_event("o-2", authorisation)
    before = unpaid_count(client)
    answers = [deliver(client, event) for _ in range(3)]
    assert {a.headers["ce-id"] for a in answers} == {answers[0].headers["ce-id"]}
    assert {replied(a)[0] for a in answers} == {events.ORDER_PAID}
    assert authorisations.state(authorisation) == "captured"
    assert unpaid_count(client) == before


@pytest.mark.parametrize("fate", ["voided", "unknown", "none"])
def test_an_authorisation_that_cant_be_captured_cancels_the_order(
    client: FlaskClient,
    simulated: gateway.SimulatedGateway,
    caplog: pytest.LogCaptureFixture,
    fate: str,
) -> None:
    authorisation: str | None = simulated.authorise(10.0, "o-3")
    if fate == "voided":
        assert authorisation is not None
        simulated.void(authorisation)
    elif fate == "unknown":
        authorisation = "sim-never-made"
    else:
        authorisation = None
    before = unpaid_count(client)
    with caplog.at_level(logging.ERROR, logger="roboshop.payment.settlement"):
        kind, data = replied(deliver(client, stock_event(f"o-3-{fate}", authorisation)))
    assert (kind, data["reason"]) == (events.ORDER_CANCELLED, "authorisation_lapsed")
    (record,) = [r for r in caplog.records if r.name == "roboshop.payment.settlement"]
    assert record.__dict__["orderid"] == f"o-3-{fate}"
    assert unpaid_count(client) == before + 1


def test_rejected_stock_voids_and_replies_order_cancelled(
    client: FlaskClient, simulated: gateway.SimulatedGateway
) -> None:
    authorisation = simulated.authorise(10.0, "o-4")
    event = stock_event("o-4", authorisation, events.STOCK_REJECTED, reason="out_of_stock")
    for _ in range(2):  # a redelivery has nothing more to void, and says the same
        kind, data = replied(deliver(client, event, REJECTED))
        assert (kind, data["reason"], data["orderid"]) == (
            events.ORDER_CANCELLED,
            "out_of_stock",
            "o-4",
        )
    assert authorisations.state(authorisation) == "voided"


def test_a_gateway_that_cant_be_reached_answers_503_for_the_broker_to_retry(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    restart_with(monkeypatch, PAYMENT_GATEWAY=f"http://127.0.0.1:{closed_port}")
    for path, kind in ((RESERVED, events.STOCK_RESERVED), (REJECTED, events.STOCK_REJECTED)):
        answer = deliver(client, stock_event("o-5", "auth-5", kind), path)
        assert answer.status_code == 503
        assert answer.get_json()["error"] == "unavailable"
        assert answer.headers["Retry-After"]


def test_the_simulated_gateways_store_down_answers_503(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    restart_with(monkeypatch, REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    restart_with(monkeypatch, REDIS_TIMEOUT_MS="200")
    assert deliver(client, stock_event("o-6", "sim-whatever")).status_code == 503


@pytest.mark.parametrize(
    ("status", "reply"),
    [
        (200, events.ORDER_PAID),
        (409, events.ORDER_PAID),
        (410, events.ORDER_CANCELLED),
        (404, events.ORDER_CANCELLED),
    ],
)
def test_the_http_gateways_capture_answers(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, status: int, reply: str
) -> None:
    """409 is "captured already": a success. 404 and 410 can't ever be captured."""

    def capture(call: Call) -> tuple[int, dict[str, str], bytes]:
        return status, {}, b""

    stub = Recorder(capture)
    try:
        restart_with(monkeypatch, PAYMENT_GATEWAY=stub.url)
        assert replied(deliver(client, stock_event(f"o-7-{status}", "auth-7")))[0] == reply
        (call,) = stub.calls
        assert call.path == "/authorisations/auth-7/capture"
        assert call.headers["idempotency-key"] == "auth-7-capture"
    finally:
        stub.close()


def test_a_failing_http_gateway_answers_503(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = Recorder(lambda call: (500, {}, b""))
    try:
        restart_with(monkeypatch, PAYMENT_GATEWAY=stub.url)
        assert deliver(client, stock_event("o-8", "auth-8")).status_code == 503
    finally:
        stub.close()


def test_other_events_are_kept_as_dead_letters_and_non_events_refused(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    other = stock_event("o-9", "auth-9", "com.roboshop.order.dispatched")
    assert deliver(client, other).status_code == 202
    (letter,) = dead_letter_sink.letters()
    assert (letter["function"], letter["path"]) == ("payment", RESERVED)
    assert letter["event"]["attributes"]["paymentauthorisation"] == "auth-9"
    assert client.post(RESERVED, json={"orderid": "o-9"}).status_code == 400


@pytest.mark.parametrize("case", sorted(BAD_PLACED))
def test_an_order_breaking_the_contract_is_a_bad_event_dead_letter(
    client: FlaskClient, dead_letter_sink: DeadLetterSink, case: str
) -> None:
    assert refuses_as_bad_event(
        client, "payment", BAD_PLACED[case], dead_letter_sink, events.STOCK_RESERVED, RESERVED
    )
