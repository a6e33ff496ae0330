"""Handing an event to the broker ($K_SINK): a few tries, 2xx or bust.

Every try sends the same event (same id): consumers are idempotent, so an event
that got through twice takes effect once. A try fails in one of two ways. The
broker said no (it could not be reached, or it answered non-2xx): the event is
not in it. Or the answer was lost after the event went out (a read timeout, a
dropped connection): the broker may have taken it. Only when every try was a
"no" is the order certainly not placed; a lost answer leaves it in doubt.
"""

from __future__ import annotations

from typing import Any

from kit import ApiError, Unavailable, events, get_logger
from payment.settings import PaymentSettings

log = get_logger("payment.sink")


class InDoubt(ApiError):
    """The broker may or may not have taken the event: the order can't be said either way."""

    def __init__(self, orderid: str) -> None:
        super().__init__(
            503,
            "order_in_doubt",
            f"order {orderid} could not be confirmed; see your order history before paying again",
            {"Retry-After": "5"},
        )


def worth_retrying(status: int) -> bool:
    """Anything but a 4xx other than 429: that one says the broker refuses this event for
    good, and sending it again won't help."""
    return not (400 <= status < 500 and status != 429)


def send(event: Any) -> None:
    """Return once the broker accepted the event.

    Unavailable('broker') when it certainly did not; InDoubt when it may have.
    """
    settings = PaymentSettings.current()
    answer = events.send(
        event,
        events.SinkSettings.current().k_sink,
        receiver="broker",
        connect_timeout=1.0,
        read_timeout=settings.payment_broker_timeout_ms / 1000,
        attempts=settings.payment_broker_attempts,
        retried=worth_retrying,
    )
    if answer.ok:
        return
    log.warning("the broker did not take the event: %s", answer.detail)
    if answer.in_doubt:
        raise InDoubt(str(event["subject"]))
    raise Unavailable("broker")
