"""Delivering one Trigger's queue, as eventing-rabbitmq's dispatcher does (pkg/dispatcher).

Each message is POSTed in binary mode (kit.events.send: ce-* headers, data as the body,
under the delivery's own span and request id; the trace context in the traceparent header,
never as ce-* attributes), as many at once as the Trigger's parallelism annotation says
(default 1: in order, one at a time, so one event in its retries holds up the rest). What
happens then is what the cluster does:

- 2xx: acked; a reply event in the answer is published back into the broker. If that
  fails after the retries, the original event is dead-lettered (`knativeerrordata` says why).
- no answer, 5xx, 404, 408, 409, 429 (Knative's SelectiveRetry): retried after the
  Trigger's backoff; after the last retry the event goes to the Trigger's dead-letter
  queue with `knativeerrordest` and `knativeerrorcode` (-1: no answer), and is acked.
- any other status (400, 403, 410...): acked and gone. eventing-rabbitmq counts a status
  it doesn't retry as delivered; the consumers keep such events as dead letters themselves.

A second deliverer takes the dead-letter queue to the dead-letter sink, with the same
retries; whatever the sink answers in the end, the dead letter is acked (a sink that is
down loses it, as on the cluster). A dead letter that can't be stored in RabbitMQ is lost
too (eventing-rabbitmq acks the original first). Replies travel on the broker's shared
publisher (the cluster posts them to the broker ingress); dead letters on the deliverer's
own connection (the cluster's dispatcher publishes them on its own channel).

On shutdown a deliverer takes no new message; the deliveries under way finish and are
acked before the connection closes (BROKER_SHUTDOWN_SECONDS at most), and a message
waiting out a retry's backoff is left unacked for the next broker to retry: nothing is
lost, and nothing a subscriber took is sent again. eventing-rabbitmq's dispatcher also
waits for its workers, but cancels their requests with its context, so the events under
way there are dead-lettered (knativeerrorcode -1) rather than finished.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pika
import urllib3

from kit import events, get_logger, request_scope, trace_request
from kit.contract import ORDER_EVENTS
from scripts.stack.broker import amqp, metrics
from scripts.stack.broker.amqp import Channel, Publisher
from scripts.stack.broker.inflight import Closed, InFlight
from scripts.stack.broker.settings import BrokerSettings
from scripts.stack.broker.triggers import Trigger

log = get_logger("broker.deliverer")
# eventing-rabbitmq sets no timeout unless the delivery has one; a hung subscriber would
# hold a worker for ever there. Here it is given up after this long.
DEFAULT_TIMEOUT = 60.0

# CloudEvent attribute names are lower-case letters and digits: RabbitMQ's own headers
# (a quorum queue's x-delivery-count on redelivery) are not the event's.
_ATTRIBUTE_NAME = re.compile(r"[a-z0-9]{1,20}")
# Not passed on as ce-* attributes: eventing-rabbitmq's dispatcher reads the trace context
# from these message headers into its own span and leaves them out of the event it sends
# (pkg/rabbit/message.go, NewMessageFromDelivery); the trace goes on in the traceparent
# HTTP header only, as here.
_TRACE_CONTEXT = frozenset({"traceparent", "tracestate"})


def event_fields(attributes: dict[str, Any]) -> dict[str, str]:
    """What each log line about an event names: its type and id, and an order's id."""
    fields = {
        "event_type": str(attributes.get("type", "")),
        "event_id": str(attributes.get("id", "")),
    }
    if fields["event_type"].startswith(ORDER_EVENTS) and attributes.get("subject"):
        fields["order_id"] = str(attributes["subject"])
    return fields


def event_of(properties: pika.BasicProperties, body: bytes) -> events.BinaryEvent:
    """The CloudEvent a message carries: its attributes are the message's headers."""
    attributes = {
        k: str(v)
        for k, v in (properties.headers or {}).items()
        if _ATTRIBUTE_NAME.fullmatch(k) and k not in _TRACE_CONTEXT
    }
    attributes["datacontenttype"] = properties.content_type or "application/json"
    return events.BinaryEvent(attributes, body)


@dataclass(frozen=True)
class Message:
    connection: pika.BlockingConnection
    channel: Channel
    tag: int
    properties: pika.BasicProperties
    body: bytes
    lost: threading.Event  # set when this connection went: the message is redelivered
    leaving: threading.Event  # set when lost or stopping: no further attempt starts


class Abandoned(Exception):
    """The delivery stops here unacked: the message goes back to its queue."""


