"""Calling other functions over HTTP: pooled connections, timeouts, bounded retries.

A peer that can't be reached, times out or answers 5xx after the retries
becomes `Unavailable` (503 to our own client); its 4xx answers are returned
for the caller to interpret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import urllib3

from kit import _logs, _trace
from kit._config import env_int, peer_url
from kit._errors import Unavailable

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_pool: urllib3.PoolManager | None = None


def _pool_manager() -> urllib3.PoolManager:
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(maxsize=env_int("PEER_POOL_SIZE", 10), block=False)
    return _pool


@dataclass(frozen=True)
class PeerResponse:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def call(
    function: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    retries: int | None = None,
) -> PeerResponse:
    """One request to `function`; idempotent methods are retried on failure."""
    send_headers = {"Accept": "application/json"}
    rid = _logs.request_id.get()
    if rid:
        send_headers["X-Request-Id"] = rid
    send_headers.update(headers or {})
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        send_headers["Content-Type"] = "application/json"
    if retries is None:
        retries = 2 if method.upper() in _IDEMPOTENT else 0
    retry = urllib3.Retry(
        total=retries,
        backoff_factor=0.1,
        status_forcelist=(502, 503, 504),
        allowed_methods=None,  # `retries` already says whether this method may repeat
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    timeout = urllib3.Timeout(
        connect=env_int("PEER_CONNECT_TIMEOUT_MS", 1000) / 1000,
        read=env_int("PEER_READ_TIMEOUT_MS", 5000) / 1000,
    )
    try:
        with _trace.client(function, f"{method.upper()} {function}") as trace_headers:
            response = _pool_manager().request(
                method.upper(),
                peer_url(function) + path,
                body=payload,
                headers={**send_headers, **trace_headers},
                retries=retry,
                timeout=timeout,
            )
    except urllib3.exceptions.HTTPError:
        raise Unavailable(function) from None
    if response.status >= 500:
        raise Unavailable(function)
    return PeerResponse(response.status, response.data)
