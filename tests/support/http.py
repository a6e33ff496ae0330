"""Plain HTTP calls to a served function, polling one until it answers a status, and the
JSON of a test client's answer."""

from __future__ import annotations

import json
from typing import Any

import urllib3
from werkzeug.test import TestResponse

from scripts.stack.wait import until


def call(method: str, url: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
    """One request, no retries: a test sees exactly what the server answered."""
    return urllib3.request(method, url, timeout=10, retries=False, **kwargs)


def wait_for_status(
    url: str, status: int, method: str = "GET", seconds: float = 30
) -> urllib3.BaseHTTPResponse:
    """The first answer of `status` to the request, repeated until then."""
    answers: list[urllib3.BaseHTTPResponse] = []

    def answer() -> tuple[int, bytes]:
        answers.append(call(method, url))
        return answers[-1].status, answers[-1].data[:200]

    what = f"{method} {url} to answer {status}"
    until(answer, seconds, what, 0.2, done=lambda seen: seen[0] == status)
    return answers[-1]


def wait_for_outage(url: str, health: str, dependency: str) -> None:
    """`url` answers 503 `unavailable` with a Retry-After, and the function's `health`
    names `dependency` as not up."""
    down = wait_for_status(url, 503)
    assert json.loads(down.data)["error"] == "unavailable"
    assert int(down.headers["Retry-After"]) >= 1
    answer = call("GET", health)
    assert answer.status == 503
    assert json.loads(answer.data)["dependencies"][dependency] != "up"


def json_body(response: TestResponse) -> Any:
    """A Flask test client's JSON answer; fails when the answer is not JSON at all."""
    assert response.is_json, (response.status_code, response.data[:200])
    return response.get_json()
