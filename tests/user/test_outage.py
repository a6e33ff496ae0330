"""The user function's stores out of reach: 503 with Retry-After, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from scripts.stack.ports import free_port
from tests.support.settings import restart_with


def test_mongodb_out_of_reach_makes_register_and_login_503(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, MONGO_URL=f"mongodb://127.0.0.1:{free_port()}")
    restart_with(monkeypatch, MONGO_TIMEOUT_MS="300")
    body = {"name": "nobody-here", "password": "long-enough", "email": "n@example.com"}
    registered = client.post("/register", json=body)
    assert registered.status_code == 503
    assert "mongodb" in registered.get_json()["message"]
    assert client.post("/login", json=body).status_code == 503
