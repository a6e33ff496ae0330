"""What catalogue reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit.settings import About, Settings


@dataclass(frozen=True)
class CatalogueSettings(Settings):
    catalogue_cache_seconds: Annotated[
        int, About("how long it answers from its copy of the products", minimum=0)
    ] = 10
    catalogue_delay_ms: Annotated[
        int,
        About(
            "fault knob: delays `GET /product/{sku}` (classic RoboShop's `GO_SLOW`); the default"
            " of the chaos switch `catalogue-slow-product`",
            minimum=0,
        ),
    ] = 0
