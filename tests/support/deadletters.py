"""A stand-in for the deadletters function in one consumer's own tests: it takes the events
the consumer refuses, as POST /dead-letters, and keeps them for the test to look at."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.settings import restart_with
from tests.support.stub import Reply, Seen, Stub, stub_server


@dataclass
class DeadLetterSink:
    stub: Stub
    down: bool = False

    def letters(self) -> list[dict[str, Any]]:
        return [json.loads(s.body) for s in self.stub.seen if s.path == "/dead-letters"]

    def data_of(self, letter: dict[str, Any]) -> Any:
        return json.loads(base64.b64decode(letter["event"]["data"]))


@contextmanager
def dead_letter_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[DeadLetterSink]:
    sink: DeadLetterSink | None = None

    def answer(seen: Seen) -> Reply:
        assert sink is not None
        if sink.down:
            return Reply(503, {"error": "unavailable"})
        return Reply(202, {"id": f"dl-{len(sink.stub.seen)}"})

    with stub_server(answer) as stub:
        sink = DeadLetterSink(stub)
        restart_with(monkeypatch, DEADLETTERS_URL=stub.url)
        yield sink
