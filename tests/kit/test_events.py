from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from kit import ApiError, events


def request_for(event_type: str) -> Request:
    event = events.make_event(event_type, "/test", {"orderid": "o-1"}, subject="o-1")
    headers, body = events.to_binary(event)
    return Request(EnvironBuilder(method="POST", headers=headers, data=body).get_environ())


def test_an_event_round_trips_in_binary_mode() -> None:
    received = events.receive(request_for(events.ORDER_PLACED), events.ORDER_PLACED)
    assert received["type"] == events.ORDER_PLACED
    assert received["subject"] == "o-1"
    assert events.event_data(received) == {"orderid": "o-1"}


def test_an_event_of_another_type_is_a_bad_event() -> None:
    with pytest.raises(ApiError) as refused:
        events.receive(request_for(events.ORDER_DISPATCHED), events.ORDER_PLACED)
    assert refused.value.status == 400
    assert refused.value.error == "bad_event"


def test_a_request_without_an_event_is_a_bad_event() -> None:
    plain = Request(EnvironBuilder(method="POST", data=b"{}").get_environ())
    with pytest.raises(ApiError) as refused:
        events.receive(plain)
    assert refused.value.status == 400
