"""A function served by granian (`python -m kit.serve`), as the image and the local stack do."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from scripts.stack.shop import Stack
from tests.support.settings import restart_with

pytestmark = pytest.mark.slow


def test_more_keep_alive_clients_than_threads_are_all_served(tmp_path: Path) -> None:
    """nginx and the peers' pools keep more connections open than the function has threads:
    a connection must not need a thread of its own to be answered."""
    with Stack({"THREADS": "2"}, tmp_path) as shop:
        url = shop.start(["catalogue"]).urls["catalogue"]
        host, port = url.removeprefix("http://").split(":")
        connections = [http.client.HTTPConnection(host, int(port), timeout=10) for _ in range(8)]
        try:
            for _ in range(2):
                for connection in connections:
                    connection.request("GET", "/health/live")
                answers = [connection.getresponse() for connection in connections]
                assert [answer.status for answer in answers] == [200] * 8
                assert {json.loads(answer.read())["function"] for answer in answers} == {
                    "catalogue"
                }
        finally:
            for connection in connections:
                connection.close()


def test_the_function_answers_as_functions_framework_builds_it(tmp_path: Path) -> None:
    with Stack({}, tmp_path) as shop:
        url = shop.start(["catalogue"]).urls["catalogue"]
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("GET", "/no/such/route")
            answer = connection.getresponse()
            assert answer.status == 404
            assert json.loads(answer.read())["error"] == "not_found"
            assert answer.getheader("X-Request-Id")
        finally:
            connection.close()


def test_the_app_is_built_once_for_the_main_process_and_its_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """main() builds it before granian forks; the worker's factory call gets that one."""
    from kit import serve as kit_serve
    from scripts.stack.processes import ROOT

    monkeypatch.setattr(kit_serve, "_built", None)
    restart_with(
        monkeypatch,
        FUNCTION="catalogue",
        SOURCE=str(ROOT / "functions" / "catalogue" / "main.py"),
    )
    first = kit_serve.app()
    assert kit_serve.app() is first
    assert first.test_client().get("/health/live").status_code == 200  # type: ignore[attr-defined]
