"""One deliverer on real RabbitMQ, where the whole broker can't show it: a reply that can't
be published, a subscriber that never answers, and what parallelism does to the order."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pika
from prometheus_client import REGISTRY

from kit import events
from scripts.stack import ports
from scripts.stack.broker import amqp, deliverer
from scripts.stack.broker.deliverer import Deliverer
from scripts.stack.broker.triggers import Delivery, Trigger
from scripts.stack.wait import until
from tests.support.eventing import Call, Recorder, messages

DISPATCHED = "com.roboshop.order.dispatched"


def replying(call: Call) -> tuple[int, dict[str, str], bytes]:
    headers, body = events.to_binary(events.make_event(DISPATCHED, "/tests", {"orderid": "x"}))
    return 200, headers, body


def trigger_to(url: str, sink: str, retry: int = 0, parallelism: int = 1) -> Trigger:
    return Trigger(
        f"deliverer-{uuid.uuid4().hex[:8]}",
        "default",
        {"type": "com.roboshop.order.placed"},
        url,
        Delivery(retry=retry, backoff_policy="linear", backoff_delay=0.05, dead_letter_sink=sink),
        parallelism=parallelism,
    )


@contextmanager
def delivering(trigger: Trigger, amqp_url: str, replies_to: str | None = None) -> Iterator[None]:
    """A deliverer for the Trigger's queue, replies published to `replies_to` (default: ours)."""
    publisher = amqp.Publisher(replies_to or amqp_url, [trigger], "classic")
    stopping = threading.Event()
    deliverer = Deliverer(trigger, "classic", amqp_url, publisher, stopping)
    deliverer.start()
    try:
        until(deliverer.connected.is_set, what="the deliverer's consumer")
        yield
    finally:
        stopping.set()
        deliverer.join(timeout=5)
        publisher.close()
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        channel = connection.channel()
        channel.queue_delete(amqp.queue_name(trigger))
        channel.queue_delete(amqp.dead_letter_queue(trigger))
        connection.close()


