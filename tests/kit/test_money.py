from __future__ import annotations

from decimal import Decimal

from kit.money import included_vat, money, number


def test_money_rounds_half_up_to_the_cent() -> None:
    assert money(11.175) == Decimal("11.18")
    assert money("0.005") == Decimal("0.01")
    assert money(42) == Decimal("42.00")


def test_numbers_for_clients_drop_needless_decimals() -> None:
    assert number(Decimal("42.00")) == 42
    assert isinstance(number(Decimal("42.00")), int)
    assert number(Decimal("1234.50")) == 1234.5


def test_included_vat_is_a_sixth_of_the_gross_to_the_cent() -> None:
    assert included_vat(Decimal("1234.5")) == Decimal("205.75")
    assert included_vat(Decimal("67.05")) == Decimal("11.18")
    assert included_vat(Decimal(0)) == Decimal("0.00")
