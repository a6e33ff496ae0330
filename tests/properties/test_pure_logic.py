"""Properties of the shop's pure logic, over generated inputs (hypothesis): money, cart
arithmetic and VAT, merging carts, distance and shipping cost."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cart import carts
from kit.contract import SHIPPING_SKU
from kit.money import CENT, included_vat, money, number
from shipping import geo

settings.register_profile("roboshop", max_examples=200, deadline=None)
settings.load_profile("roboshop")

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
skus = st.sampled_from(["RMC", "STAN-1", "EMM", "EPE", "HPTD", "Watson"])
lines = st.lists(st.tuples(skus, cents, st.integers(1, 50)), max_size=8)
latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


def cart_of(items: list[tuple[str, Decimal, int]]) -> carts.Cart:
    cart: carts.Cart | None = None
    for sku, price, qty in items:
        cart = carts.add(cart, sku, f"robot {sku}", price, qty, carts.MAX_LINE_QTY)
    return cart or carts.empty()


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6))
def test_money_rounds_half_up_to_the_cent(value: Decimal) -> None:
    rounded = money(value)
    assert rounded == rounded.quantize(CENT)
    assert abs(rounded - value) <= Decimal("0.005")


@given(cents)
def test_a_json_number_of_cents_reads_back_to_the_same_amount(amount: Decimal) -> None:
    assert money(number(amount)) == amount


@given(cents)
def test_vat_is_a_sixth_of_the_gross_to_the_cent(gross: Decimal) -> None:
    vat = included_vat(gross)
    assert abs(vat - gross / 6) <= Decimal("0.005")
    assert Decimal(0) <= vat <= gross


@given(lines)
def test_the_cart_total_is_the_sum_of_its_lines_and_its_tax_is_that_totals(
    items: list[tuple[str, Decimal, int]],
) -> None:
    public = carts.public(cart_of(items))
    subtotals = [Decimal(str(item["subtotal"])) for item in public["items"]]
    assert Decimal(str(public["total"])) == sum(subtotals, Decimal(0))
    for item in public["items"]:
        assert Decimal(str(item["subtotal"])) == Decimal(str(item["price"])) * item["qty"]
    assert Decimal(str(public["tax"])) == included_vat(Decimal(str(public["total"])))


@given(lines)
def test_lines_of_one_sku_merge_and_quantities_add_up(
    items: list[tuple[str, Decimal, int]],
) -> None:
    cart = cart_of(items)
    skus_in_cart = [item["sku"] for item in cart["items"]]
    assert len(skus_in_cart) == len(set(skus_in_cart))
    for sku in set(skus_in_cart):
        line = next(item for item in cart["items"] if item["sku"] == sku)
        assert line["qty"] == sum(qty for s, _, qty in items if s == sku)


@given(lines, lines)
def test_merging_adds_quantities_drops_shipping_and_keeps_every_sku(
    target_items: list[tuple[str, Decimal, int]], source_items: list[tuple[str, Decimal, int]]
) -> None:
    target = carts.with_shipping(cart_of(target_items), "London", Decimal("25.05"))
    source = carts.with_shipping(cart_of(source_items), "Paris", Decimal("20.00"))
    merged = carts.merge(target, source)
    assert all(item["sku"] != SHIPPING_SKU for item in merged["items"])

    def qty(cart: carts.Cart, sku: str) -> int:
        return sum(i["qty"] for i in cart["items"] if i["sku"] == sku)

    for sku in {s for s, _, _ in target_items + source_items}:
        assert qty(merged, sku) == min(carts.MAX_LINE_QTY, qty(target, sku) + qty(source, sku))


@given(lines, st.dictionaries(skus, st.integers(1, 100)))
def test_clearing_an_order_never_adds_and_never_goes_below_zero(
    items: list[tuple[str, Decimal, int]], ordered: dict[str, int]
) -> None:
    cart = cart_of(items)
    left = carts.subtract(cart, ordered)
    for item in (left or carts.empty())["items"]:
        before = next(i for i in cart["items"] if i["sku"] == item["sku"])
        assert 0 < item["qty"] == before["qty"] - ordered.get(item["sku"], 0)


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_bounded_and_zero_to_itself(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    there = geo.haversine_km(lat1, lon1, lat2, lon2)
    assert math.isclose(there, geo.haversine_km(lat2, lon2, lat1, lon1), abs_tol=1e-6)
    assert 0 <= there <= math.pi * geo.EARTH_RADIUS_KM + 1e-6
    assert geo.haversine_km(lat1, lon1, lat1, lon1) < 1e-6


@given(latitudes, longitudes)
def test_shipping_costs_five_cents_a_whole_km(latitude: float, longitude: float) -> None:
    quote = geo.quote(latitude, longitude)
    assert isinstance(quote["distance"], int)
    assert 0 <= quote["distance"] <= geo.MAX_DISTANCE_KM
    expected = (Decimal(quote["distance"]) * geo.EUR_PER_KM).quantize(CENT)
    assert Decimal(str(quote["cost"])) == expected


@given(latitudes, longitudes, latitudes, longitudes, latitudes, longitudes)
@example(0.0, 1.192092896e-07, 0.0, 1.0, 0.0, 180.0)  # nearly antipodal: found by hypothesis
def test_distance_keeps_the_triangle_inequality(
    a: float, b: float, c: float, d: float, e: float, f: float
) -> None:
    # Within a metre: near antipodal points haversine's sine squared rounds to 1 in double
    # precision, some R * sqrt(epsilon) = 0.1 m (hypothesis found 13 mm); prices use whole km.
    assert geo.haversine_km(a, b, e, f) <= (
        geo.haversine_km(a, b, c, d) + geo.haversine_km(c, d, e, f) + 1e-3
    )
