"""For the event tests: Triggers with quick retries, and a recording subscriber."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

from scripts.stack.broker import amqp
from scripts.stack.broker.triggers import MANIFESTS
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
