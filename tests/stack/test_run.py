"""`make run` end to end: the stack comes up on free ports, serves, and Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import urllib3

from kit import LOCAL_PORTS
from scripts.stack.ports import free_port
from scripts.stack.processes import ROOT, port_open
from scripts.stack.wait import until

pytestmark = pytest.mark.served


def start_runner(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scripts.stack.run"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(
    runner: subprocess.Popen[bytes], log: Path, times: int, seconds: float = 300
) -> None:
    def output() -> str:
        assert runner.poll() is None, log.read_text()
        return log.read_text()

    up = f"'RoboShop is up' {times} times"
    until(output, seconds, up, 0.5, done=lambda text: text.count("RoboShop is up") >= times)


def interrupt(runner: subprocess.Popen[bytes]) -> int:
    runner.send_signal(signal.SIGINT)
    try:
        return runner.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(runner.pid, signal.SIGKILL)
        raise


def test_run_serves_the_shop_and_ctrl_c_stops_what_it_started(
    tmp_path: Path, redis_url: str, mysql_settings: dict[str, Any], amqp_url: str
) -> None:
    mongo_port, nginx_port, broker_port = free_port(), free_port(), free_port()
    function_ports = {name: free_port() for name in LOCAL_PORTS}
    env = {
        "ROBOSHOP_STATE": str(tmp_path / "state"),
        "MONGO_URL": f"mongodb://127.0.0.1:{mongo_port}",
        "NGINX_PORT": str(nginx_port),
        "AMQP_URL": amqp_url,
        "K_SINK": f"http://127.0.0.1:{broker_port}/",
        **{f"{name.upper()}_URL": f"http://127.0.0.1:{p}" for name, p in function_ports.items()},
    }
    log = tmp_path / "run.log"
    for attempt in (1, 2):  # the second run finds the data of the first: seeding is idempotent
        runner = start_runner(env, log)
        try:
            wait_until_up(runner, log, attempt)
            response = urllib3.request(
                "GET", f"http://127.0.0.1:{nginx_port}/api/catalogue/products", timeout=10
            )
            assert response.status == 200
            assert len(json.loads(response.data)) == 11
            page = urllib3.request("GET", f"http://127.0.0.1:{nginx_port}/", timeout=10)
            assert page.status == 200
            assert b"<html" in page.data.lower()
        finally:
            code = interrupt(runner)
        assert code == 0, log.read_text()
        assert not port_open(nginx_port)
        assert not port_open(mongo_port)
        assert not any(port_open(p) for p in [*function_ports.values(), broker_port])
    output = log.read_text()
    assert "redis: reusing the server listening on port 6379" in output
    assert output.count("mongodb: starting a private server") == 2
    assert port_open(6379) and port_open(3306) and port_open(5672)
