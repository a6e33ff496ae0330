"""The dev broker on real RabbitMQ: ingress, routing, retries, dead letters and replies."""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from kit import events
from scripts.stack import ports, processes
from scripts.stack.broker import amqp, ingress
from scripts.stack.broker.triggers import Trigger
from scripts.stack.shop import Stack, port_of
from scripts.stack.wait import until
from tests.support.eventing import (
    Call,
    Recorder,
    Reply,
    manifests_with_delivery,
    messages,
)

pytestmark = pytest.mark.served

PLACED = "com.roboshop.order.placed"
PAID = "com.roboshop.order.paid"
DISPATCHED = "com.roboshop.order.dispatched"
POISON = "poison"
FLAKY = "flaky-"
BUSY = "busy-"
DOOMED = "doomed-"
LOST = "lost-"
DEAD_LETTER_PATH = "/deadletters/events/dead-letter"
SUBSCRIBERS = ("user", "cart", "catalogue", "dispatch", "payment", "deadletters")


def respond(call: Call) -> Reply:
    """user and cart take everything but poison; dispatch replies; FLAKY fails twice at cart,
    BUSY answers 409 once at cart, DOOMED always fails at cart; the dead-letter sink takes
    everything but LOST."""
    subject = call.headers.get("ce-subject", "")
    at_cart = call.path.startswith("/cart")
    if call.path == DEAD_LETTER_PATH:
        return (503, {}, b"") if subject.startswith(LOST) else (202, {}, b"")
    if subject == POISON:
        return 400, {"Content-Type": "application/json"}, b'{"error": "bad_event"}'
    if subject.startswith(BUSY) and at_cart and len(recorder_calls(call)) <= 1:
        return 409, {}, b""
    if subject.startswith(FLAKY) and at_cart and len(recorder_calls(call)) <= 2:
        return 503, {}, b""
    if subject.startswith((DOOMED, LOST)) and at_cart:
        return 503, {}, b""
    if call.path == "/dispatch/events/order-paid":
        reply = events.make_event(
            DISPATCHED,
            "/roboshop/dispatch",
            {"orderid": subject},
            subject=subject,
            event_id=f"d-{subject}",
        )
        headers, body = events.to_binary(reply)
        return 200, headers, body
    return 200, {}, b""


_recorder: Recorder | None = None


def recorder_calls(call: Call) -> list[Call]:
    assert _recorder is not None
    subject = call.headers.get("ce-subject")
    return [c for c in _recorder.on(call.path) if c.headers.get("ce-subject") == subject]


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    global _recorder
    _recorder = Recorder(respond)
    yield _recorder
    _recorder.close()


