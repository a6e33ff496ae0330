"""What dispatch reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class DispatchSettings(Settings):
    dispatch_delay_ms: Annotated[int, About("longest simulated fulfilment time", minimum=0)] = 300
    dispatch_memory_seconds: Annotated[
        int,
        About(
            "how long a dispatched order is remembered, so a redelivery is not counted", minimum=1
        ),
    ] = 30 * 86400
    dispatch_error_percent: Annotated[
        int,
        About(
            "fault knob: the share of orders whose dispatch fails (and is retried); the default"
            " of the chaos switch `dispatch-error-percent`",
            minimum=0,
            maximum=100,
        ),
    ] = 0
