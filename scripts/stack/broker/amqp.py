"""RabbitMQ for the dev broker: names, topology, and a confirming publisher.

CloudEvent attributes travel as AMQP message headers, so a headers exchange
routes each event to the queues whose Trigger filter attributes it matches
(`x-match: all`). Every name goes through kit.namespaced, so tests only ever
touch exchanges and queues of their own.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import pika
import pika.exceptions

from kit import namespaced
from scripts.stack.broker.triggers import Trigger

# pika ships no type hints: a BlockingChannel.
Channel: TypeAlias = Any
# What a lost connection, a closed channel or a refused publish looks like to pika.
AMQP_ERRORS: tuple[type[BaseException], ...] = (
    pika.exceptions.AMQPError,
    OSError,
)


class BrokerDown(RuntimeError):
    """RabbitMQ can't take the event now."""


def exchange_name(broker: str) -> str:
    return namespaced(f"roboshop.broker.{broker}")


def queue_name(trigger: Trigger) -> str:
    return namespaced(f"roboshop.trigger.{trigger.name}")


def dead_letter_queue(trigger: Trigger) -> str:
    return queue_name(trigger) + ".dead-letter"


def connect(url: str, heartbeat: int = 10) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.heartbeat = heartbeat
    parameters.blocked_connection_timeout = 10
    parameters.socket_timeout = 3
    parameters.connection_attempts = 1
    return pika.BlockingConnection(parameters)


def declare_exchange(channel: Channel, broker: str) -> None:
    channel.exchange_declare(exchange_name(broker), exchange_type="headers", durable=True)


def declare_trigger(channel: Channel, trigger: Trigger, queue_type: str) -> None:
    """The Trigger's durable queue, bound with its filter, and its dead-letter queue."""
    arguments = {"x-queue-type": queue_type}
    declare_exchange(channel, trigger.broker)
    channel.queue_declare(queue_name(trigger), durable=True, arguments=arguments)
    channel.queue_bind(
        queue_name(trigger),
        exchange_name(trigger.broker),
        arguments={"x-match": "all", **trigger.filters},
    )
    if trigger.delivery.dead_letter:
        channel.queue_declare(dead_letter_queue(trigger), durable=True, arguments=arguments)


def properties(attributes: Mapping[str, Any]) -> pika.BasicProperties:
    """Persistent message properties carrying the CloudEvent attributes as headers."""
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        content_type=str(attributes.get("datacontenttype") or "application/json"),
        message_id=str(attributes.get("id", "")),
        # When it entered the queue: the age of the oldest waiting event (broker metrics).
        timestamp=int(time.time()),
        headers={k: str(v) for k, v in attributes.items() if v is not None},
    )


class Publisher:
    """One confirming channel shared by the ingress and the deliverers.

    `publish` returns only once RabbitMQ confirmed the message (it is then on
    disk in every durable queue it was routed to). A broken connection is
    dropped and made again on the next publish, so a RabbitMQ restart heals alone.
    """

    def __init__(self, url: str, triggers: Sequence[Trigger], queue_type: str) -> None:
        self._url = url
        self._triggers = triggers
        self._queue_type = queue_type
        self._lock = threading.Lock()
        self._connection: pika.BlockingConnection | None = None
        self._channel: Channel | None = None

    def _open(self) -> Channel:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self._drop()
        self._connection = connect(self._url, heartbeat=0)
        channel = self._connection.channel()
        channel.confirm_delivery()
        # The queues too, not only the exchange: an event confirmed before a deliverer
        # has declared its queue must still be kept for it.
        for trigger in self._triggers:
            declare_trigger(channel, trigger, self._queue_type)
        self._channel = channel
        return channel

    def _drop(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            with contextlib.suppress(*AMQP_ERRORS):
                connection.close()

    def publish(
        self, attributes: Mapping[str, Any], body: bytes, exchange: str, routing_key: str = ""
    ) -> None:
        """Publish persistently and wait for the confirm; BrokerDown if that fails twice."""
        with self._lock:
            for attempt in range(2):
                try:
                    self._open().basic_publish(exchange, routing_key, body, properties(attributes))
                    return
                except AMQP_ERRORS as exc:
                    self._drop()
                    if attempt == 1:
                        raise BrokerDown(f"RabbitMQ did not take the event: {exc!r}") from exc

    def check(self) -> None:
        """BrokerDown unless RabbitMQ takes a connection and the topology (for /health)."""
        with self._lock:
            try:
                self._open()
            except AMQP_ERRORS as exc:
                self._drop()
                raise BrokerDown(f"RabbitMQ is unreachable: {exc!r}") from exc

    def close(self) -> None:
        with self._lock:
            self._drop()
