"""What deadletters reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class DeadLettersSettings(Settings):
    deadletters_page_default: Annotated[
        int, About("`GET /dead-letters` page size without `limit`", minimum=1)
    ] = 100
