"""Graceful shutdown of a function under granian (`python -m kit.serve`), as Knative does it:
SIGTERM to the container's main process when a revision scales to zero or is replaced."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.jobs.seed import catalogue as seed_catalogue
from scripts.stack import processes
from scripts.stack.processes import Process
from scripts.stack.shop import Stack
from scripts.stack.wait import until

pytestmark = pytest.mark.served

SKU = "Watson"
SLOW_MS = 4000
# Long enough for the request to reach its handler on a busy machine, well inside SLOW_MS.
IN_FLIGHT_PAUSE = 1.5


class InFlight(threading.Thread):
    """One GET in a thread of its own; its status and body once it is answered."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.host, self.port = url.removeprefix("http://").split(":")
        self.status: int | None = None
        self.body = b""
        self.error: Exception | None = None

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
        try:
            connection.request("GET", f"/product/{SKU}")
            response = connection.getresponse()
            self.status, self.body = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.error = exc
        finally:
            connection.close()


def catalogue(folder: Path, env: dict[str, str], urls: dict[str, str]) -> tuple[Process, str]:
    """The catalogue served as the stack serves it; the test stops it, whatever it does."""
    shop = Stack(env, folder, urls).start(["catalogue"])
    return shop.processes["catalogue"], shop.urls["catalogue"]


def slow_catalogue(
    folder: Path, mongo_url: str, shutdown_seconds: int, slow_ms: int = SLOW_MS
) -> tuple[Process, str]:
    seed_catalogue.seed()
    env = {"CATALOGUE_DELAY_MS": str(slow_ms), "SHUTDOWN_SECONDS": str(shutdown_seconds)}
    return catalogue(folder, env, {"mongodb": mongo_url})


def terminate_main(process: Process) -> None:
    """SIGTERM to the server's main process only, as the kubelet sends it to PID 1."""
    assert process.popen is not None
    os.kill(process.popen.pid, signal.SIGTERM)


def sigterm_during_a_request(process: Process, url: str) -> InFlight:
    """A slow request, and SIGTERM once the server is busy with it; the request, running."""
    request = InFlight(url)
    request.start()
    time.sleep(IN_FLIGHT_PAUSE)
    terminate_main(process)
    return request


@pytest.fixture
def draining(tmp_path: Path, mongo_url: str) -> Iterator[tuple[Process, InFlight, int]]:
    """A catalogue sent SIGTERM while it serves a slow request; it, the request, its port."""
    process, url = slow_catalogue(tmp_path, mongo_url, shutdown_seconds=20)
    try:
        yield process, sigterm_during_a_request(process, url), int(url.rsplit(":", 1)[1])
    finally:
        process.kill()


def test_sigterm_lets_the_request_in_flight_finish_then_exits(
    draining: tuple[Process, InFlight, int],
) -> None:
    process, request, port = draining
    request.join(30)

    assert request.error is None
    assert request.status == 200
    assert json.loads(request.body)["sku"] == SKU
    assert process.popen is not None
    assert process.popen.wait(30) == 0
    assert not processes.port_open(port)


def test_a_new_connection_is_refused_while_the_last_request_drains(
    draining: tuple[Process, InFlight, int],
) -> None:
    process, request, port = draining
    until(lambda: not processes.port_open(port), 5, f"port {port} to stop taking connections")
    assert process.running()
    request.join(30)
    assert request.status == 200


def test_a_request_that_outlasts_the_grace_is_cut_and_the_process_still_exits(
    tmp_path: Path, mongo_url: str
) -> None:
    process, url = slow_catalogue(tmp_path, mongo_url, shutdown_seconds=1, slow_ms=60_000)
    try:
        request = sigterm_during_a_request(process, url)

        assert process.popen is not None
        # Long before the request's own minute: the worker is killed at SHUTDOWN_SECONDS.
        process.popen.wait(30)
        request.join(30)
        assert request.status is None
        assert request.error is not None
    finally:
        process.kill()


def test_an_idle_keep_alive_connection_does_not_hold_the_shutdown(tmp_path: Path) -> None:
    process, url = catalogue(tmp_path, {"SHUTDOWN_SECONDS": "20"}, {})
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/health/live")
        assert connection.getresponse().read()
        terminate_main(process)

        assert process.popen is not None
        # Shorter than SHUTDOWN_SECONDS: the server closed the idle connection itself.
        assert process.popen.wait(10) == 0
    finally:
        connection.close()
        process.kill()
