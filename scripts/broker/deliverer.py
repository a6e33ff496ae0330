"""Delivering one Trigger's queue to its subscriber, as Knative's dispatcher does.

Each message is POSTed in binary mode (ce-* headers, data as the body). A 2xx
acks it, after the reply event in the response (if any) was published back
into the broker. Like Knative's dispatcher, only what may heal is retried
after the Trigger's backoff (no answer, 5xx, 404, 408, 409, 429); after the
last retry, or at once for any other status (an event the subscriber can
never process), the event goes to the dead-letter queue with the
`knativeerror*` extensions saying why. Several messages are in flight at once,
so an event that keeps failing does not hold up the ones behind it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pika
import urllib3

from scripts.broker import amqp
from scripts.broker.amqp import Channel, Publisher
from scripts.broker.triggers import Trigger

log = logging.getLogger("broker.deliverer")
IN_FLIGHT = 8
GIVE_BACK_PAUSE = 1.0
_REPLY_ATTRIBUTES = ("specversion", "id", "source", "type")
# The statuses Knative eventing retries (kncloudevents.SelectiveRetry); the rest are final.
_RETRYABLE = frozenset({404, 408, 409, 429})


def retryable(status: int | None) -> bool:
    """Whether a failed delivery may succeed later: no answer at all, a 5xx or a transient 4xx."""
    return status is None or status >= 500 or status in _RETRYABLE


def request_headers(properties: pika.BasicProperties) -> dict[str, str]:
    headers = {f"ce-{k}": str(v) for k, v in (properties.headers or {}).items()}
    headers.pop("ce-datacontenttype", None)
    headers["Content-Type"] = properties.content_type or "application/json"
    return headers


def reply_event(response: urllib3.BaseHTTPResponse) -> tuple[dict[str, Any], bytes] | None:
    """The CloudEvent in a subscriber's response, as (attributes, body); None when there is none."""
    headers = {k.lower(): v for k, v in response.headers.items()}
    binary = all(f"ce-{name}" in headers for name in _REPLY_ATTRIBUTES)
    if not binary and "application/cloudevents+json" not in headers.get("content-type", ""):
        return None
    from cloudevents.conversion import to_binary
    from cloudevents.http import from_http

    event = from_http(headers, response.data)
    binary_headers, body = to_binary(event)
    attributes = dict(event.get_attributes())
    attributes["datacontenttype"] = binary_headers.get("content-type", "application/json")
    return attributes, body if isinstance(body, bytes) else str(body).encode()


