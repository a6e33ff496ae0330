"""Money in exact cents: Decimal amounts rounded half-up, sent to clients as JSON numbers.

Every price in the shop includes VAT; cart and payment must reach the very same
cents for the same cart, so the arithmetic lives here once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
VAT_RATE = Decimal("0.20")


def money(value: Decimal | int | float | str) -> Decimal:
    """An amount in EUR, rounded half-up to the cent (floats via their shortest text)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def number(amount: Decimal) -> int | float:
    """A JSON number for an amount of whole cents: 42, 1234.5, 205.75."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def included_vat(gross: Decimal) -> Decimal:
    """The VAT contained in a gross amount: `gross - gross / 1.2`, to the cent."""
    return money(gross - gross / (1 + VAT_RATE))
