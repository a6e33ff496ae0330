"""One dev broker process: its Triggers, its publisher (RabbitMQ, a kit dependency the
ingress and /health use), and the deliverers that run beside the ingress (kit.serve starts
and stops them with the worker that answers the ingress's requests)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kit import Dependency, get_logger
from kit.serve import ServeSettings
from scripts.stack.broker import amqp, triggers
from scripts.stack.broker.deliverer import Deliverer
from scripts.stack.broker.settings import BrokerSettings

log = get_logger("broker")


class Broker:
    def __init__(self, settings: BrokerSettings) -> None:
        manifests = Path(settings.broker_triggers or triggers.MANIFESTS)
        self.triggers, self.queue_type = triggers.load(manifests)
        self.name = sorted({trigger.broker for trigger in self.triggers})[0]
        self.exchange = amqp.exchange_name(self.name)
        self._amqp_url = settings.amqp_url
        self.publisher = amqp.Publisher(self._amqp_url, self.triggers, self.queue_type)
        publisher = self.publisher
        self.rabbitmq = Dependency(
            "rabbitmq", lambda: publisher, amqp.Publisher.check, (amqp.BrokerDown,)
        )
        self._stopping = threading.Event()
        self._deliverers: list[Deliverer] = []

    def start(self) -> None:
        """A deliverer for each Trigger's queue, and one for its dead letters."""
        self._deliverers = [self._deliverer(trigger) for trigger in self.triggers]
        self._deliverers += [
            self._deliverer(trigger, dead_letters=True)
            for trigger in self.triggers
            if trigger.delivery.dead_letter
        ]
        for deliverer in self._deliverers:
            deliverer.start()
        log.info(
            "ingress on http://127.0.0.1:%d/ (loopback only: nothing off this machine can post "
            "events) for broker %s, %d triggers",
            ServeSettings.current().port,
            self.name,
            len(self.triggers),
        )

    def _deliverer(self, trigger: triggers.Trigger, dead_letters: bool = False) -> Deliverer:
        return Deliverer(
            trigger, self.queue_type, self._amqp_url, self.publisher, self._stopping, dead_letters
        )

    def stop(self) -> None:
        """What the broker took is in RabbitMQ, what it delivered is acked, nothing else is
        lost: the ingress has answered the events being posted (kit.serve stops it first);
        now the deliveries under way finish."""
        self._stopping.set()
        deadline = time.monotonic() + BrokerSettings.current().broker_shutdown_seconds + 5
        for deliverer in self._deliverers:
            deliverer.join(timeout=max(0.0, deadline - time.monotonic()))
        self.publisher.close()
