"""The served user function under a flood of correct logins: hashes wait a bounded time in
a bounded number of slots, and the cheap routes never queue behind them."""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from scripts.stack.shop import Stack
from tests.support.accounts import TEST_SECRET

pytestmark = pytest.mark.served

FLOODERS = 12
FLOOD_SECONDS = 3.0
PASSWORD = "a correct password"


@pytest.fixture
def user_url(mongo_url: str, redis_url: str, namespace: str, tmp_path: Path) -> Iterator[str]:
    env = {
        "SESSION_SECRET": TEST_SECRET,
        "DATA_NAMESPACE": namespace,
        "LOG_LEVEL": "warning",
        "WORKERS": "1",
        "THREADS": "4",
        "PASSWORD_HASHES_AT_ONCE": "2",
        "PASSWORD_HASH_WAITERS": "1",
        "PASSWORD_HASH_WAIT_MS": "1000",
        # The slots are what is measured here, not the per-client count.
        "LOGIN_ATTEMPTS_PER_CLIENT": "1000000",
    }
    with Stack(env, tmp_path, {"mongodb": mongo_url}) as shop:
        yield shop.start(["user"]).urls["user"]


def post(http: urllib3.PoolManager, url: str, body: dict[str, str]) -> urllib3.BaseHTTPResponse:
    return http.request(
        "POST",
        url,
        body=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
        retries=False,
    )


def test_logins_past_the_slots_are_busy_and_cheap_routes_stay_quick(user_url: str) -> None:
    flooder = urllib3.PoolManager(maxsize=FLOODERS, source_address=("127.0.0.1", 0))
    shopper = urllib3.PoolManager(maxsize=2, source_address=("127.0.0.2", 0))
    name = f"flood-{uuid.uuid4().hex[:10]}"
    registered = post(
        flooder,
        f"{user_url}/register",
        {"name": name, "password": PASSWORD, "email": f"{name}@example.com"},
    )
    assert registered.status == 200, registered.data
    bearer = {"Authorization": f"Bearer {registered.json()['token']}"}

    statuses: list[int] = []
    busy: list[urllib3.BaseHTTPResponse] = []
    stop = threading.Event()

    def flood() -> None:
        while not stop.is_set():
            answer = post(flooder, f"{user_url}/login", {"name": name, "password": PASSWORD})
            statuses.append(answer.status)
            if answer.status == 503:
                busy.append(answer)

    threads = [threading.Thread(target=flood) for _ in range(FLOODERS)]
    for thread in threads:
        thread.start()
    cheap: dict[str, list[float]] = {"uniqueid": [], "check": [], "history": []}
    paths = {"uniqueid": "/uniqueid", "check": f"/check/{name}", "history": f"/history/{name}"}
    try:
        time.sleep(0.3)  # the flood under way
        ends = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < ends:
            for route, path in paths.items():
                began = time.monotonic()
                answer = shopper.request(
                    "GET", user_url + path, headers=bearer, timeout=30, retries=False
                )
                cheap[route].append(time.monotonic() - began)
                # A user without orders has no history yet: 404, answered all the same.
                assert answer.status in (200, 404), (route, answer.status, answer.data)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    for route, seconds in cheap.items():
        assert len(seconds) >= 3, route
        assert statistics.median(seconds) < 0.15, (route, sorted(seconds))
    assert set(statuses) <= {200, 503}
    assert statuses.count(200) >= 1
    assert busy, "no login was told the function is busy"
    for answer in busy:
        assert answer.json()["error"] == "busy"
        assert int(answer.headers["Retry-After"]) >= 1
        assert "Set-Cookie" not in answer.headers