class Deliverer(threading.Thread):
    """Consumes one queue of a Trigger for as long as the broker runs, reconnecting as needed:
    its own queue to its subscriber, or (dead_letters) its dead-letter queue to its sink."""

    def __init__(
        self,
        trigger: Trigger,
        queue_type: str,
        amqp_url: str,
        publisher: Publisher,
        stopping: threading.Event,
        dead_letters: bool = False,
    ) -> None:
        role = "dead letters" if dead_letters else "events"
        super().__init__(name=f"deliver-{trigger.name}-{role}", daemon=True)
        self.trigger = trigger
        self.for_dead_letters = dead_letters
        self.queue = amqp.dead_letter_queue(trigger) if dead_letters else amqp.queue_name(trigger)
        target = trigger.delivery.dead_letter_sink if dead_letters else trigger.subscriber
        assert target is not None, f"{trigger.name} has no dead-letter sink"
        self.target = target
        self._queue_type = queue_type
        self._url = amqp_url
        self._replies = publisher
        self._dead_letters = amqp.Publisher(amqp_url, [trigger], queue_type)
        self._stopping = stopping
        self._http = urllib3.PoolManager(maxsize=trigger.parallelism)
        self._workers = ThreadPoolExecutor(trigger.parallelism, thread_name_prefix=self.name)
        self._delivering = InFlight()
        self.connected = threading.Event()
        self._waiting = metrics.waiting(trigger.name, self.queue)

    def run(self) -> None:
        pause = 0.5
        while not self._stopping.is_set():
            try:
                self._consume()
                pause = 0.5
            except amqp.AMQP_ERRORS as exc:
                self.connected.clear()
                log.warning("%s: RabbitMQ connection lost (%r); retrying", self.name, exc)
                self._stopping.wait(pause)
                pause = min(pause * 2, 5.0)
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._dead_letters.close()

    def _consume(self) -> None:
        connection = amqp.connect(self._url)
        lost, leaving = threading.Event(), threading.Event()
        try:
            channel = connection.channel()
            amqp.declare_trigger(channel, self.trigger, self._queue_type)
            # As eventing-rabbitmq's dispatcher: prefetch and workers = parallelism.
            channel.basic_qos(prefetch_count=self.trigger.parallelism)

            def on_message(
                ch: Channel, method: Any, properties: pika.BasicProperties, body: bytes
            ) -> None:
                message = Message(
                    connection, ch, method.delivery_tag, properties, body, lost, leaving
                )
                self._waiting.add(id(message), properties.timestamp)
                self._workers.submit(self._deliver_unless_stopping, message)

            channel.basic_consume(self.queue, on_message)
            self.connected.set()
            log.info("%s: delivering %s to %s", self.name, self.queue, self.target)
            while not self._stopping.is_set():
                connection.process_data_events(time_limit=0.5)
            leaving.set()
            self._drain(connection)
        finally:
            leaving.set()
            lost.set()
            self.connected.clear()
            self._waiting.clear()  # redelivered with the connection
            if connection.is_open:
                with contextlib.suppress(*amqp.AMQP_ERRORS):
                    connection.close()

    def _drain(self, connection: pika.BlockingConnection) -> None:
        """Let the deliveries under way finish, and send their acks, before closing."""
        deadline = time.monotonic() + BrokerSettings.current().broker_shutdown_seconds
        self._delivering.close()
        while self._delivering.busy and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.1)
        if self._delivering.busy:
            log.warning("%s: deliveries still under way at shutdown: redelivered", self.name)
        connection.process_data_events(time_limit=0)  # the acks queued last

    def _deliver_unless_stopping(self, message: Message) -> None:
        try:
            with self._delivering.work():
                self._deliver(message)
        except (Closed, Abandoned):
            pass  # unacked: the message goes back to the queue with the connection

    def _deliver(self, message: Message) -> None:
        """One event, to its subscriber (or sink) and acked, in a span of its own under the
        event's trace; one log line says how it went."""
        headers = message.properties.headers or {}
        parent = str(headers.get("traceparent") or "")
        name = f"deliver {self.trigger.name}"
        started = time.perf_counter()
        fields = event_fields(headers)
        with (
            request_scope(""),
            trace_request("broker", name, parent, fields, "consumer") as span,
        ):
            try:
                status = self._deliver_traced(message)
            finally:
                self._waiting.done(id(message))
            span.finish(name, status, {"messaging.destination": self.queue})
            log.info(
                "dead letter delivered" if self.for_dead_letters else "event delivered",
                extra={
                    "trigger": self.trigger.name,
                    "target": self.target,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    def _deliver_traced(self, message: Message) -> int:
        delivery = self.trigger.delivery
        status, detail, reply = events.NO_ANSWER, "", None
        for attempt in range(delivery.retry + 1):
            if attempt and message.leaving.wait(delivery.delay(attempt)):
                raise Abandoned
            status, detail, reply = self._post(message)
            if not events.retryable(status):
                break
            log.info("%s: attempt %d failed: %s", self.name, attempt + 1, detail)
            if attempt < delivery.retry:
                metrics.retries.labels(self.trigger.name).inc()
        event_id = message.properties.message_id
        self._count(status)
        if 200 <= status < 300:
            lost_reply = reply is not None and not self._publish_reply(message, reply)
            if lost_reply and not self.for_dead_letters:
                self._dead_letter(message, status, f"reply not published: {detail}")
        elif not events.retryable(status):
            log.warning(
                "%s: event %s acked and gone: %s answered %s (final, as in eventing-rabbitmq)",
                self.name,
                event_id,
                self.target,
                detail,
            )
        elif self.for_dead_letters:
            log.error(
                "%s: dead letter %s lost: the sink did not take it: %s", self.name, event_id, detail
            )
        else:
            self._dead_letter(message, status, "")
        self._ack(message)
        return status

    def _count(self, status: int) -> None:
        if 200 <= status < 300:
            outcome = "delivered"
        elif not events.retryable(status):
            outcome = "refused"
        elif self.for_dead_letters or not self.trigger.delivery.dead_letter:
            outcome = "lost"
        else:
            outcome = "dead_lettered"
        metrics.deliveries.labels(self.trigger.name, self.queue, outcome).inc()

    def _post(self, message: Message) -> tuple[int, str, events.BinaryEvent | None]:
        """(status, what happened, reply event); NO_ANSWER when nothing answered."""
        answer = events.send(
            event_of(message.properties, message.body),
            self.target,
            receiver=self.trigger.name,
            read_timeout=self.trigger.delivery.timeout or DEFAULT_TIMEOUT,
            pool=self._http,
        )
        if not answer.ok:
            return answer.status, answer.detail, None
        try:
            return answer.status, answer.detail, events.reply_in(answer)
        except ValueError as exc:  # a malformed reply is the subscriber's bug: log, don't loop
            log.error("%s: ignoring a malformed reply event: %s", self.name, exc)
            return answer.status, answer.detail, None

    def _publish_reply(self, message: Message, reply: events.BinaryEvent) -> bool:
        """Into the broker, retried as the delivery says; False when it never got there."""
        delivery = self.trigger.delivery
        for attempt in range(delivery.retry + 1):
            if attempt and message.leaving.wait(delivery.delay(attempt)):
                raise Abandoned  # redelivered: the reply is sent again then
            try:
                exchange = amqp.exchange_name(self.trigger.broker)
                self._replies.publish(reply.attributes, reply.data, exchange)
                return True
            except amqp.BrokerDown as exc:
                log.warning("%s: reply not published (try %d): %s", self.name, attempt + 1, exc)
        return False

    def _dead_letter(self, message: Message, status: int, why: str) -> None:
        event_id = message.properties.message_id
        if not self.trigger.delivery.dead_letter:
            log.error("%s: event %s dropped, no dead-letter sink (%s)", self.name, event_id, status)
            return
        attributes: dict[str, Any] = dict(message.properties.headers or {})
        attributes["datacontenttype"] = message.properties.content_type
        attributes["knativeerrordest"] = self.target
        attributes["knativeerrorcode"] = str(status)
        if why:
            attributes["knativeerrordata"] = why[:1024]
        queue = amqp.dead_letter_queue(self.trigger)
        try:
            self._dead_letters.publish(attributes, message.body, "", queue)
        except amqp.BrokerDown as exc:
            # eventing-rabbitmq has acked the original by now: the event is gone.
            log.error("%s: event %s lost, not dead-lettered: %s", self.name, event_id, exc)
            return
        log.warning("%s: event %s dead-lettered (%s)", self.name, event_id, status)

    @staticmethod
    def _ack(message: Message) -> None:
        """On the connection's own thread (pika is not thread-safe). If the connection went
        meanwhile, the message is redelivered: consumers are idempotent."""
        if message.lost.is_set():
            return
        done = functools.partial(message.channel.basic_ack, message.tag)
        with contextlib.suppress(*amqp.AMQP_ERRORS):
            message.connection.add_callback_threadsafe(done)
