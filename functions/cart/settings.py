"""What cart reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class CartSettings(Settings):
    cart_ttl_seconds: Annotated[int, About("how long a cart nobody touches is kept", minimum=1)] = (
        3600
    )
    cart_checkout_hold_seconds: Annotated[
        int,
        About(
            "longest hold on a cart being checked out, if its order event never comes", minimum=1
        ),
    ] = 300
    cart_change_memory_seconds: Annotated[
        int,
        About("how long a change's id is remembered, so a retried change counts once", minimum=1),
    ] = 7 * 86400
    cart_catalogue_seconds: Annotated[
        int,
        About(
            "how long it prices from its copy of a catalogue product (`0`: asks on every add)",
            minimum=0,
        ),
    ] = 5
