"""/health/live: the shallow check Kubernetes probes, up even when a store is down."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_live_is_200_while_a_dependency_is_down(client: FlaskClient) -> None:
    assert client.get("/health").status_code == 503
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"function": "sample", "status": "ok"}


def test_live_only_answers_get(client: FlaskClient) -> None:
    assert client.post("/health/live").status_code == 405
