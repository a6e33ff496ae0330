from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Request
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from kit import ApiError, Unavailable, events
from kit._errors import ConfigError
from tests.support.deadletters import DeadLetterSink
from tests.support.settings import restart_with


def request_for(event_type: str, path: str = "/events/order-placed") -> Request:
    event = events.signed(events.make_event(event_type, "/test", {"orderid": "o-1"}, subject="o-1"))
    headers, body = events.to_binary(event)
    return Request(
        EnvironBuilder(method="POST", path=path, headers=Headers(headers), data=body).get_environ()
    )


def consume(request: Request, handler: Any) -> Any:
    return events.consume(request, "cart", events.ORDER_PLACED, handler)


def refuse(status: int) -> Any:
    def handler(event: Any) -> None:
        raise ApiError(status, "bad_event", "no such order")

    return handler


def test_an_event_round_trips_in_binary_mode() -> None:
    received = events.parse(request_for(events.ORDER_PLACED))
    assert received["type"] == events.ORDER_PLACED
    assert received["subject"] == "o-1"
    assert events.event_data(received) == {"orderid": "o-1"}


def test_a_request_without_an_event_is_a_bad_event_and_never_kept(
    dead_letter_sink: DeadLetterSink,
) -> None:
    plain = Request(EnvironBuilder(method="POST", data=b"{}").get_environ())
    with pytest.raises(ApiError) as refused:
        consume(plain, lambda event: None)
    assert refused.value.status == 400
    assert dead_letter_sink.letters() == []


