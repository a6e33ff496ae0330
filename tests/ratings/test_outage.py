"""Drill: ratings' MariaDB crashes under a running function, then comes back."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from scripts.stack import processes
from scripts.stack.processes import Process
from tests.support.functions import serve
from tests.support.http import call, wait_for_status
from tests.support.stub import Stub

pytestmark = pytest.mark.slow


def start_mariadb(data_dir: Path, port: int) -> Process:
    command = processes.mariadb_command(port, data_dir)
    process = Process("mariadb", command, data_dir.parent / f"mariadb-{port}.log")
    process.start().wait_for_port(port, timeout=60)
    return process


def test_ratings_answers_503_while_mysql_is_down_and_heals_alone(
    tmp_path: Path, log_dir: Path, catalogue: Stub
) -> None:
    port = processes.free_port()
    data_dir = tmp_path / "mariadb"
    mariadb = start_mariadb(data_dir, port)
    password = secrets.token_urlsafe(16)
    mysql_env = {"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": str(port)}
    seed_env = {
        **mysql_env,
        "MYSQL_ADMIN_USER": "root",
        "MYSQL_ADMIN_PASSWORD": "",
        "RATINGS_MYSQL_USER": "ratings",
        "RATINGS_MYSQL_PASSWORD": password,
    }
    processes.seed(["ratings"], seed_env, quiet=True)
    function_env = {
        **mysql_env,
        "MYSQL_USER": "ratings",
        "MYSQL_PASSWORD": password,
        "CATALOGUE_URL": catalogue.url,
    }
    ratings, url = serve("ratings", log_dir, function_env)
    try:
        assert call("PUT", f"{url}/api/rate/RMC/4").status == 200
        assert json.loads(call("GET", f"{url}/api/fetch/RMC").data)["rating_count"] == 1

        mariadb.kill()
        down = wait_for_status(f"{url}/api/fetch/RMC", 503)
        assert down.status == 503
        assert json.loads(down.data)["error"] == "unavailable"
        assert int(down.headers["Retry-After"]) >= 1
        assert call("PUT", f"{url}/api/rate/RMC/2").status == 503
        health = call("GET", f"{url}/health")
        assert health.status == 503
        assert json.loads(health.data)["dependencies"]["mysql"] != "up"

        mariadb = start_mariadb(data_dir, port)
        healed = wait_for_status(f"{url}/api/fetch/RMC", 200)
        assert healed.status == 200
        assert json.loads(healed.data) == {"avg_rating": 4.0, "rating_count": 1}
        another_shopper = {"X-Real-IP": "10.0.0.2"}
        assert call("PUT", f"{url}/api/rate/RMC/2", headers=another_shopper).status == 200
        assert json.loads(call("GET", f"{url}/api/fetch/RMC").data)["rating_count"] == 2
        assert call("GET", f"{url}/health").status == 200
    finally:
        ratings.stop()
        mariadb.stop()
