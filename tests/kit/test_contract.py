"""The order.placed contract: what every consumer takes, and the one answer to the rest."""

from __future__ import annotations

from typing import Any

import pytest

from kit import ApiError, contract
from tests.support.orders import BAD_PLACED, placed_data


@pytest.mark.parametrize("data", BAD_PLACED.values(), ids=BAD_PLACED.keys())
def test_data_breaking_a_rule_is_a_bad_event(data: Any) -> None:
    with pytest.raises(ApiError) as refused:
        contract.placed_order(data)
    assert (refused.value.status, refused.value.error) == (400, "bad_event")


@pytest.mark.parametrize(
    "data",
    [
        placed_data("o-1", "stan", [{"sku": "RMC", "qty": 2}, {"sku": "SHIP", "qty": 1}], True),
        placed_data("a1b2:c3.d_4-e", "anonymous-" + "f" * 32, []),
        {**placed_data("o" * 100, "u", [{"sku": "S" * 64, "qty": 1}]), "extra": 1},
    ],
)
def test_what_payment_sends_is_taken_as_it_is(data: dict[str, Any]) -> None:
    assert contract.placed_order(data) == {k: data[k] for k in contract.PlacedOrder.__annotations__}
