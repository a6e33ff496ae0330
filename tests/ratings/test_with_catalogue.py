"""Ratings against the real catalogue function, served on a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from scripts.jobs.seed import catalogue as seed_catalogue
from scripts.stack.shop import Stack
from tests.support.http import json_body
from tests.support.settings import restart_with


@pytest.fixture(scope="module")
def catalogue_url(mongo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    seed_catalogue.seed()
    with Stack({}, tmp_path_factory.mktemp("catalogue"), {"mongodb": mongo_url}) as shop:
        yield shop.start(["catalogue"]).urls["catalogue"]


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
