"""deadletters keeps what could not be delivered, lists it, and replays it to its consumer only."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from deadletters import letters, store
from kit import events
from tests.support.settings import restart_with
from tests.support.stub import Reply, Seen, Stub, stub_server

PLACED = "com.roboshop.order.placed"
REPLY_HEADERS, REPLY_BODY = events.to_binary(
    events.make_event("com.roboshop.order.dispatched", "/roboshop/dispatch", {"orderid": "o"})
)


def order(orderid: str | None = None, **extensions: str) -> Any:
    orderid = orderid or str(uuid.uuid4())
    data = {"orderid": orderid, "user": "stan", "registered": True, "cart": {"items": []}}
    return events.signed(
        events.make_event(PLACED, "/roboshop/payment", data, orderid, extensions=extensions)
    )


def from_dispatcher(client: FlaskClient, event: Any, dest: str, code: str = "503") -> str:
    """POST as a dead-letter dispatcher does: the event with Knative's error extensions."""
    headers, body = events.to_binary(event)
    headers |= {"ce-knativeerrordest": dest, "ce-knativeerrorcode": code}
    answer = client.post("/events/dead-letter", data=body, headers=headers)
    assert answer.status_code == 202, answer.get_json()
    assert "ce-type" not in answer.headers  # a dispatcher would publish a reply
    return str(answer.get_json()["id"])


def parked(client: FlaskClient, status: str = "parked") -> list[dict[str, Any]]:
    answer = client.get(f"/dead-letters?status={status}")
    assert answer.status_code == 200
    return list(answer.get_json())


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stub]:
    """The user function, stubbed: it takes (204) whatever is replayed to it."""
    with stub_server(lambda seen: Reply(204)) as stub:
        restart_with(monkeypatch, USER_URL=stub.url)
        yield stub


def test_a_dispatchers_dead_letter_is_kept_once_per_event_and_consumer(
    client: FlaskClient, user: Stub
) -> None:
    event = order()
    key = from_dispatcher(client, event, f"{user.url}/events/order-placed")
    assert from_dispatcher(client, event, f"{user.url}/events/order-placed", "-1") == key
    (letter,) = parked(client)
    assert letter["id"] == key
    assert (letter["function"], letter["path"], letter["code"]) == (
        "user",
        "/events/order-placed",
        -1,
    )
    assert letter["error"] == "undeliverable"
    assert letter["times"] == 2
    assert letter["event"]["id"] == event["id"]
    assert "knativeerrordest" not in letter["event"]
    assert letter["data"] == event.data
    # The same event meant for another consumer is another letter.
    from_dispatcher(client, event, "http://127.0.0.1:8002/events/order-placed")
    assert len(parked(client)) == 2


def test_a_consumers_refusal_is_kept_and_checked(client: FlaskClient) -> None:
    event = order()
    _, body = events.to_binary(event)
    letter: dict[str, Any] = {
        "function": "cart",
        "path": "/events/order-placed",
        "code": 400,
        "error": "bad_event",
        "reason": "the order has no cart items",
        "event": {
            "attributes": dict(event.get_attributes()),
            "data": base64.b64encode(body).decode(),
        },
    }
    assert client.post("/dead-letters", json=letter).status_code == 202
    (kept,) = parked(client)
    assert (kept["function"], kept["error"], kept["reason"]) == (
        "cart",
        "bad_event",
        letter["reason"],
    )
    for broken in (
        {**letter, "function": "shipping"},  # takes no events
        {**letter, "path": "/cart/x"},
        {**letter, "event": {"attributes": {"id": "x"}, "data": ""}},
        {**letter, "event": {**letter["event"], "data": "not base64!"}},
        [letter],
    ):
        answer = client.post("/dead-letters", json=broken)
        assert answer.status_code == 400, broken
    assert client.post("/events/dead-letter", json={"not": "an event"}).status_code == 400


def test_a_replay_delivers_the_event_as_it_came_and_marks_it_replayed(
    client: FlaskClient, user: Stub
) -> None:
    event = order()
    key = from_dispatcher(client, event, f"{user.url}/events/order-placed")
    answer = client.post(f"/dead-letters/{key}/replay")
    assert answer.status_code == 200
    assert answer.get_json() == {"id": key, "status": "replayed", "answer": 204}
    (seen,) = user.seen
    assert seen.path == "/events/order-placed"
    assert seen.headers["ce-id"] == event["id"]
    assert seen.headers["ce-type"] == PLACED
    assert "ce-knativeerrordest" not in seen.headers
    assert json.loads(seen.body) == event.data
    assert parked(client) == []
    assert [x["status"] for x in parked(client, "all")] == ["replayed"]
    assert client.post(f"/dead-letters/{key}/replay").status_code == 409


