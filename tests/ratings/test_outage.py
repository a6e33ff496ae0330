"""Drill: ratings' MariaDB crashes under a running function, then comes back."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from scripts.stack import processes
from scripts.stack.shop import Stack
from tests.support.http import call, wait_for_outage, wait_for_status
from tests.support.stub import Stub

pytestmark = pytest.mark.served


def test_ratings_answers_503_while_mysql_is_down_and_heals_alone(
    tmp_path: Path, catalogue: Stub
) -> None:
    # Its own user, made by the seed as make run's is (its func.yaml reads these).
    env = {"RATINGS_MYSQL_USER": "ratings", "RATINGS_MYSQL_PASSWORD": secrets.token_urlsafe(16)}
    with Stack(env, tmp_path, {"catalogue": catalogue.url}) as shop:
        shop.start(["mysql"])
        admin = {"MYSQL_ADMIN_USER": "root", "MYSQL_ADMIN_PASSWORD": ""}
        processes.seed(["ratings"], {**shop.environ, **admin}, quiet=True)
        url = shop.start(["ratings"]).urls["ratings"]
        assert call("PUT", f"{url}/api/rate/RMC/4").status == 200
        assert json.loads(call("GET", f"{url}/api/fetch/RMC").data)["rating_count"] == 1

        shop.kill("mysql")
        wait_for_outage(f"{url}/api/fetch/RMC", f"{url}/health", "mysql")
        assert call("PUT", f"{url}/api/rate/RMC/2").status == 503

        shop.restart("mysql")
        healed = wait_for_status(f"{url}/api/fetch/RMC", 200)
        assert healed.status == 200
        assert json.loads(healed.data) == {"avg_rating": 4.0, "rating_count": 1}
        another_shopper = {"X-Real-IP": "10.0.0.2"}
        assert call("PUT", f"{url}/api/rate/RMC/2", headers=another_shopper).status == 200
        assert json.loads(call("GET", f"{url}/api/fetch/RMC").data)["rating_count"] == 2
        assert call("GET", f"{url}/health").status == 200
