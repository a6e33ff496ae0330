"""Drill: MongoDB goes away under a running catalogue, then comes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.stack import processes
from tests.support import servers
from tests.support.functions import serve
from tests.support.http import call, wait_for_status

pytestmark = pytest.mark.slow


def test_catalogue_answers_503_while_mongodb_is_down_and_heals_alone(
    tmp_path: Path, log_dir: Path
) -> None:
    mongo, port = servers.start_mongo(tmp_path / "mongo")
    mongo_url = f"mongodb://127.0.0.1:{port}"
    env = {"MONGO_URL": mongo_url, "CATALOGUE_CACHE_SECONDS": "0", "MONGO_TIMEOUT_MS": "500"}
    processes.seed(["catalogue"], env, quiet=True)
    catalogue, url = serve("catalogue", log_dir, env)
    try:
        assert call("GET", f"{url}/products").status == 200

        mongo.kill()
        down = wait_for_status(f"{url}/products", 503)
        assert down.status == 503
        assert json.loads(down.data)["error"] == "unavailable"
        assert int(down.headers["Retry-After"]) >= 1
        health = call("GET", f"{url}/health")
        assert health.status == 503
        assert json.loads(health.data)["dependencies"]["mongodb"] != "up"

        mongo, _ = servers.start_mongo(tmp_path / "mongo", port)
        healed = wait_for_status(f"{url}/products", 200)
        assert healed.status == 200
        assert len(json.loads(healed.data)) == 11
        assert call("GET", f"{url}/health").status == 200
    finally:
        catalogue.stop()
        mongo.stop()
