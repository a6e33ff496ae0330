"""The deliverer when its publisher can't reach RabbitMQ but its consumer can."""

from __future__ import annotations

import threading
import uuid

import pika

from kit import events
from scripts import localstack
from scripts.broker import amqp
from scripts.broker.deliverer import Deliverer
from scripts.broker.triggers import Delivery, Trigger
from tests.support.eventing import Call, Recorder, wait_for

DISPATCHED = "com.roboshop.order.dispatched"


def replying(call: Call) -> tuple[int, dict[str, str], bytes]:
    headers, body = events.to_binary(events.make_event(DISPATCHED, "/tests", {"orderid": "x"}))
    return 200, headers, body


def test_a_reply_that_cant_be_published_gives_the_event_back_for_another_delivery(
    amqp_url: str,
) -> None:
    subscriber = Recorder(replying)
    trigger = Trigger(
        f"reply-lost-{uuid.uuid4().hex[:8]}",
        "default",
        {"type": "com.roboshop.order.placed"},
        subscriber.url,
        Delivery(retry=0),
    )
    closed = f"amqp://guest:guest@127.0.0.1:{localstack.free_port()}/%2F"
    publisher = amqp.Publisher(closed, [trigger], "classic")
    stopping = threading.Event()
    deliverer = Deliverer(trigger, "classic", amqp_url, publisher, stopping)
    deliverer.start()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        wait_for(deliverer.connected.is_set, what="the deliverer's consumer")
        channel = connection.channel()
        channel.basic_publish(
            "",
            amqp.queue_name(trigger),
            b'{"orderid": "x"}',
            amqp.properties({"specversion": "1.0", "id": "e1", "source": "/t", "type": "t"}),
        )
        # Not stuck unacked: the event comes back and is delivered again.
        wait_for(lambda: len(subscriber.calls) >= 2, what="a second delivery")
    finally:
        stopping.set()
        deliverer.join(timeout=5)
        channel = connection.channel()
        channel.queue_delete(amqp.queue_name(trigger))
        connection.close()
        subscriber.close()
