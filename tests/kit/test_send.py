"""kit.events.send: one CloudEvent in binary mode, with the sender's trace and request id,
tried as often as its caller says; a real receiver on a real socket."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from kit import events, request_scope, trace_request
from scripts.stack.ports import free_port
from tests.support.eventing import Recorder, Reply
from tests.support.stub import Reply as StubReply
from tests.support.stub import Seen, stub_server

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
SECRET = "send-tests-secret-0123456789abcdefghijkl"


@pytest.fixture
def answers() -> list[Reply]:
    """What the receiver answers, one a call (202 once they run out)."""
    return []


@pytest.fixture
def receiver(answers: list[Reply]) -> Iterator[Recorder]:
    recorder = Recorder(lambda call: answers.pop(0) if answers else (202, {}, b""))
    yield recorder
    recorder.close()


def order() -> object:
    event = events.make_event(events.ORDER_PLACED, "/t", {"orderid": "o-1"}, subject="o-1")
    return events.signed(event, SECRET)


def test_the_event_goes_in_binary_mode_signed_as_made_with_the_senders_ids(
    receiver: Recorder,
) -> None:
    event = order()
    with request_scope("rid-send-1"), trace_request("payment", "POST /pay", PARENT):
        answer = events.send(event, receiver.url + "/", receiver="broker", read_timeout=5)
    assert (answer.status, answer.in_doubt) == (202, False)
    (call,) = receiver.calls
    assert call.headers["ce-id"] == event["id"]  # type: ignore[index]
    assert call.headers["ce-type"] == events.ORDER_PLACED
    assert call.headers["ce-roboshopsignature"] == event[events.SIGNATURE]  # type: ignore[index]
    assert call.headers["content-type"] == "application/json"
    assert call.json() == {"orderid": "o-1"}
    assert call.headers["x-request-id"] == "rid-send-1"
    sent = call.headers["traceparent"]
    assert sent.startswith("00-0af7651916cd43dd8448eb211c80319c-") and sent != PARENT


def test_a_binary_event_goes_byte_for_byte(receiver: Recorder) -> None:
    binary = events.BinaryEvent(
        {
            "specversion": "1.0",
            "id": "b-1",
            "source": "/t",
            "type": "t",
            "datacontenttype": "text/plain",
        },
        b"\x00 not json",
    )
    assert events.send(binary, receiver.url, receiver="t", read_timeout=5).ok
    (call,) = receiver.calls
    assert (call.body, call.headers["content-type"]) == (b"\x00 not json", "text/plain")
    assert "ce-datacontenttype" not in call.headers


def test_failed_tries_are_tried_again_while_the_caller_says_so(
    receiver: Recorder, answers: list[Reply]
) -> None:
    answers.extend([(503, {}, b""), (429, {}, b"")])
    answer = events.send(order(), receiver.url, receiver="t", read_timeout=5, attempts=3)
    assert answer.status == 202
    assert len({call.headers["ce-id"] for call in receiver.calls}) == 1
    assert len(receiver.calls) == 3

    answers.append((400, {}, b'{"error": "bad_event"}'))
    answer = events.send(order(), receiver.url, receiver="t", read_timeout=5, attempts=3)
    assert (answer.status, answer.data) == (400, b'{"error": "bad_event"}')
    assert len(receiver.calls) == 4  # a final 4xx is not tried again


def test_an_unreachable_receiver_is_no_answer_and_a_lost_answer_is_in_doubt() -> None:
    closed = f"http://127.0.0.1:{free_port()}/"
    answer = events.send(order(), closed, receiver="t", read_timeout=5, attempts=2, backoff=0)
    assert (answer.status, answer.in_doubt, answer.detail) == (
        events.NO_ANSWER,
        False,
        "unreachable",
    )

    def slow(seen: Seen) -> StubReply:
        time.sleep(0.5)
        return StubReply(202)

    with stub_server(slow) as late:  # it hears the caller hang up and says nothing
        answer = events.send(order(), late.url, receiver="t", read_timeout=0.1, attempts=2)
        assert (answer.status, answer.in_doubt) == (events.NO_ANSWER, True)
        assert len(late.seen) == 2