def test_a_replay_the_consumer_refuses_or_parks_again_stays_parked(
    client: FlaskClient, user: Stub
) -> None:
    key = from_dispatcher(client, order(), f"{user.url}/events/order-placed")
    user.answer(lambda seen: Reply(503))
    answer = client.post(f"/dead-letters/{key}/replay")
    assert answer.status_code == 502
    assert answer.get_json()["error"] == "replay_failed"
    (letter,) = parked(client)
    assert letter["last_replay_outcome"] == "HTTP 503"

    def refuse_again(seen: Seen) -> Reply:
        store.park(key, {"reason": "still bad"})  # what the consumer's refusal does
        return Reply(202, {"parked": key})

    user.answer(refuse_again)
    assert client.post(f"/dead-letters/{key}/replay").get_json()["status"] == "parked"
    (letter,) = parked(client)
    assert (letter["reason"], letter["times"]) == ("still bad", 2)


@pytest.fixture
def dispatch_and_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stub, Stub]]:
    """dispatch, stubbed, answers a replay with its reply event; the broker takes it (202)."""
    with (
        stub_server(lambda seen: Reply(200, REPLY_BODY, REPLY_HEADERS)) as dispatch,
        stub_server(lambda seen: Reply(202)) as broker,
    ):
        restart_with(monkeypatch, DISPATCH_URL=dispatch.url, K_SINK=broker.url + "/")
        yield dispatch, broker


def test_a_replayed_reply_event_goes_to_the_broker(
    client: FlaskClient, dispatch_and_broker: tuple[Stub, Stub]
) -> None:
    dispatch, broker = dispatch_and_broker
    key = from_dispatcher(client, order(), f"{dispatch.url}/events/order-placed")
    assert client.post(f"/dead-letters/{key}/replay").get_json()["status"] == "replayed"
    (published,) = broker.seen
    assert published.headers["ce-type"] == "com.roboshop.order.dispatched"
    assert published.body == REPLY_BODY

    other = from_dispatcher(client, order(), f"{dispatch.url}/events/order-placed")
    broker.answer(lambda seen: Reply(503))
    assert client.post(f"/dead-letters/{other}/replay").status_code == 503
    assert [x["id"] for x in parked(client)] == [other]


def test_a_replay_and_its_reply_carry_the_replaying_requests_trace_and_request_id(
    client: FlaskClient, dispatch_and_broker: tuple[Stub, Stub]
) -> None:
    """The operator's replay is one trace with what it sets off: the consumer continues the
    replaying request's trace, not the dead event's (that stays in its extension)."""
    original = "00-11111111111111111111111111111111-2222222222222222-01"
    replaying = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    dispatch, broker = dispatch_and_broker
    key = from_dispatcher(
        client, order(traceparent=original), f"{dispatch.url}/events/order-placed"
    )
    answer = client.post(
        f"/dead-letters/{key}/replay",
        headers={"traceparent": replaying, "X-Request-Id": "replay-by-an-operator"},
    )
    assert answer.status_code == 200, answer.get_json()
    (delivered,) = dispatch.seen
    (published,) = broker.seen
    assert delivered.headers["ce-traceparent"] == original
    for seen in (delivered, published):
        assert seen.headers["X-Request-Id"] == "replay-by-an-operator"
        assert seen.headers["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        assert seen.headers["traceparent"] != replaying  # the replay's own span is the parent


def test_a_letter_for_no_known_consumer_is_kept_but_never_sent_anywhere(
    client: FlaskClient,
) -> None:
    key = from_dispatcher(client, order(), "http://evil.example/events/order-placed")
    (letter,) = parked(client)
    assert letter["function"] is None
    answer = client.post(f"/dead-letters/{key}/replay")
    assert answer.status_code == 409
    assert answer.get_json()["error"] == "no_destination"
    assert letters.destination_of("http://127.0.0.1:8003/cart/x") == (
        None,
        "http://127.0.0.1:8003/cart/x",
    )


def test_one_letter_its_discard_and_the_listings_limits(client: FlaskClient) -> None:
    key = from_dispatcher(client, order(), "http://127.0.0.1:8003/events/order-placed")
    assert client.get(f"/dead-letters/{key}").get_json()["id"] == key
    assert client.delete(f"/dead-letters/{key}").get_json() == {"id": key, "status": "discarded"}
    assert client.get(f"/dead-letters/{key}").status_code == 404
    assert client.delete(f"/dead-letters/{key}").status_code == 404
    assert client.get("/dead-letters?status=lost").status_code == 400
    assert client.get("/dead-letters?limit=0").status_code == 400
    assert client.get("/dead-letters?limit=x").status_code == 400


def test_nobody_can_fill_the_store_with_events_the_shop_did_not_sign(
    client: FlaskClient, user: Stub
) -> None:
    unsigned = events.make_event(PLACED, "/roboshop/payment", {"orderid": "f"}, "f")
    headers, body = events.to_binary(unsigned)
    headers |= {"ce-knativeerrordest": f"{user.url}/events/order-placed"}
    assert client.post("/events/dead-letter", data=body, headers=headers).status_code == 401
    attributes, data = events.binary_of(unsigned)
    letter = {
        "function": "user",
        "path": "/events/order-placed",
        "code": 400,
        "error": "bad_event",
        "reason": "forged",
        "event": {"attributes": attributes, "data": base64.b64encode(data).decode()},
    }
    assert client.post("/dead-letters", json=letter).status_code == 401
    assert parked(client) == []
