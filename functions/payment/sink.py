"""Handing an event to the broker: POST in binary mode to $K_SINK, a few tries, 2xx or bust."""

from __future__ import annotations

import logging
import time
from typing import Any

import urllib3

from kit import Unavailable, env, env_int, events

log = logging.getLogger("payment.sink")
_pool = urllib3.PoolManager(maxsize=10)


def send(event: Any) -> None:
    """Return once the broker accepted the event; Unavailable('broker') if it would not."""
    sink = env("K_SINK", "")
    if not sink:
        log.error("K_SINK is not set: no broker to send order events to")
        raise Unavailable("broker")
    headers, body = events.to_binary(event)
    attempts = max(1, env_int("BROKER_ATTEMPTS", 3))
    timeout = urllib3.Timeout(connect=1, read=env_int("BROKER_TIMEOUT_MS", 5000) / 1000)
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.1 * 2**attempt)
        try:
            answer = _pool.request(
                "POST", sink, body=body, headers=headers, timeout=timeout, retries=False
            )
        except urllib3.exceptions.HTTPError as exc:
            log.warning("broker unreachable (try %d): %r", attempt + 1, exc)
            continue
        if 200 <= answer.status < 300:
            return
        log.warning(
            "broker answered %d (try %d): %r", answer.status, attempt + 1, answer.data[:200]
        )
        if 400 <= answer.status < 500 and answer.status != 429:
            break  # the broker refuses this event: sending it again won't help
    raise Unavailable("broker")
