"""What ratings reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class RatingsSettings(Settings):
    new_voters_per_client_per_day: Annotated[
        int,
        About(
            "new voters one client address may add to one robot's count in a UTC day, then"
            " 429 (their votes change nothing until the day ends)",
            minimum=1,
        ),
    ] = 10