BINARY_ATTRIBUTES = {"ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "/t", "ce-type": "t"}


@pytest.mark.parametrize("attributes", [BINARY_ATTRIBUTES, {}], ids=["binary", "structured"])
def test_a_body_sent_as_json_that_is_not_json_is_malformed_json(attributes: dict[str, str]) -> None:
    """As kit.json_body answers it, whichever mode the event came in."""
    headers = Headers({**attributes, "Content-Type": "application/json"})
    request = Request(EnvironBuilder(method="POST", headers=headers, data=b"{no").get_environ())
    with pytest.raises(ApiError) as refused:
        events.parse(request)
    assert (refused.value.status, refused.value.error) == (400, "malformed_json")


def test_the_handlers_answer_is_the_answer_and_none_is_204() -> None:
    assert consume(request_for(events.ORDER_PLACED), lambda event: None) == ("", 204)
    assert consume(request_for(events.ORDER_PLACED), lambda event: ("reply", 200)) == ("reply", 200)


def test_a_final_refusal_or_another_type_is_kept_as_a_dead_letter(
    dead_letter_sink: DeadLetterSink,
) -> None:
    assert consume(request_for(events.ORDER_PLACED), refuse(400)) == ({"parked": "dl-1"}, 202)
    assert consume(request_for(events.ORDER_DISPATCHED), lambda event: None)[1] == 202
    first, second = dead_letter_sink.letters()
    assert (first["function"], first["path"], first["code"], first["reason"]) == (
        "cart",
        "/events/order-placed",
        400,
        "no such order",
    )
    assert first["event"]["attributes"]["subject"] == "o-1"
    assert dead_letter_sink.data_of(first) == {"orderid": "o-1"}
    assert second["event"]["attributes"]["type"] == events.ORDER_DISPATCHED
    assert "expected com.roboshop.order.placed" in second["reason"]


@pytest.mark.parametrize("status", [404, 408, 409, 429, 401, 403, 503])
def test_what_the_broker_retries_or_a_refused_sender_is_answered_as_it_is(
    status: int, dead_letter_sink: DeadLetterSink
) -> None:
    with pytest.raises(ApiError) as answered:
        consume(request_for(events.ORDER_PLACED), refuse(status))
    assert answered.value.status == status
    assert dead_letter_sink.letters() == []


def test_a_refusal_that_cant_be_kept_is_a_503(dead_letter_sink: DeadLetterSink) -> None:
    dead_letter_sink.down = True
    with pytest.raises(Unavailable):
        consume(request_for(events.ORDER_PLACED), refuse(400))


def test_a_reply_is_found_in_binary_or_structured_mode() -> None:
    event = events.make_event(events.ORDER_DISPATCHED, "/d", {"o": 1}, event_id="r-1")
    headers, body = events.to_binary(event)
    binary = events.reply_in(events.Answer(200, {"X-Other": "1", **headers}, body))
    assert binary is not None
    assert binary.attributes["type"] == events.ORDER_DISPATCHED
    assert binary.data == body
    assert "x-other" not in binary.attributes and "X-Other" not in binary.headers()
    from cloudevents.conversion import to_structured

    structured_headers, structured_body = to_structured(event)
    structured = events.reply_in(events.Answer(200, structured_headers, structured_body))
    assert structured is not None
    assert (structured.attributes["id"], json.loads(structured.data)) == ("r-1", {"o": 1})
    assert events.reply_in(events.Answer(200, {"Content-Type": "application/json"}, b"{}")) is None
    broken = {"Content-Type": "application/cloudevents+json"}
    with pytest.raises(ValueError):
        events.reply_in(events.Answer(200, broken, b'{"specversion": "1.0"}'))


def request_of(event: Any, **more_headers: str) -> Request:
    headers, body = events.to_binary(event)
    return Request(
        EnvironBuilder(
            method="POST",
            path="/events/order-placed",
            headers=Headers({**headers, **more_headers}),
            data=body,
        ).get_environ()
    )


def order(**extensions: str) -> Any:
    data = {"orderid": "o-2", "cart": {"items": [{"sku": "RMC", "qty": 1}]}}
    return events.make_event(events.ORDER_PLACED, "/p", data, "o-2", extensions=extensions)


def test_an_event_the_shop_did_not_sign_is_refused_and_never_kept(
    dead_letter_sink: DeadLetterSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsigned = order()
    other_secret = events.signed(order(), "another shop's secret, 32 characters long")
    tampered = events.signed(order(paymentauthorisation="sim-1"))
    tampered["paymentauthorisation"] = "sim-2"
    altered_data = events.signed(order())
    headers, body = events.to_binary(altered_data)
    forged_body = body.replace(b'"qty": 1', b'"qty": 9')
    assert forged_body != body
    forged = Request(
        EnvironBuilder(
            method="POST", path="/events/order-placed", headers=Headers(headers), data=forged_body
        ).get_environ()
    )
    for request in (request_of(unsigned), request_of(other_secret), request_of(tampered), forged):
        with pytest.raises(ApiError) as refused:
            consume(request, lambda event: None)
        assert (refused.value.status, refused.value.error) == (401, "unsigned_event")
    non_ascii = request_of(order(), **{"ce-roboshopsignature": "\u00e9" * 64})
    with pytest.raises(ApiError):
        consume(non_ascii, lambda event: None)
    assert dead_letter_sink.letters() == []


def test_the_signature_survives_what_the_platform_adds_on_the_way() -> None:
    event = events.signed(order(traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"))
    on_the_way = request_of(
        event,
        **{
            "ce-traceparent": "00-" + "c" * 32 + "-" + "d" * 16 + "-01",
            "ce-knativeerrordest": "http://cart/events/order-placed",
            "ce-knativeerrorcode": "503",
            "ce-knativearrivaltime": "2026-12-01T10:00:01Z",
            "ce-time": "2026-12-01T10:00:00Z",
        },
    )
    assert consume(on_the_way, lambda received: None) == ("", 204)


def test_a_signed_extension_cant_be_dropped_or_unlisted() -> None:
    event = events.signed(order(paymentauthorisation="sim-1"))
    names, digest = event[events.SIGNATURE].split(";")
    assert names == "paymentauthorisation"
    unlisted = events.signed(order(paymentauthorisation="sim-2"))
    unlisted[events.SIGNATURE] = f";{digest}"
    headers, body = events.to_binary(event)
    headers.pop("ce-paymentauthorisation")
    dropped = Request(
        EnvironBuilder(
            method="POST", path="/events/order-placed", headers=Headers(headers), data=body
        ).get_environ()
    )
    for request in (request_of(unlisted), dropped):
        with pytest.raises(ApiError) as refused:
            consume(request, lambda received: None)
        assert refused.value.status == 401


def test_signing_needs_the_shops_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="SESSION_SECRET must be set to 32"):
        restart_with(monkeypatch, SESSION_SECRET="short")
    with pytest.raises(ConfigError, match="32"):
        events.signed(order(), secret="short")
