"""Plain HTTP calls to a served function, polling one until it answers a status, and the
JSON of a test client's answer."""

from __future__ import annotations

import time
from typing import Any

import urllib3
from werkzeug.test import TestResponse


def call(method: str, url: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
    """One request, no retries: a test sees exactly what the server answered."""
    return urllib3.request(method, url, timeout=10, retries=False, **kwargs)


def wait_for_status(
    url: str, status: int, method: str = "GET", seconds: float = 30
) -> urllib3.BaseHTTPResponse:
    """Repeat the request until it answers `status`; the last answer at the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        response = call(method, url)
        if response.status == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def json_body(response: TestResponse) -> Any:
    """A Flask test client's JSON answer; fails when the answer is not JSON at all."""
    assert response.is_json, (response.status_code, response.data[:200])
    return response.get_json()
