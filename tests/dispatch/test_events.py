"""dispatch consumes order.paid (never order.placed: nothing ships unpaid) and replies with
order.dispatched, once per order."""

from __future__ import annotations

import json
import uuid

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kit import events
from tests.support.deadletters import DeadLetterSink
from tests.support.orders import BAD_PLACED, placed_data, refuses_as_bad_event
from tests.support.settings import restart_with

PAID = events.ORDER_PAID
PATH = "/events/order-paid"


def paid(subject: str, **data: object) -> tuple[dict[str, str], bytes]:
    payload = {**placed_data(subject, "stan", [{"sku": "RMC", "qty": 1}], True), **data}
    event = events.make_event(
        PAID,
        "/roboshop/payment",
        payload,
        subject=subject,
        extensions={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )
    return events.to_binary(events.signed(event))


def deliver(client: FlaskClient, headers: dict[str, str], body: bytes) -> TestResponse:
    return client.post(PATH, data=body, headers=headers)


def test_an_order_is_dispatched_and_the_reply_is_a_binary_cloudevent(
    client: FlaskClient,
) -> None:
    orderid = str(uuid.uuid4())
    answer = deliver(client, *paid(orderid))
    assert answer.status_code == 200
    assert answer.headers["ce-type"] == "com.roboshop.order.dispatched"
    assert answer.headers["ce-source"] == "/roboshop/dispatch"
    assert answer.headers["ce-subject"] == orderid
    assert answer.headers["ce-specversion"] == "1.0"
    assert answer.headers["ce-traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.data) == {"orderid": orderid, "user": "stan", "status": "dispatched"}


def test_a_redelivered_order_gets_the_same_reply_and_is_counted_once(
    client: FlaskClient,
) -> None:
    orderid = str(uuid.uuid4())
    first = deliver(client, *paid(orderid))
    before = _dispatched(client)
    again = deliver(client, *paid(orderid))
    assert again.status_code == 200
    assert again.headers["ce-id"] == first.headers["ce-id"]
    assert again.data == first.data
    assert _dispatched(client) == before


def test_failed_fulfilment_is_a_5xx_so_the_broker_retries(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    orderid = str(uuid.uuid4())
    restart_with(monkeypatch, DISPATCH_ERROR_PERCENT="100")
    answer = deliver(client, *paid(orderid))
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "dispatch_failed"
    restart_with(monkeypatch, DISPATCH_ERROR_PERCENT="0")
    assert deliver(client, *paid(orderid)).status_code == 200


@pytest.mark.parametrize("data", [{"orderid": ""}, {"orderid": 7}, {"user": None}, {"user": ""}])
def test_an_order_that_can_never_be_dispatched_is_kept_as_a_dead_letter(
    client: FlaskClient, data: dict[str, object], dead_letter_sink: DeadLetterSink
) -> None:
    """eventing-rabbitmq would ack a 400 and drop the event: dispatch keeps it, then answers 2xx."""
    orderid = str(uuid.uuid4())
    headers, body = paid(orderid, **data)
    answer = deliver(client, headers, body)
    assert answer.status_code == 202
    assert answer.get_json() == {"parked": "dl-1"}
    (letter,) = dead_letter_sink.letters()
    assert (letter["function"], letter["path"], letter["code"], letter["error"]) == (
        "dispatch",
        PATH,
        400,
        "bad_event",
    )
    assert letter["event"]["attributes"]["subject"] == orderid
    assert letter["event"]["attributes"]["type"] == PAID
    assert dead_letter_sink.data_of(letter) == json.loads(body)
    assert "ce-type" not in answer.headers  # no reply event for the broker to publish


def test_a_refused_event_the_sink_cant_keep_is_a_503_for_the_broker_to_retry(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    dead_letter_sink.down = True
    answer = deliver(client, *paid(str(uuid.uuid4()), user=""))
    assert answer.status_code == 503


def test_requests_that_are_no_cloudevent_are_refused_and_other_events_kept(
    client: FlaskClient, dead_letter_sink: DeadLetterSink
) -> None:
    plain = client.post(PATH, json={"orderid": "x"})
    assert plain.status_code == 400  # no broker sends that: nothing to keep
    other = events.signed(
        events.make_event("com.roboshop.other", "/x", {"orderid": "x", "user": "u"})
    )
    assert deliver(client, *events.to_binary(other)).status_code == 202
    not_object = events.signed(events.make_event(PAID, "/x", ["orderid"]))
    assert deliver(client, *events.to_binary(not_object)).status_code == 202
    assert [letter["event"]["attributes"]["id"] for letter in dead_letter_sink.letters()] == [
        other["id"],
        not_object["id"],
    ]


def _dispatched(client: FlaskClient) -> float:
    for row in client.get("/metrics").get_data(as_text=True).splitlines():
        if row.startswith("orders_dispatched_total "):
            return float(row.split()[1])
    return 0.0


@pytest.mark.parametrize("data", BAD_PLACED.values(), ids=BAD_PLACED.keys())
def test_an_order_breaking_the_contract_is_a_bad_event_dead_letter(
    client: FlaskClient, data: object, dead_letter_sink: DeadLetterSink
) -> None:
    assert refuses_as_bad_event(client, "dispatch", data, dead_letter_sink, PAID, PATH)


def test_order_placed_is_not_taken(client: FlaskClient) -> None:
    """An order that is only placed is not paid: dispatch has no route for it."""
    headers, body = paid(str(uuid.uuid4()))
    headers["ce-type"] = events.ORDER_PLACED
    assert client.post("/events/order-placed", data=body, headers=headers).status_code == 404
