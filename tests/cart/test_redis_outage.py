"""Drill: the cart's Redis goes away and comes back; the cart recovers by itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scripts.stack import processes
from scripts.stack.processes import Process
from tests.support.settings import restart_with

pytestmark = pytest.mark.slow


def start_redis(port: int, folder: Path) -> Process:
    process = Process("redis", processes.redis_command(port, folder), folder / "redis.log")
    process.start().wait_for_port(port)
    return process


def wait_for(call: Callable[[], TestResponse], status: int, seconds: float = 30) -> TestResponse:
    deadline = time.monotonic() + seconds
    while True:
        response = call()
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_redis_down_is_503_then_heals(
    client: FlaskClient, cart_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = processes.free_port()
    redis = start_redis(port, tmp_path / "redis")
    restart_with(monkeypatch, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    restart_with(monkeypatch, REDIS_TIMEOUT_MS="500")
    try:
        assert client.get(f"/add/{cart_id}/RMC/1").status_code == 200

        redis.kill()
        down = wait_for(lambda: client.get(f"/add/{cart_id}/RMC/1"), 503)
        assert down.status_code == 503
        assert down.get_json()["error"] == "unavailable"
        assert "redis" in down.get_json()["message"]
        assert int(down.headers["Retry-After"]) >= 1
        assert client.get(f"/cart/{cart_id}").status_code == 503
        assert client.get("/health").status_code == 503

        # Redis keeps an append-only file: the cart written before the crash is back.
        redis = start_redis(port, tmp_path / "redis")
        healed = wait_for(lambda: client.get(f"/cart/{cart_id}"), 200)
        assert healed.status_code == 200
        assert healed.get_json()["items"][0]["qty"] == 1
        assert client.get(f"/add/{cart_id}/RMC/1").get_json()["items"][0]["qty"] == 2
        assert client.get("/health").status_code == 200
    finally:
        redis.stop()
