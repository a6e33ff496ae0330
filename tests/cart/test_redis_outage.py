"""Drill: the cart's Redis goes away and comes back; the cart recovers by itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scripts.stack import ports, processes
from scripts.stack.processes import Process
from scripts.stack.wait import until
from tests.support.settings import restart_with

pytestmark = pytest.mark.served


def start_redis(port: int, folder: Path) -> Process:
    process = Process("redis", processes.redis_command(port, folder), folder / "redis.log")
    process.start().wait_for_port(port)
    return process


def status_is(status: int) -> Callable[[TestResponse], bool]:
    return lambda response: response.status_code == status


def test_redis_down_is_503_then_heals(
    client: FlaskClient, cart_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = ports.free_port()
    redis = start_redis(port, tmp_path / "redis")
    restart_with(monkeypatch, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    restart_with(monkeypatch, REDIS_TIMEOUT_MS="500")
    try:
        assert client.get(f"/add/{cart_id}/RMC/1").status_code == 200

        redis.kill()
        add = f"/add/{cart_id}/RMC/1"
        down = until(lambda: client.get(add), 30, f"{add} 503", 0.2, done=status_is(503))
        assert down.get_json()["error"] == "unavailable"
        assert "redis" in down.get_json()["message"]
        assert int(down.headers["Retry-After"]) >= 1
        assert client.get(f"/cart/{cart_id}").status_code == 503
        assert client.get("/health").status_code == 503

        # Redis keeps an append-only file: the cart written before the crash is back.
        redis = start_redis(port, tmp_path / "redis")
        cart = f"/cart/{cart_id}"
        healed = until(lambda: client.get(cart), 30, f"{cart} 200", 0.2, done=status_is(200))
        assert healed.get_json()["items"][0]["qty"] == 1
        assert client.get(f"/add/{cart_id}/RMC/1").get_json()["items"][0]["qty"] == 2
        assert client.get("/health").status_code == 200
    finally:
        redis.stop()