@pytest.fixture(scope="module")
def broker(
    amqp_url: str, recorder: Recorder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    manifests = manifests_with_delivery(
        tmp_path_factory.mktemp("manifests"), retry=4, backoffPolicy="linear", backoffDelay="PT0.1S"
    )
    # Every subscriber is the recorder, each under a path of its own.
    urls = {name: f"{recorder.url}/{name}" for name in SUBSCRIBERS}
    overrides = {"broker": {"BROKER_TRIGGERS": str(manifests)}}
    folder = tmp_path_factory.mktemp("broker")
    with Stack({}, folder, {**urls, "rabbitmq": amqp_url}, overrides) as stack:
        url = stack.start(["broker"]).urls["broker"] + "/"
        until(lambda: post_json(url + "health") == 200, what="the broker's health")
        yield url


def post_json(url: str) -> int:
    return urllib3.request("GET", url, timeout=5, retries=False).status


def publish(url: str, subject: str, event_type: str = PLACED) -> str:
    event = events.make_event(event_type, "/tests", {"orderid": subject}, subject=subject)
    headers, body = events.to_binary(event)
    answer = urllib3.request("POST", url, body=body, headers=headers, timeout=10, retries=False)
    assert answer.status == 202, answer.data
    return str(event["id"])


def calls_for(recorder: Recorder, path: str, subject: str) -> list[Call]:
    return [c for c in recorder.on(path) if c.headers.get("ce-subject") == subject]


def dead_letters(amqp_url: str, trigger_name: str) -> list[tuple[dict[str, str], bytes]]:
    """Every message parked for a Trigger, left where it is."""
    queue = amqp.dead_letter_queue(Trigger(trigger_name, "default", {}, ""))
    return [(properties.headers, body) for properties, body in messages(amqp_url, queue)]


def test_a_request_that_is_no_cloudevent_is_refused(broker: str) -> None:
    answer = urllib3.request(
        "POST", broker, body=b'{"orderid": "x"}', headers={"Content-Type": "application/json"}
    )
    assert answer.status == 400
    assert json.loads(answer.data)["error"] == "bad_event"
    assert urllib3.request("POST", broker + "elsewhere", body=b"").status == 404


def status_and_error(answer: urllib3.BaseHTTPResponse) -> tuple[int, str]:
    return answer.status, json.loads(answer.data)["error"]


def test_the_ingress_refuses_as_every_function_does_in_json(broker: str) -> None:
    headers, _ = events.to_binary(events.make_event(PLACED, "/tests", {"orderid": "x"}))
    wrong_method = urllib3.request("GET", broker, retries=False)
    assert status_and_error(wrong_method) == (405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "POST"
    batch = {"Content-Type": "application/cloudevents-batch+json"}
    assert status_and_error(urllib3.request("POST", broker, body=b"[]", headers=batch)) == (
        415,
        "unsupported_media_type",
    )
    structured = {"Content-Type": "application/cloudevents+json"}
    assert status_and_error(urllib3.request("POST", broker, body=b"{no", headers=structured)) == (
        400,
        "malformed_json",
    )
    huge = b"x" * (ingress.MAX_BODY + 1)
    assert status_and_error(urllib3.request("POST", broker, body=huge, headers=headers)) == (
        413,
        "too_large",
    )


def test_the_ingress_has_a_functions_request_ids_health_and_metrics(
    broker: str, recorder: Recorder
) -> None:
    """Served as a function is (kit.serve), with the deliverers in the process that answers
    /metrics: what they count is there."""
    subject = f"order-{uuid.uuid4()}"
    event = events.make_event(PLACED, "/tests", {"orderid": subject}, subject=subject)
    headers, body = events.to_binary(event)
    headers["X-Request-Id"] = "ingress-request-1"
    answer = urllib3.request("POST", broker, body=body, headers=headers, retries=False)
    assert (answer.status, answer.headers["X-Request-Id"]) == (202, "ingress-request-1")
    assert "Content-Type" not in answer.headers and answer.data == b""
    health = urllib3.request("GET", broker + "health", retries=False)
    assert json.loads(health.data) == {
        "function": "broker",
        "status": "ok",
        "dependencies": {"rabbitmq": "up"},
    }
    live = urllib3.request("GET", broker + "health/live", retries=False)
    assert json.loads(live.data) == {"function": "broker", "status": "ok"}
    until(lambda: calls_for(recorder, "/user/events/order-placed", subject), what="delivery")

    def exposed() -> str | None:
        text = urllib3.request("GET", broker + "metrics", retries=False).data.decode()
        return text if 'outcome="delivered",queue=' in text else None

    text = until(exposed, what="the deliveries in /metrics")
    assert 'broker_events_received_total{status="202"}' in text
    assert 'http_requests_total{function="broker",method="POST",route="/",status="202"}' in text
    assert 'trigger="user-order-placed"' in text
    assert 'dependency_up{dependency="rabbitmq",function="broker"} 1.0' in text


def test_an_event_reaches_every_matching_subscriber_in_binary_mode(
    broker: str, recorder: Recorder
) -> None:
    subject = f"order-{uuid.uuid4()}"
    event_id = publish(broker, subject)
    for path in ("/user/events/order-placed", "/cart/events/order-placed"):
        (call,) = until(functools.partial(calls_for, recorder, path, subject), what=path)
        assert call.headers["ce-id"] == event_id
        assert call.headers["ce-type"] == PLACED
        assert call.headers["ce-source"] == "/tests"
        assert call.headers["ce-specversion"] == "1.0"
        assert call.headers["content-type"] == "application/json"
        assert call.json() == {"orderid": subject}
    assert not calls_for(recorder, "/user/events/order-dispatched", "nobody")


def test_the_reply_event_of_a_subscriber_is_published_back_into_the_broker(
    broker: str, recorder: Recorder
) -> None:
    subject = f"order-{uuid.uuid4()}"
    publish(broker, subject, PAID)
    (call,) = until(
        lambda: calls_for(recorder, "/user/events/order-dispatched", subject), what="the reply"
    )
    assert call.headers["ce-type"] == DISPATCHED
    assert call.headers["ce-id"] == f"d-{subject}"
    assert call.headers["ce-source"] == "/roboshop/dispatch"


@pytest.mark.parametrize(
    ("prefix", "attempts"),
    [(FLAKY, 3), (BUSY, 2)],
    ids=["after two 5xx", "after a transient 409, as Knative retries it"],
)
def test_a_failing_subscriber_is_retried_until_it_takes_the_event(
    broker: str, recorder: Recorder, amqp_url: str, prefix: str, attempts: int
) -> None:
    subject = f"{prefix}{uuid.uuid4()}"
    publish(broker, subject)
    until(
        lambda: len(calls_for(recorder, "/cart/events/order-placed", subject)) == attempts,
        what=f"{attempts} attempts",
    )
    assert len(calls_for(recorder, "/user/events/order-placed", subject)) == 1
    assert not [
        h for h, _ in dead_letters(amqp_url, "cart-order-placed") if h["subject"] == subject
    ]


def test_a_refused_event_is_acked_and_gone_as_eventing_rabbitmq_does(
    broker: str, recorder: Recorder, amqp_url: str
) -> None:
    """A 400 is final: one attempt, no dead letter (the consumers keep such events
    themselves), and the next event is not held up."""
    publish(broker, POISON)
    until(lambda: calls_for(recorder, "/cart/events/order-placed", POISON), what="poison")
    following = f"order-{uuid.uuid4()}"
    publish(broker, following)
    until(lambda: calls_for(recorder, "/cart/events/order-placed", following), what="next")
    time.sleep(0.5)  # time enough for the retries a 400 must not get
    assert len(calls_for(recorder, "/cart/events/order-placed", POISON)) == 1
    assert not calls_for(recorder, DEAD_LETTER_PATH, POISON)
    assert dead_letters(amqp_url, "cart-order-placed") == []


def test_an_event_that_fails_every_retry_goes_to_the_dead_letter_sink(
    broker: str, recorder: Recorder, amqp_url: str
) -> None:
    doomed = f"{DOOMED}{uuid.uuid4()}"
    event_id = publish(broker, doomed)
    (letter,) = until(lambda: calls_for(recorder, DEAD_LETTER_PATH, doomed), what="dead letter")
    assert len(calls_for(recorder, "/cart/events/order-placed", doomed)) == 5  # 1 + 4 retries
    assert letter.headers["ce-id"] == event_id
    assert letter.headers["ce-type"] == PLACED
    assert letter.headers["ce-knativeerrorcode"] == "503"
    assert letter.headers["ce-knativeerrordest"].endswith("/cart/events/order-placed")
    assert "ce-knativeerrordata" not in letter.headers
    assert letter.json() == {"orderid": doomed}
    # user took it the first time: its dead-letter sink never hears of it.
    assert len(calls_for(recorder, "/user/events/order-placed", doomed)) == 1
    until(lambda: dead_letters(amqp_url, "cart-order-placed") == [], what="the queue emptied")


def test_a_dead_letter_the_sink_never_takes_is_acked_and_lost_as_on_the_cluster(
    broker: str, recorder: Recorder, amqp_url: str
) -> None:
    lost = f"{LOST}{uuid.uuid4()}"
    publish(broker, lost)
    until(lambda: len(calls_for(recorder, DEAD_LETTER_PATH, lost)) == 5, what="the sink's 5 tries")
    time.sleep(0.5)
    assert len(calls_for(recorder, DEAD_LETTER_PATH, lost)) == 5
    assert dead_letters(amqp_url, "cart-order-placed") == []


def test_without_rabbitmq_the_ingress_answers_503_and_it_listens_on_loopback_only(
    tmp_path: Path,
) -> None:
    closed = f"amqp://guest:guest@127.0.0.1:{ports.free_port()}/%2F"
    with Stack({"LOG_LEVEL": "info"}, tmp_path, {"rabbitmq": closed}) as stack:
        url = stack.start(["broker"]).urls["broker"] + "/"
        port, log = port_of(url), stack.processes["broker"].log
        until(lambda: "loopback only" in log.read_text(), what="the ingress's log line")
        # Bound to 127.0.0.1 itself, not to every address: even 127.0.0.2 gets no answer.
        assert processes.port_open(port, "127.0.0.1")
        assert not processes.port_open(port, "127.0.0.2")
        event = events.make_event(PLACED, "/tests", {"orderid": "x"})
        headers, body = events.to_binary(event)
        answer = urllib3.request("POST", url, body=body, headers=headers, retries=False)
        assert answer.status == 503
        assert answer.headers["Retry-After"] == "1"
        health = urllib3.request("GET", url + "health", retries=False)
        assert health.status == 503
        assert json.loads(health.data)["dependencies"]["rabbitmq"] != "up"
