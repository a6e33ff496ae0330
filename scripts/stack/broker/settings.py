"""What the dev broker reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit import LOCAL_BROKER_PORT
from kit.settings import About, Settings


@dataclass(frozen=True)
class BrokerSettings(Settings):
    readers = "the dev broker (`scripts.stack.broker`)"

    amqp_url: Annotated[str, About("RabbitMQ", schemes=("amqp", "amqps"))] = (
        "amqp://guest:guest@127.0.0.1:5672/%2F"
    )
    broker_port: Annotated[int, About("its ingress, on 127.0.0.1", minimum=1, maximum=65535)] = (
        LOCAL_BROKER_PORT
    )
    broker_triggers: Annotated[
        str, About("the Broker and Trigger manifests it follows", shown="`knative/base/eventing`")
    ] = ""
    broker_shutdown_seconds: Annotated[
        int, About("on SIGTERM, how long it waits for the events under way", minimum=1)
    ] = 20
