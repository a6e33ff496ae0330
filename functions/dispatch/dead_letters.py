"""The dead-letter sink of the order Triggers: events no consumer could take.

Each one is logged (with the knativeerror* extensions saying where and why
delivery failed) and counted, for an operator to look into.
"""

from __future__ import annotations

import logging
from typing import Any

from kit import counter

log = logging.getLogger("dispatch.dead_letters")
dead_letters_total = counter("dead_letters", "Events parked after their last retry.", ["type"])


def record(event: Any) -> None:
    dead_letters_total.labels(str(event["type"])).inc()
    log.warning(
        "dead letter",
        extra={
            "event_type": event["type"],
            "event_id": event["id"],
            "subject": event.get("subject"),
            "destination": event.get("knativeerrordest"),
            "code": event.get("knativeerrorcode"),
        },
    )
