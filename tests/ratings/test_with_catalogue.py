"""Ratings against the real catalogue function, served on a free port."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.http import json_body
from tests.support.settings import restart_with


def test_a_catalogue_product_can_be_rated_and_an_unknown_one_cannot(
    client: FlaskClient, catalogue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart_with(monkeypatch, CATALOGUE_URL=catalogue_url)
    before = json_body(client.get("/api/fetch/RMC"))
    voter = {"X-Real-IP": "10.77.0.1"}  # a shopper no other test is
    assert client.put("/api/rate/RMC/5", headers=voter).status_code == 200
    after = json_body(client.get("/api/fetch/RMC"))
    assert after["rating_count"] == before["rating_count"] + 1
    missing = client.put("/api/rate/NO-SUCH-ROBOT/5")
    assert missing.status_code == 404
    assert client.get("/api/fetch/NO-SUCH-ROBOT").json == {"avg_rating": 0, "rating_count": 0}
