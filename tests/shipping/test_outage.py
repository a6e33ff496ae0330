"""shipping with its MySQL out of reach: 503 with Retry-After on every store route."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from scripts.stack.ports import free_port
from tests.support.functions import create_app


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    # Nothing listens on a free port: every connection is refused at once.
    monkeypatch.setenv("MYSQL_PORT", str(free_port()))
    monkeypatch.setenv("MYSQL_USER", "nobody")
    return create_app("shipping").test_client()


@pytest.mark.parametrize(
    "path", ["/codes", "/cities/gb", "/match/gb/lon", "/calc/2643743", "/count"]
)
def test_mysql_out_of_reach_is_503(unreachable: FlaskClient, path: str) -> None:
    response = unreachable.get(path)
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert "Retry-After" in response.headers


def test_confirm_by_city_with_mysql_out_of_reach_is_503(unreachable: FlaskClient) -> None:
    response = unreachable.post("/confirm/anonymous-x", json={"uuid": 2643743})
    assert response.status_code == 503
