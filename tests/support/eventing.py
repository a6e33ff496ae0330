"""For the event tests: a RabbitMQ vhost of our own, the dev broker as a process, and a
recording subscriber."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from werkzeug.wrappers import Request, Response

from scripts.stack import processes
from scripts.stack.broker import amqp
from scripts.stack.broker.triggers import MANIFESTS
from scripts.stack.processes import Process
from tests.support.stub import Seen, answer, base_url, started, stopped


def messages(amqp_url: str, queue: str, take: bool = False) -> list[tuple[Any, bytes]]:
    """Every message in a queue, as (properties, body): taken out of it, or (take=False) left
    there, as unacked ones go back when the connection closes."""
    connection = amqp.connect(amqp_url)
    channel = connection.channel()
    found = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=take)
        if method is None:
            break
        found.append((properties, body))
    connection.close()
    return found


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def vhost(name: str) -> Iterator[str]:
    """A vhost on the machine's RabbitMQ for guest, deleted afterwards; yields its AMQP URL."""
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{quote(name, safe='')}"
    finally:
        _rabbitmqctl("delete_vhost", name)


def manifests_with_delivery(folder: Path, **delivery: Any) -> Path:
    """The project's eventing manifests with each Trigger's `delivery` fields overridden.

    Routing (filters, subscribers, dead-letter sinks) stays exactly as committed;
    only retry timing changes, so that a test needn't wait for production backoffs.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for source in MANIFESTS.glob("*.yaml"):
        documents = [d for d in yaml.safe_load_all(source.read_text()) if d]
        for document in documents:
            if document.get("kind") == "Trigger":
                document["spec"]["delivery"].update(delivery)
        (folder / source.name).write_text(yaml.safe_dump_all(documents))
    return folder


def start_broker(
    amqp_url: str, log_dir: Path, env: dict[str, str], manifests: Path = MANIFESTS
) -> tuple[Process, str]:
    """`python -m scripts.stack.broker` on a free port; returns it and its ingress URL."""
    port = processes.free_port()
    full_env = {
        "AMQP_URL": amqp_url,
        "BROKER_TRIGGERS": str(manifests),
        "DATA_NAMESPACE": os.environ.get("DATA_NAMESPACE", ""),
        **env,
    }
    process = processes.broker_process(port, log_dir / f"broker-{port}.log", full_env).start()
    process.wait_for_port(port)
    return process, f"http://127.0.0.1:{port}/"


# What a subscriber was sent.
Call = Seen
Reply = tuple[int, dict[str, str], bytes]


class Recorder:
    """An HTTP subscriber on a free port that records every call; `respond` decides answers."""

    def __init__(self, respond: Callable[[Call], Reply] = lambda call: (200, {}, b"")) -> None:
        self.respond = respond
        self.calls: list[Call] = []
        self._server = started(self._handle)
        self.url = base_url(self._server)

    def _handle(self, request: Request) -> Response:
        call = Seen.of(request)
        self.calls.append(call)
        status, headers, body = self.respond(call)
        return answer(status, body, headers)

    def on(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    def close(self) -> None:
        stopped(self._server)
