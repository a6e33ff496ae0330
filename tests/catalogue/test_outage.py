"""Drill: MongoDB goes away under a running catalogue, then comes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.stack import processes
from scripts.stack.shop import Stack
from tests.support.http import call, wait_for_outage, wait_for_status

pytestmark = pytest.mark.served


def test_catalogue_answers_503_while_mongodb_is_down_and_heals_alone(tmp_path: Path) -> None:
    env = {"CATALOGUE_CACHE_SECONDS": "0", "MONGO_TIMEOUT_MS": "500"}
    with Stack(env, tmp_path) as shop:
        shop.start(["mongodb"])
        processes.seed(["catalogue"], shop.environ, quiet=True)
        url = shop.start(["catalogue"]).urls["catalogue"]
        assert call("GET", f"{url}/products").status == 200

        shop.kill("mongodb")
        wait_for_outage(f"{url}/products", f"{url}/health", "mongodb")

        shop.restart("mongodb")
        healed = wait_for_status(f"{url}/products", 200)
        assert healed.status == 200
        assert len(json.loads(healed.data)) == 11
        assert call("GET", f"{url}/health").status == 200