class Deliverer(threading.Thread):
    """Consumes one Trigger's queue for as long as the broker runs, reconnecting as needed."""

    def __init__(
        self,
        trigger: Trigger,
        queue_type: str,
        amqp_url: str,
        publisher: Publisher,
        stopping: threading.Event,
    ) -> None:
        super().__init__(name=f"deliver-{trigger.name}", daemon=True)
        self.trigger = trigger
        self._queue_type = queue_type
        self._url = amqp_url
        self._publisher = publisher
        self._stopping = stopping
        self._http = urllib3.PoolManager(maxsize=IN_FLIGHT)
        self._workers = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix=trigger.name)
        self.connected = threading.Event()

    def run(self) -> None:
        pause = 0.5
        while not self._stopping.is_set():
            try:
                self._consume()
                pause = 0.5
            except amqp.AMQP_ERRORS as exc:
                self.connected.clear()
                log.warning("%s: RabbitMQ connection lost (%r); retrying", self.trigger.name, exc)
                self._stopping.wait(pause)
                pause = min(pause * 2, 5.0)
        self._workers.shutdown(wait=False, cancel_futures=True)

    def _consume(self) -> None:
        connection = amqp.connect(self._url)
        lost = threading.Event()  # tells this connection's workers to give up their messages
        try:
            channel = connection.channel()
            amqp.declare_trigger(channel, self.trigger, self._queue_type)
            channel.basic_qos(prefetch_count=IN_FLIGHT)

            def on_message(
                ch: Channel, method: Any, properties: pika.BasicProperties, body: bytes
            ) -> None:
                self._workers.submit(
                    self._deliver, connection, ch, method.delivery_tag, properties, body, lost
                )

            channel.basic_consume(amqp.queue_name(self.trigger), on_message)
            self.connected.set()
            log.info("%s: delivering to %s", self.trigger.name, self.trigger.subscriber)
            while not self._stopping.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            lost.set()
            self.connected.clear()
            if connection.is_open:
                with contextlib.suppress(*amqp.AMQP_ERRORS):
                    connection.close()

    def _deliver(
        self,
        connection: pika.BlockingConnection,
        channel: Channel,
        tag: int,
        properties: pika.BasicProperties,
        body: bytes,
        lost: threading.Event,
    ) -> None:
        delivery = self.trigger.delivery
        outcome = ""
        for attempt in range(delivery.retry + 1):
            if attempt and lost.wait(delivery.delay(attempt)):
                return  # the message goes back to the queue with the connection
            outcome, status, reply = self._post(properties, body)
            if not outcome:
                if reply is not None and not self._republish(*reply):
                    self._give_back(connection, channel, tag, lost)
                    return
                self._settle(connection, channel, tag, lost)
                return
            log.info("%s: attempt %d failed: %s", self.trigger.name, attempt + 1, outcome)
            if not retryable(status):
                break
        if delivery.dead_letter and not self._dead_letter(properties, body, outcome):
            self._give_back(connection, channel, tag, lost)
            return
        if not delivery.dead_letter:
            log.error("%s: dropped event %s: %s", self.trigger.name, properties.message_id, outcome)
        self._settle(connection, channel, tag, lost)

    def _post(
        self, properties: pika.BasicProperties, body: bytes
    ) -> tuple[str, int | None, tuple[dict[str, Any], bytes] | None]:
        """('', status, reply) on a 2xx, else why it failed and the status (None: no answer)."""
        try:
            response = self._http.request(
                "POST",
                self.trigger.subscriber,
                body=body,
                headers=request_headers(properties),
                timeout=urllib3.Timeout(connect=2, read=30),
                retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            return f"unreachable: {type(exc).__name__}", None, None
        if not 200 <= response.status < 300:
            return f"HTTP {response.status}: {response.data[:200]!r}", response.status, None
        try:
            return "", response.status, reply_event(response)
        except Exception as exc:  # a malformed reply is the subscriber's bug: log, don't loop
            log.error("%s: ignoring a malformed reply event: %r", self.trigger.name, exc)
            return "", response.status, None

    def _republish(self, attributes: dict[str, Any], body: bytes) -> bool:
        try:
            self._publisher.publish(attributes, body, amqp.exchange_name(self.trigger.broker))
            return True
        except amqp.BrokerDown as exc:
            log.warning("%s: reply not published, will redeliver: %s", self.trigger.name, exc)
            return False

    def _dead_letter(self, properties: pika.BasicProperties, body: bytes, why: str) -> bool:
        attributes: dict[str, Any] = dict(properties.headers or {})
        attributes["datacontenttype"] = properties.content_type
        attributes["knativeerrordest"] = self.trigger.subscriber
        attributes["knativeerrorcode"] = why.split(":")[0].removeprefix("HTTP ").strip()
        attributes["knativeerrordata"] = base64.b64encode(why.encode()[:1024]).decode()
        try:
            self._publisher.publish(attributes, body, "", amqp.dead_letter_queue(self.trigger))
        except amqp.BrokerDown as exc:
            log.warning("%s: dead letter not stored, will redeliver: %s", self.trigger.name, exc)
            return False
        log.warning(
            "%s: event %s dead-lettered: %s",
            self.trigger.name,
            properties.message_id,
            why,
        )
        return True

    def _give_back(
        self, connection: pika.BlockingConnection, channel: Channel, tag: int, lost: threading.Event
    ) -> None:
        """Requeue after a pause, so that a RabbitMQ refusing publishes isn't hammered."""
        if not lost.wait(GIVE_BACK_PAUSE):
            self._settle(connection, channel, tag, lost, requeue=True)

    @staticmethod
    def _settle(
        connection: pika.BlockingConnection,
        channel: Channel,
        tag: int,
        lost: threading.Event,
        requeue: bool = False,
    ) -> None:
        """Ack, or give the message back to be delivered again, on the connection's own
        thread (pika is not thread-safe). A message neither acked nor given back would
        hold its prefetch slot for as long as the connection lives."""
        if lost.is_set():
            return
        done = (
            functools.partial(channel.basic_nack, tag, requeue=True)
            if requeue
            else functools.partial(channel.basic_ack, tag)
        )
        # If the connection went meanwhile, the message is redelivered: consumers are idempotent.
        with contextlib.suppress(*amqp.AMQP_ERRORS):
            connection.add_callback_threadsafe(done)
