"""Sending one CloudEvent over HTTP in binary mode: the one way payment hands its events to
the broker, a replay hands a dead letter to its consumer (and the consumer's reply to the
broker), and the dev broker delivers to a subscriber.

The event goes as it is given, its signature (the `roboshopsignature` extension) with it:
the shop signs an event when it makes one (kit.events.signed), and nothing that forwards
an event (the broker, a replay) may sign it again. The request carries the current trace
(`traceparent`, a client span of its own when exporting) and the current request id
(`X-Request-Id`), so the receiver's lines and spans join the sender's. Connections are
pooled per host. Each caller says how long to wait and how often to try (`attempts`,
`retried`); what came of the last try is the answer, with whether any try may have
reached the receiver though its answer was lost (`in_doubt`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kit import _logs, _trace
from kit.peers import PeerSettings

if TYPE_CHECKING:
    import urllib3

log = _logs.get_logger("events")
# The status of a try nothing answered: unreachable, timed out, or cut off.
NO_ANSWER = -1
# The 4xx answers the broker retries (Knative's kncloudevents.SelectiveRetry). Any other
# 4xx is final: eventing-rabbitmq then acks the event and it is gone.
RETRIED_4XX = frozenset({404, 408, 409, 429})
_pool: urllib3.PoolManager | None = None


def retryable(status: int) -> bool:
    """Whether a delivery that failed so may succeed later, as Knative's broker has it: no
    answer, a 5xx or one of RETRIED_4XX."""
    return status == NO_ANSWER or status >= 500 or status in RETRIED_4XX


@dataclass(frozen=True)
class BinaryEvent:
    """A CloudEvent as binary mode carries it: its attributes (`datacontenttype` among them)
    and its data, byte for byte."""

    attributes: Mapping[str, Any]
    data: bytes

    @classmethod
    def of(cls, event: Any) -> BinaryEvent:
        """A CloudEvent SDK event in binary mode (its data serialised as its content type says)."""
        from cloudevents.conversion import to_binary

        headers, body = to_binary(event)
        attributes = dict(event.get_attributes())
        attributes["datacontenttype"] = headers.get("content-type", "application/json")
        return cls(attributes, body if isinstance(body, bytes) else str(body).encode())

    def headers(self) -> dict[str, str]:
        """The ce-* headers and Content-Type that carry it."""
        headers = {
            f"ce-{name}": str(value)
            for name, value in self.attributes.items()
            if name != "datacontenttype" and value is not None
        }
        headers["Content-Type"] = str(self.attributes.get("datacontenttype") or "application/json")
        return headers


@dataclass(frozen=True)
class Answer:
    """What the receiver answered to the last try: NO_ANSWER when nothing did."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    data: bytes = b""
    # A try went out and its answer was lost: the receiver may have the event.
    in_doubt: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def detail(self) -> str:
        """The answer in a few words, for a log line or a dead letter's reason."""
        if self.status == NO_ANSWER:
            return "no answer (its answer was lost)" if self.in_doubt else "unreachable"
        return f"HTTP {self.status}: {self.data[:200]!r}"


def _pool_manager() -> urllib3.PoolManager:
    # Imported by the first event sent, as kit.peers imports it by the first call.
    import urllib3

    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(maxsize=PeerSettings.current().peer_pool_size, block=False)
    return _pool


def send(
    event: Any,
    url: str,
    *,
    receiver: str,
    read_timeout: float,
    connect_timeout: float = 2.0,
    attempts: int = 1,
    backoff: float = 0.1,
    retried: Callable[[int], bool] = retryable,
    pool: urllib3.PoolManager | None = None,
) -> Answer:
    """POST the event (a BinaryEvent, or an SDK event) to `url`, up to `attempts` times while
    the answer is not 2xx and `retried(status)` says another try may help, waiting
    `backoff` x 2^try between tries. Every try sends the same event (same id): receivers
    are idempotent. `receiver` names the other side in spans and log lines; `pool` is the
    caller's own when it sends more at once than the kit's keeps open (PEER_POOL_SIZE)."""
    import urllib3

    binary = event if isinstance(event, BinaryEvent) else BinaryEvent.of(event)
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    answer, in_doubt = Answer(NO_ANSWER), False
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * 2**attempt)
        answer = _try(binary, url, receiver, timeout, pool or _pool_manager())
        in_doubt = in_doubt or answer.in_doubt
        if answer.ok or not retried(answer.status):
            break
        if attempts > 1:
            log.warning("%s: try %d failed: %s", receiver, attempt + 1, answer.detail)
    return Answer(answer.status, answer.headers, answer.data, in_doubt)


def _try(
    binary: BinaryEvent,
    url: str,
    receiver: str,
    timeout: urllib3.Timeout,
    pool: urllib3.PoolManager,
) -> Answer:
    import urllib3.exceptions

    headers = binary.headers()
    rid = _logs.request_id.get()
    if rid:
        headers["X-Request-Id"] = rid
    try:
        with _trace.client(receiver, f"POST {receiver}") as trace_headers:
            response = pool.request(
                "POST",
                url,
                body=binary.data,
                headers={**headers, **trace_headers},
                timeout=timeout,
                retries=False,
            )
    except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError):
        # Failures before the request went out: the receiver can't have the event.
        return Answer(NO_ANSWER)
    except urllib3.exceptions.HTTPError:
        return Answer(NO_ANSWER, in_doubt=True)
    return Answer(response.status, response.headers, response.data)
