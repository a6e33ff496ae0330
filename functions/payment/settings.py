"""What payment reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class PaymentSettings(Settings):
    payment_gateway: Annotated[
        str,
        About(
            "the card gateway (`POST /authorisations`, `/authorisations/{id}/capture`, `/void`);"
            " unset: the simulated gateway",
            schemes=("http", "https"),
        ),
    ] = ""
    payment_gateway_timeout_ms: Annotated[
        int, About("how long the gateway may take to answer", minimum=1)
    ] = 10000
    payment_decline_above_eur: Annotated[
        int, About("the simulated gateway declines larger totals", minimum=0)
    ] = 50000
    payment_authorisation_ttl_seconds: Annotated[
        int, About("how long the simulated gateway keeps an authorisation", minimum=1)
    ] = 3600
    payment_idempotency_ttl_seconds: Annotated[
        int, About("how long an `Idempotency-Key`'s answer is kept", minimum=1)
    ] = 86400
    payment_broker_attempts: Annotated[
        int, About("tries to hand an order event to the broker", minimum=1)
    ] = 3
    payment_broker_timeout_ms: Annotated[
        int, About("how long the broker may take to accept one", minimum=1)
    ] = 5000
    payment_delay_ms: Annotated[
        int,
        About(
            "fault knob: delays every payment; the default of the chaos switch `payment-delay-ms`",
            minimum=0,
        ),
    ] = 0
