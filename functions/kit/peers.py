"""Calling other functions over HTTP, one way for every caller.

The rule, the same in every function:

- A peer that can't be reached, times out (after the bounded retries of an
  idempotent call), answers 5xx, answers a status its caller did not expect,
  or answers 2xx with a body that is not JSON becomes `Unavailable(peer)`: our
  own client gets 503 `unavailable`, a message naming the peer, and
  `Retry-After`. A body that is JSON but not the shape the caller needs is the
  same failure: the caller raises `Unavailable(peer)` too.
- A 4xx the caller expects is named in `expect` and handled by the caller
  explicitly: `PeerResponse.refusal()` passes the peer's own error on
  (e.g. cart's 401/403/409 to payment's client).
- `forward=request` sends the shopper's Authorization and Cookie headers,
  for a peer that checks who is asking (cart's owned carts), and the browser's
  Sec-Fetch-Site with them: the peer takes the cookie only from requests this
  origin started, as the function the shopper called does (kit.sessions).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from flask import Request

from kit import _logs, _trace
from kit._config import peer_url
from kit._errors import ApiError, Unavailable
from kit.settings import About, Settings

if TYPE_CHECKING:
    import urllib3

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# The shopper's session, for a peer that checks who is asking, and where the browser says
# the request came from (a cookie sent by another site's page is no session there either).
_SESSION_HEADERS = ("Authorization", "Cookie", "Sec-Fetch-Site")
log = _logs.get_logger("peers")
_pool: urllib3.PoolManager | None = None


@dataclass(frozen=True)
class PeerSettings(Settings):
    peer_pool_size: Annotated[int, About("connections kept open to each peer", minimum=1)] = 10
    peer_connect_timeout_ms: Annotated[
        int, About("how long connecting to a peer may take", minimum=1)
    ] = 1000
    # Covers a peer's scale from zero with room to spare, and three tries of one call fit
    # inside nginx's read timeout (docs/decisions/0010-cold-start-budget.md).
    peer_read_timeout_ms: Annotated[
        int,
        About("how long a peer may take to answer (idempotent calls are retried twice)", minimum=1),
    ] = 8000


def _pool_manager() -> urllib3.PoolManager:
    # urllib3 is imported by the first call, not at start: most of a function's routes
    # make none, and a cold start should not wait for what they don't use.
    import urllib3

    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(maxsize=PeerSettings.current().peer_pool_size, block=False)
    return _pool


@dataclass(frozen=True)
class PeerResponse:
    """A 2xx answer (`data` its JSON, None when empty) or a 4xx the caller expected."""

    function: str
    status: int
    data: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def refusal(self, keep: Collection[str] = ()) -> ApiError:
        """The peer's own 4xx passed on to our client, with the fields named in `keep`."""
        detail = self.data if isinstance(self.data, dict) else {}
        return ApiError(
            self.status,
            str(detail.get("error") or f"{self.function}_refused"),
            str(detail.get("message") or f"{self.function} answered {self.status}"),
            fields={k: str(detail[k]) for k in keep if k in detail} or None,
        )


def _session(request: Request) -> dict[str, str]:
    return {h: request.headers[h] for h in _SESSION_HEADERS if h in request.headers}


def call(
    function: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    expect: Collection[int] = (),
    forward: Request | None = None,
    retries: int | None = None,
) -> PeerResponse:
    """One request to `function` under the module's rule; idempotent methods are retried."""
    status, data = _send(function, method.upper(), path, body, forward, retries)
    if 200 <= status < 300 or status in expect:
        try:
            parsed = json.loads(data) if data.strip() else None
        except ValueError:
            if status in expect:
                return PeerResponse(function, status, None)
            log.error("%s answered %d with a body that is not JSON", function, status)
            raise Unavailable(function) from None
        return PeerResponse(function, status, parsed)
    if status < 500:
        log.error("%s answered %d unexpectedly: %r", function, status, data[:200])
    raise Unavailable(function)


def _send(
    function: str,
    method: str,
    path: str,
    body: Any,
    forward: Request | None,
    retries: int | None,
) -> tuple[int, bytes]:
    import urllib3

    send_headers = {"Accept": "application/json"}
    rid = _logs.request_id.get()
    if rid:
        send_headers["X-Request-Id"] = rid
    if forward is not None:
        send_headers.update(_session(forward))
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        send_headers["Content-Type"] = "application/json"
    if retries is None:
        retries = 2 if method in _IDEMPOTENT else 0
    retry = urllib3.Retry(
        total=retries,
        backoff_factor=0.1,
        status_forcelist=(502, 503, 504),
        allowed_methods=None,  # `retries` already says whether this method may repeat
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    settings = PeerSettings.current()
    timeout = urllib3.Timeout(
        connect=settings.peer_connect_timeout_ms / 1000,
        read=settings.peer_read_timeout_ms / 1000,
    )
    try:
        with _trace.client(function, f"{method} {function}") as trace_headers:
            response = _pool_manager().request(
                method,
                peer_url(function) + path,
                body=payload,
                headers={**send_headers, **trace_headers},
                retries=retry,
                timeout=timeout,
            )
    except urllib3.exceptions.HTTPError:
        raise Unavailable(function) from None
    return response.status, response.data