def put(amqp_url: str, trigger: Trigger, subject: str, **extensions: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    attributes = {
        "specversion": "1.0",
        "id": subject,
        "source": "/t",
        "type": "t",
        "subject": subject,
        **extensions,
    }
    connection.channel().basic_publish(
        "", amqp.queue_name(trigger), b'{"orderid": "x"}', amqp.properties(attributes)
    )
    connection.close()


def parked(amqp_url: str, trigger: Trigger) -> list[dict[str, str]]:
    parked = messages(amqp_url, amqp.dead_letter_queue(trigger))
    return [{k: str(v) for k, v in properties.headers.items()} for properties, _ in parked]


def test_an_event_whose_reply_cant_be_published_is_dead_lettered(amqp_url: str) -> None:
    """As eventing-rabbitmq: the reply is retried, then the original goes to the dead
    letters with knativeerrordata saying why (it travels on the deliverer's own connection)."""
    subscriber = Recorder(replying)
    trigger = trigger_to(subscriber.url, "http://127.0.0.1:9/sink", retry=2)
    closed = f"amqp://guest:guest@127.0.0.1:{ports.free_port()}/%2F"
    try:
        with delivering(trigger, amqp_url, replies_to=closed):
            put(amqp_url, trigger, "reply-lost")
            (letter,) = until(lambda: parked(amqp_url, trigger), what="the dead letter")
        assert len(subscriber.calls) == 1  # delivered once: the subscriber is not asked again
        assert letter["id"] == "reply-lost"
        assert letter["knativeerrorcode"] == "200"
        assert letter["knativeerrordata"].startswith("reply not published")
    finally:
        subscriber.close()


def test_a_subscriber_that_never_answers_is_dead_lettered_with_code_minus_one(
    amqp_url: str,
) -> None:
    nowhere = f"http://127.0.0.1:{ports.free_port()}/events/x"
    trigger = trigger_to(nowhere, "http://127.0.0.1:9/sink", retry=1)
    with delivering(trigger, amqp_url):
        put(amqp_url, trigger, "no-answer")
        (letter,) = until(lambda: parked(amqp_url, trigger), what="the dead letter")
    assert letter["knativeerrorcode"] == "-1"
    assert letter["knativeerrordest"] == nowhere
    labels = {"trigger": trigger.name, "queue": amqp.queue_name(trigger)}
    assert counted("broker_deliveries_total", outcome="dead_lettered", **labels) == 1
    assert counted("broker_delivery_retries_total", trigger=trigger.name) == 1


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_delivery_carries_the_events_trace_on_in_a_span_of_its_own(amqp_url: str) -> None:
    """As eventing-rabbitmq's dispatcher: the trace goes on in the traceparent header, under
    the delivery's span; the trace context is not passed on as ce-* attributes."""
    subscriber = Recorder(lambda call: (204, {}, b""))
    trigger = trigger_to(subscriber.url, "http://127.0.0.1:9/sink")
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    try:
        with delivering(trigger, amqp_url):
            put(amqp_url, trigger, "traced", traceparent=parent, tracestate="roboshop=1")
            (call,) = until(lambda: subscriber.calls, what="the delivery")
            labels = {"trigger": trigger.name, "queue": amqp.queue_name(trigger)}
            until(
                lambda: counted("broker_deliveries_total", outcome="delivered", **labels) == 1,
                what="the delivery counted",
            )
    finally:
        subscriber.close()
    assert "ce-traceparent" not in call.headers and "ce-tracestate" not in call.headers
    assert call.headers["ce-subject"] == "traced"  # the event's other attributes, all there
    sent = call.headers["traceparent"]  # the broker's delivery span, under the event's trace
    assert sent.startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert sent != parent
    assert call.headers["x-request-id"]


def _first_calls(recorder: Recorder) -> list[str]:
    return [c.headers["ce-subject"] for c in recorder.calls]


def _slow_then_fine(call: Call) -> tuple[int, dict[str, str], bytes]:
    return (503, {}, b"") if call.headers["ce-subject"] == "stuck" else (200, {}, b"")


def stuck_then_next(amqp_url: str, parallelism: int) -> list[str]:
    """The subjects the subscriber saw, in order, when an event that fails every try (3
    retries) is followed by one that succeeds."""
    recorder = Recorder(_slow_then_fine)
    trigger = trigger_to(recorder.url, f"{recorder.url}/sink", retry=3, parallelism=parallelism)
    try:
        with delivering(trigger, amqp_url):
            put(amqp_url, trigger, "stuck")
            put(amqp_url, trigger, "next")
            until(
                lambda: (
                    "next" in _first_calls(recorder) and _first_calls(recorder).count("stuck") == 4
                ),
                what="every try",
            )
        return _first_calls(recorder)
    finally:
        recorder.close()


def test_parallelism_one_holds_the_queue_behind_an_event_in_its_retries(amqp_url: str) -> None:
    # In order: every try of the stuck event, then the next one.
    assert stuck_then_next(amqp_url, parallelism=1) == ["stuck"] * 4 + ["next"]


def test_parallelism_lets_the_next_event_pass_one_in_its_retries(amqp_url: str) -> None:
    calls = stuck_then_next(amqp_url, parallelism=8)
    assert calls.index("next") < len(calls) - 1  # taken while "stuck" was still retried


def test_rabbitmqs_own_headers_are_not_passed_on_as_event_attributes() -> None:
    """A quorum queue adds x-delivery-count when it delivers a message again."""
    properties = pika.BasicProperties(
        content_type="application/json",
        headers={"id": "e-1", "type": "t", "x-delivery-count": 1, "paymentauthorisation": "a"},
    )
    headers = deliverer.event_of(properties, b"{}").headers()
    assert headers["ce-id"] == "e-1" and headers["ce-paymentauthorisation"] == "a"
    assert headers["Content-Type"] == "application/json"
    assert not [name for name in headers if "delivery" in name]
