"""What shipping reads from its environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kit._errors import ConfigError
from kit.settings import About, Settings


@dataclass(frozen=True)
class ShippingSettings(Settings):
    cities_page_default: Annotated[
        int, About("`/cities/{code}` page size without `limit`", minimum=1)
    ] = 100
    cities_page_max: Annotated[int, About("the largest `limit`", minimum=1)] = 1000
    memory_knob_max_mib: Annotated[
        int,
        About(
            "the most the memory knob and the chaos switch `shipping-memory-leak` hold", minimum=0
        ),
    ] = 2048

    def __post_init__(self) -> None:
        if self.cities_page_default > self.cities_page_max:
            raise ConfigError("CITIES_PAGE_DEFAULT must not be above CITIES_PAGE_MAX")
