"""The memory fault knob."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from tests.support.http import json_body
from tests.support.settings import restart_with

MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def released(client: FlaskClient) -> Iterator[None]:
    yield
    client.get("/free")


def test_memory_holds_25_mib_more_per_call_and_free_releases_it(client: FlaskClient) -> None:
    first = json_body(client.get("/memory"))
    second = json_body(client.get("/memory"))
    assert second["held_bytes"] - first["held_bytes"] == 25 * MIB
    assert second["blocks"] == first["blocks"] + 1
    assert client.get("/free").json == {"held_bytes": 0, "held_mib": 0, "blocks": 0}


def test_memory_stops_at_its_cap(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    restart_with(monkeypatch, MEMORY_KNOB_MAX_MIB="60")
    assert client.get("/memory").status_code == 200
    assert json_body(client.get("/memory"))["held_mib"] == 50
    refused = client.get("/memory")
    assert refused.status_code == 409
    assert json_body(refused)["error"] == "limit_reached"
