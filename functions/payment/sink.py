"""Handing an event to the broker: POST in binary mode to $K_SINK, a few tries, 2xx or bust.

Every try sends the same event (same id): consumers are idempotent, so an event
that got through twice takes effect once. A try fails in one of two ways. The
broker said no (it could not be reached, or it answered non-2xx): the event is
not in it. Or the answer was lost after the event went out (a read timeout, a
dropped connection): the broker may have taken it. Only when every try was a
"no" is the order certainly not placed; a lost answer leaves it in doubt.
"""

from __future__ import annotations

import time
from typing import Any

import urllib3

from kit import (
    ApiError,
    Unavailable,
    current_request_id,
    events,
    get_logger,
    trace_call,
)
from payment.settings import PaymentSettings

log = get_logger("payment.sink")
_pool = urllib3.PoolManager(maxsize=10)
# Failures that happen before the request is sent: the broker can't have the event.
_NOT_SENT = (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError)


class InDoubt(ApiError):
    """The broker may or may not have taken the event: the order can't be said either way."""

    def __init__(self, orderid: str) -> None:
        super().__init__(
            503,
            "order_in_doubt",
            f"order {orderid} could not be confirmed; see your order history before paying again",
            {"Retry-After": "5"},
        )


def send(event: Any) -> None:
    """Return once the broker accepted the event.

    Unavailable('broker') when it certainly did not; InDoubt when it may have.
    """
    sink = events.SinkSettings.current().k_sink
    settings = PaymentSettings.current()
    headers, body = events.to_binary(event)
    attempts = settings.payment_broker_attempts
    timeout = urllib3.Timeout(connect=1, read=settings.payment_broker_timeout_ms / 1000)
    in_doubt = False
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.1 * 2**attempt)
        try:
            answer = _post(sink, headers, body, timeout)
        except _NOT_SENT as exc:
            log.warning("broker unreachable (try %d): %r", attempt + 1, exc)
            continue
        except urllib3.exceptions.HTTPError as exc:
            in_doubt = True
            log.warning("broker's answer lost (try %d): %r", attempt + 1, exc)
            continue
        if 200 <= answer.status < 300:
            return
        log.warning(
            "broker answered %d (try %d): %r", answer.status, attempt + 1, answer.data[:200]
        )
        if 400 <= answer.status < 500 and answer.status != 429:
            break  # the broker refuses this event: sending it again won't help
    if in_doubt:
        raise InDoubt(str(event["subject"]))
    raise Unavailable("broker")


def _post(
    sink: str, headers: dict[str, str], body: bytes, timeout: urllib3.Timeout
) -> urllib3.BaseHTTPResponse:
    with trace_call("broker", "POST broker") as trace_headers:
        sent = {**headers, **trace_headers, "X-Request-Id": current_request_id()}
        return _pool.request("POST", sink, body=body, headers=sent, timeout=timeout, retries=False)
